"""A desk with history: cases in realistic states, routes and ages, with their events.

`seed_desk(url, total=..., due=...)` writes `due` cases whose customer update is due at `now`
(identical in every desk, so a sweep has the same work to do) among `total` cases, the rest
mostly ended long ago or open but not yet due. Each case carries the events that brought it
to its state, the findings, and the outbox rows those caused (long since sent), as a desk
that has run for years would. Rows go in by COPY on Postgres and executemany on SQLite.
"""

from __future__ import annotations

import gc
import random
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.writer import TableWriter
from bot.cases.model import Route, State
from db.models import Case, CaseEvent, Finding, OutboxMessage

S = State
CHUNK = 5_000
H = timedelta(hours=1)
# Final states of the history behind the due cases (weights: most requests ended long ago).
BACKGROUND = {
    S.CLOSED: 800,
    S.WITHDRAWN: 120,
    S.REJECTED: 50,
    S.PENDING_LEGAL: 1,
    S.TRIAGE: 2,
    S.INVESTIGATING: 4,
    S.RESCOPE_REQUESTED: 1,
    S.IN_REVIEW: 1,
    S.APPROVED: 1,
    S.SHARED: 1,
}  # about 1% open: some 1,100 open cases besides the due ones, as a busy desk has
DUE = {S.TRIAGE: 15, S.INVESTIGATING: 50, S.RESCOPE_REQUESTED: 5, S.IN_REVIEW: 20, S.APPROVED: 10}
RUNNING = frozenset(DUE)
ZONES = ("Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "UTC")
EVENT_TYPES = (["sign_in"], ["sign_in", "pat"], ["pat", "ssh_key", "member_added"])


@dataclass
class Seeded:
    url: str
    total: int
    due_ids: list[int] = field(default_factory=list)
    rows: int = 0
    seconds: float = 0.0


@dataclass
class Ids:
    case: int = 0
    event: int = 0
    finding: int = 0
    outbox: int = 0


def path_to(final: State, rng: random.Random) -> list[tuple[str, State | None, State]]:
    """The (action, from, to) steps that bring a new case to `final`."""
    steps: list[tuple[str, State | None, State]] = [("submit", None, S.SUBMITTED)]
    if final in (S.PENDING_LEGAL, S.REJECTED) or rng.random() < 0.05:
        steps.append(("refer_to_legal", S.SUBMITTED, S.PENDING_LEGAL))
        if final is S.PENDING_LEGAL:
            return steps
        if final is S.REJECTED:
            return [*steps, ("legal_deny", S.PENDING_LEGAL, S.REJECTED)]
        steps.append(("legal_approve", S.PENDING_LEGAL, S.TRIAGE))
    else:
        steps.append(("accept", S.SUBMITTED, S.TRIAGE))
    if final is S.TRIAGE or (final is S.WITHDRAWN and rng.random() < 0.4):
        return steps + ([("withdraw", S.TRIAGE, S.WITHDRAWN)] if final is S.WITHDRAWN else [])
    steps.append(("claim", S.TRIAGE, S.INVESTIGATING))
    for _ in range(rng.randint(1, 3)):
        kind = "add_finding" if rng.random() < 0.6 else "customer_update"
        steps.append((kind, S.INVESTIGATING, S.INVESTIGATING))
    if final is S.WITHDRAWN:
        return [*steps, ("withdraw", S.INVESTIGATING, S.WITHDRAWN)]
    if final is S.RESCOPE_REQUESTED:
        return [*steps, ("request_rescope", S.INVESTIGATING, S.RESCOPE_REQUESTED)]
    if final is S.INVESTIGATING:
        return steps
    steps.append(("submit_for_review", S.INVESTIGATING, S.IN_REVIEW))
    if final is S.IN_REVIEW:
        return steps
    steps += [
        ("review_approve", S.IN_REVIEW, S.IN_REVIEW),
        ("review_complete", S.IN_REVIEW, S.APPROVED),
    ]
    if final is S.APPROVED:
        return steps
    steps.append(("mark_shared", S.APPROVED, S.SHARED))
    if final is S.SHARED:
        return steps
    return [*steps, ("record_gap", S.SHARED, S.SHARED), ("close", S.SHARED, S.CLOSED)]


@dataclass(frozen=True)
class Spec:
    """What a case is: its final state, when it was filed, and where its update clock stands."""

    final: State
    created_at: datetime
    due_at: datetime | None  # None: no running clock
    handled: bool  # the current due time was already reminded, nudged and escalated
    seed: int


def due_specs(count: int, now: datetime) -> list[Spec]:
    rng = random.Random(1)
    states, weights = zip(*DUE.items(), strict=True)
    return [
        Spec(
            final=rng.choices(states, weights)[0],
            created_at=now - timedelta(days=rng.uniform(1, 14)),
            due_at=now - timedelta(minutes=rng.uniform(1, 600)),
            handled=False,
            seed=rng.randrange(1 << 30),
        )
        for _ in range(count)
    ]


def background_specs(count: int, now: datetime) -> list[Spec]:
    rng = random.Random(2)
    states, weights = zip(*BACKGROUND.items(), strict=True)
    specs = []
    for _ in range(count):
        final = rng.choices(states, weights)[0]
        running = final in RUNNING
        handled = running and rng.random() < 0.2
        age = rng.uniform(1, 30) if final.is_open else rng.uniform(31, 3 * 365)
        due = now + timedelta(minutes=rng.uniform(30, 700))
        if handled:
            due = now - timedelta(minutes=rng.uniform(300, 900))
        specs.append(
            Spec(
                final=final,
                created_at=now - timedelta(days=age),
                due_at=due if running else None,
                handled=handled,
                seed=rng.randrange(1 << 30),
            )
        )
    return specs


def case_row(case_id: int, spec: Spec, rng: random.Random) -> dict[str, Any]:
    """The case columns: a plausible request, as the intake and the casework left it."""
    created = spec.created_at
    personal = rng.random() < 0.3
    exception = "The customer's trial converts next week." if rng.random() < 0.05 else ""
    start = created - timedelta(days=rng.choice((2, 5, 14, 25)))
    route = Route.SIRT if personal or exception or created - start > 7 * 24 * H else Route.SUPPORT
    requester = f"UREQ{rng.randrange(200):03d}"
    claimed = spec.final not in (S.SUBMITTED, S.PENDING_LEGAL, S.TRIAGE, S.REJECTED)
    reviewed = spec.final in (S.APPROVED, S.SHARED, S.CLOSED)
    org = rng.randrange(3000)
    running, due = spec.final in RUNNING, spec.due_at
    ended = spec.final in (S.CLOSED, S.WITHDRAWN, S.REJECTED)
    legal_approved = spec.final not in (S.PENDING_LEGAL, S.REJECTED)
    return {
        "id": case_id,
        "state": spec.final.value,
        "route": route.value,
        "organisation": f"Customer {org:04d} Ltd",
        "ticket_url": f"https://support.example.com/tickets/{case_id}",
        "plan": "trial" if exception else rng.choice(("premium", "ultimate")),
        "deployment": "saas",
        "namespace": f"customer-{org:04d}",
        "owns_namespace": True,
        "window_start_at": start,
        "window_end_at": created - timedelta(days=1),
        "requester_tz": rng.choice(ZONES),
        "projects": [f"customer-{org:04d}/app"],
        "groups": [f"customer-{org:04d}/platform"] if rng.random() < 0.5 else [],
        "users": ["jdoe"] if personal else [],
        "event_types": rng.choice(EVENT_TYPES),
        "event_other": "",
        "personal_data": personal,
        "access_logs": False,
        "summary": "A token was used from an unknown address over the weekend.",
        "exception_justification": exception,
        "exception_unneeded": False,
        "waived": ["plan"] if exception else [],
        "approved_waivers": ["plan"] if exception and legal_approved else [],
        "approved_justification": exception if legal_approved else "",
        "users_in_namespace": personal,
        "own_use": True,
        "audit_events": "Audit Events show the token's creation, not where it was used.",
        "submitter_id": f"UHANDLER{rng.randrange(60):02d}" if reviewed else None,
        "long_window": created - start > 7 * 24 * H,
        "requester_id": requester,
        "requester_team_id": "T0INSIDE",
        "relay_contact_id": requester,
        "people": {requester: f"Requester {requester[-2:]}"},
        "owner_id": f"UHANDLER{rng.randrange(60):02d}" if claimed else None,
        "intake_view_id": f"VSEED{case_id}",
        "response_url": None,
        "card_channel_id": "C0TRIAGE",
        "card_ts": f"{created.timestamp():.6f}",
        "artefact_description": "Application log extract" if reviewed else None,
        "artefact_count": 120 if reviewed else None,
        "artefact_location": "Vault folder 7" if reviewed else None,
        "artefact_checksum": "sha256:00ff" if reviewed else None,
        "security_approver_id": "USEC" if reviewed else None,
        "legal_approver_id": "ULEGAL" if reviewed else None,
        "gap_description": "No audit event for token use by IP."
        if spec.final is S.CLOSED
        else None,
        "dive_key": f"{rng.getrandbits(256):064x}",
        "no_gap_reason": None,
        "cost_notice_pending": False,
        "gitlab_closed_at": None,
        "gitlab_seen_at": None,
        "gitlab_issue_iid": case_id if spec.final is not S.PENDING_LEGAL else None,
        "gitlab_issue_url": f"https://gitlab.example.com/sirt/cases/-/issues/{case_id}",
        "gap_issue_url": None,
        "last_customer_update_at": due - 12 * H if due else created,
        "next_update_due_at": due if running else None,
        "reminded_due_at": due if spec.handled else None,
        "nudged_due_at": due if spec.handled else None,
        "escalated_due_at": due if spec.handled else None,
        "snoozed_until_at": None,
        "created_at": created,
        "updated_at": created + 2 * H,
        "ended_at": created + 20 * 24 * H if ended else None,
        "purged_at": None,
    }


EVENT_COLUMNS = ["id", "case_id", "at", "actor_id", "action", "from_state", "to_state", "data"]
FINDING_COLUMNS = ["id", "case_id", "at", "author_id", "text"]
OUTBOX_COLUMNS = [
    "id", "case_id", "topic", "kind", "payload", "status", "attempts", "available_at",
    "lease_owner", "created_at", "sent_at",
]  # fmt: skip


@dataclass
class Chunk:
    """Rows of one chunk of cases; cases as dicts, the long tables as storage-form tuples."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    findings: list[tuple] = field(default_factory=list)
    outbox: list[tuple] = field(default_factory=list)

    def write(self, writer: TableWriter) -> int:
        writer.write("info_case", self.cases)
        writer.write_tuples("case_event", EVENT_COLUMNS, self.events)
        writer.write_tuples("case_finding", FINDING_COLUMNS, self.findings)
        writer.write_tuples("outbox_message", OUTBOX_COLUMNS, self.outbox)
        return len(self.cases) + len(self.events) + len(self.findings) + len(self.outbox)


def add_case(chunk: Chunk, ids: Ids, spec: Spec, stamp) -> None:
    """Appends a case, its history and what that history sent; `stamp` stores a datetime.

    Cheaper forms of the same rows: states go in as the members (a `StrEnum` is its value),
    times as naive UTC, the gaps between events from a table of timedeltas.
    """
    rng = random.Random(spec.seed)
    row = case_row(ids.case, spec, rng)
    chunk.cases.append(row)
    case, actor = ids.case, row["owner_id"] or row["requester_id"]
    at = spec.created_at.astimezone(UTC).replace(tzinfo=None)
    event, outbox, first = ids.event, ids.outbox, stamp(at)
    for action, before, after in path_to(spec.final, rng):
        event += 1
        outbox += 1
        when, data = stamp(at), "{}"
        if action == "add_finding":  # the event names its finding, as the bot records it
            ids.finding += 1
            chunk.findings.append((ids.finding, case, when, actor, FINDING))
            data = f'{{"finding_id": {ids.finding}}}'
        chunk.events.append((event, case, when, actor, action, before, after, data))
        chunk.outbox.append(
            (outbox, case, "gitlab", "note", f'{{"event_id": {event}}}', "sent",
             1, when, "seed", when, when)
        )  # fmt: skip
        at += GAPS[rng.randrange(60, 1800)]
    for kind in ("card", "dm_receipt"):
        outbox += 1
        chunk.outbox.append(
            (outbox, case, "slack", kind, "{}", "sent", 1, first, "seed", first, first)
        )
    ids.event, ids.outbox = event, outbox


GAPS = [timedelta(minutes=m) for m in range(1800)]  # the minutes between events


FINDING = "Found 12 sign-ins from the address."


MODELS = (Case, CaseEvent, Finding, OutboxMessage)


def seed_desk(url: str, *, total: int, due: int, now: datetime) -> Seeded:
    """Writes the desk; returns the ids of the due cases and how long it took.

    A chunk is written by a second thread while the next is made, so the database's work
    runs beside the generator's; the collector is off meanwhile (the rows hold no cycles, and
    it would otherwise walk the millions of young tuples again and again).
    """
    started = time.perf_counter()
    background = background_specs(max(total - due, 0), now)
    specs = sorted(background + due_specs(due, now), key=lambda s: s.created_at)
    seeded, ids = Seeded(url=url, total=total), Ids()
    collecting = gc.isenabled()
    gc.disable()
    try:
        with TableWriter(url, MODELS) as writer, ThreadPoolExecutor(1) as sender:
            written: Future[int] | None = None
            for first in range(0, len(specs), CHUNK):
                chunk = Chunk()
                for spec in specs[first : first + CHUNK]:
                    ids.case += 1
                    if spec.due_at is not None and not spec.handled and spec.due_at <= now:
                        seeded.due_ids.append(ids.case)
                    add_case(chunk, ids, spec, writer.time)
                seeded.rows += written.result() if written else 0
                written = sender.submit(chunk.write, writer)
            seeded.rows += written.result() if written else 0
    finally:
        if collecting:
            gc.enable()
    seeded.seconds = time.perf_counter() - started
    return seeded
