"""Outbox throughput: 1,000 queued GitLab operations drained against the local fake GitLab.

250 cases just claimed and with a first finding each have four mirror operations waiting
(open the issue, then three notes with their label moves). The bot's drain sends them; the
baseline then makes exactly the HTTP calls the drain made, in the same order, with a bare
python-gitlab loop against a fresh fake. The ratio is throughput: baseline time / bot time.
The two take turns over five rounds, each on a freshly seeded desk, and each side's median
is kept, so a busy spell of the machine falls on both rather than on whichever ran then.
"""

from __future__ import annotations

import importlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import gitlab

from bench.report import median, settle_heap
from bench.seed import FINDING_COLUMNS, Spec, case_row
from bench.writer import TableWriter
from bot.cases.model import State
from bot.config import load_settings
from bot.standins.gitlab_api import FakeGitLab
from db.models import Case, CaseEvent, Finding, OutboxMessage
from db.session import make_engine, make_session_factory

SIRT, GAP = "sirt/cases", "product/gitlab"
TEMPLATE = "## Information request\n\n<!-- filled in by the bot -->\n"
STEPS = (
    ("submit", None, "submitted"),
    ("accept", "submitted", "triage"),
    ("claim", "triage", "investigating"),
    ("add_finding", "investigating", "investigating"),
)


@dataclass(frozen=True)
class Throughput:
    operations: int
    calls: int
    bot_seconds: float
    bare_seconds: float


def drain_factory():
    """`build_gitlab_drain`, or None while the GitLab sender is not there."""
    try:
        return importlib.import_module("bot.gitlab").build_gitlab_drain
    except (ImportError, AttributeError):
        return None


def seed_operations(url: str, cases: int, now: datetime) -> int:
    """Writes `cases` claimed cases with four pending mirror operations each."""
    with TableWriter(url, (Case, CaseEvent, Finding, OutboxMessage)) as writer:
        rows, events, findings, outbox = [], [], [], []
        for n in range(1, cases + 1):
            created = now - timedelta(hours=2)
            spec = Spec(State.INVESTIGATING, created, None, handled=False, seed=n)
            row = case_row(n, spec, random.Random(n))
            row.update(gitlab_issue_iid=None, gitlab_issue_url=None, owner_id="USUP")
            rows.append(row)
            for step, (action, before, after) in enumerate(STEPS):
                event_id, at = len(events) + 1, writer.time(created + timedelta(minutes=step))
                data = "{}"
                if action == "add_finding":  # the event names its finding, as the bot records it
                    findings.append((len(findings) + 1, n, at, "USUP", "12 sign-ins found."))
                    data = f'{{"finding_id": {len(findings)}}}'
                events.append((event_id, n, at, "USUP", action, before, after, data))
                kind = "open_issue" if action == "submit" else "note"  # as bot.app.effects says
                outbox.append(
                    (event_id, n, "gitlab", kind, f'{{"event_id": {event_id}}}', "pending",
                     0, at, None, at, None)
                )  # fmt: skip
        writer.write("info_case", rows)
        writer.write_tuples("case_event", _columns(CaseEvent, "reason"), events)
        writer.write_tuples("case_finding", FINDING_COLUMNS, findings)
        writer.write_tuples("outbox_message", _outbox_columns(), outbox)
    return len(outbox)


def _columns(model, *skip: str) -> list[str]:
    return [c.name for c in model.__table__.columns if c.name not in skip]


def _outbox_columns() -> list[str]:
    return _columns(OutboxMessage, "lease_until", "last_error")


def _fake() -> FakeGitLab:
    fake = FakeGitLab().start()
    fake.add_project(SIRT, templates={"information_request": TEMPLATE})
    fake.add_project(GAP)
    return fake


def measure(fresh: Callable[[], str], operations: int = 1000, rounds: int = 5) -> Throughput:
    """The bot's drain and the bare loop in turn, `rounds` times; each side's median."""
    build = drain_factory()
    if build is None:
        raise LookupError("bot/gitlab/ not present yet")
    results = [_round(build, fresh(), operations) for _ in range(rounds)]
    return Throughput(
        results[0].operations,
        results[0].calls,
        median([r.bot_seconds for r in results]),
        median([r.bare_seconds for r in results]),
    )


def _round(build, url: str, operations: int) -> Throughput:
    now = datetime.now(UTC)
    queued = seed_operations(url, operations // len(STEPS), now)
    fake = _fake()
    engine = make_engine(url)
    try:
        settings = load_settings(
            {
                "DATABASE_URL": url,
                "GITLAB_URL": fake.url,
                "GITLAB_TOKEN": fake.token,
                "GITLAB_SIRT_PROJECT": SIRT,
                "GITLAB_GAP_PROJECT": GAP,
            },
            dotenv_path=None,
        )
        drain = build(settings, make_session_factory(engine), lambda: datetime.now(UTC))
        settle_heap()
        started = time.perf_counter()
        sent = drain.run(max_rounds=100_000)
        bot_seconds = time.perf_counter() - started
        if sent != queued:
            raise RuntimeError(f"the drain sent {sent} of {queued} operations")
        calls = fake.requests()
    finally:
        engine.dispose()
        fake.stop()
    return Throughput(queued, len(calls), bot_seconds, replay(calls))


def replay(calls) -> float:
    """Seconds a bare python-gitlab loop takes to make `calls` against a fresh fake."""
    fake = _fake()
    try:
        gl = gitlab.Gitlab(fake.url, private_token=fake.token, timeout=10)
        verbs = {"GET": gl.http_get, "POST": gl.http_post, "PUT": gl.http_put}
        settle_heap()
        started = time.perf_counter()
        for call in calls:
            path = call.raw_path.removeprefix("/api/v4")
            query = {name: values[-1] for name, values in call.query.items()}
            if call.method == "GET":
                verbs["GET"](path, query_data=query)
            else:
                verbs[call.method](path, query_data=query, post_data=call.body or {})
        return time.perf_counter() - started
    finally:
        fake.stop()
