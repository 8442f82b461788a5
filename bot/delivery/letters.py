"""What a batch of Slack messages says, read and rendered in the transaction that claims it.

Each outbox row names a notice and who it is for (`bot.delivery.kinds`); `load` reads what the
batch's builders need (cases, the reasons people gave, findings) in a few queries, renders
every message from the case as it is then, and returns one `Letter` per row. Sending then
needs no database. A cadence message whose due time has passed on (an update was recorded or
the reminder snoozed meanwhile) renders as None: nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cases.model import CADENCE_STATES, CaseSnapshot, Intake, State
from bot.cases.states import Action
from bot.delivery.drain import Permanent
from bot.delivery.kinds import Notice, To
from db import cases as case_repo
from db.models import Case, CaseEvent, CaseMessage, EventText, Finding, OutboxMessage
from messages.asks import build_legal_ask, build_review_ask
from messages.card import build_triage_card
from messages.dive import build_claimed_dm
from messages.dm import (
    build_approved_dm,
    build_cost_notice_dm,
    build_declined_dm,
    build_handed_away_dm,
    build_handed_over_dm,
    build_legal_decision_dm,
    build_receipt,
    build_relay_given_dm,
    build_relay_taken_dm,
    build_rescope_dm,
)
from messages.edits import build_released_dm, build_rescoped_dm, build_resumed_dm
from messages.outage import build_issue_not_opened
from messages.reminders import (
    FindingNote,
    build_escalation,
    build_owner_nudge,
    build_update_reminder,
)
from messages.sync import (
    build_closed_in_gitlab_dm,
    build_exposed_post,
    build_reopened_in_gitlab_dm,
)

Message = dict[str, Any]


@dataclass(frozen=True)
class Context:
    """Everything a builder may show of one case, read in the claiming transaction."""

    case: Case
    snapshot: CaseSnapshot
    reasons: dict[Action, str]  # the latest reason given with each action
    findings: tuple[FindingNote, ...]  # found since the last customer update
    triage_channel: str
    event: Named | None = None  # the event that queued the message, when it names one

    def reason(self, action: Action) -> str:
        return self.reasons.get(action, "")

    @property
    def by(self) -> str:
        """Who took the step that queued the message."""
        return self.event.actor_id if self.event else ""

    def request(self) -> Intake | None:
        """The request as its participants may read it; None once its details were purged."""
        return None if self.case.purged_at else case_repo.intake(self.case)


@dataclass(frozen=True)
class Named:
    """An event a message names: who took the step, and what it records."""

    actor_id: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Letter:
    """One Slack message ready to go: where, what, and (for the card) where it already is."""

    case_id: int
    notice: Notice
    to: To
    user_id: str | None  # the person, for a direct message
    message: Message | None  # None: stale, nothing to send
    card_channel_id: str | None = None
    card_ts: str | None = None
    case_created_at: datetime | None = None
    people: tuple[str | None, ...] = ()  # requester, relay contact, owner
    not_to: tuple[str, ...] = ()  # for a group: members who may not act (owner, submitter)
    updates: tuple[Update, ...] = ()  # for ASKS_SETTLED: the asks to replace


@dataclass(frozen=True)
class Update:
    """An ask DM the bot sent, with what it should say now."""

    channel_id: str
    ts: str
    message: Message | None  # None: nothing to say (never for an ask)


def _current(case: Case, marked: datetime | None) -> bool:
    """True while the due time a message was queued for is still the case's due time."""
    return (
        State(case.state) in CADENCE_STATES
        and marked is not None
        and case.next_update_due_at == marked
    )


def _reminder(c: Context) -> Message | None:
    if not _current(c.case, c.case.reminded_due_at):
        return None
    return build_update_reminder(
        c.snapshot,
        last_update=c.case.last_customer_update_at,
        due_at=c.case.next_update_due_at,  # type: ignore[arg-type]
        findings=list(c.findings),
        cost_note=c.reason(Action.COST_NOTICE) if c.case.cost_notice_pending else None,
    )


def _nudge(c: Context) -> Message | None:
    if not c.case.owner_id or not _current(c.case, c.case.nudged_due_at):
        return None
    return build_owner_nudge(
        c.snapshot,
        last_update=c.case.last_customer_update_at,
        due_at=c.case.next_update_due_at,  # type: ignore[arg-type]
    )


def _escalation(c: Context) -> Message | None:
    if not _current(c.case, c.case.escalated_due_at):
        return None
    return build_escalation(c.snapshot, due_at=c.case.next_update_due_at)  # type: ignore[arg-type]


# Notice -> its builder. A new notice is one line here, one builder in messages/.
BUILDERS: dict[Notice, Callable[[Context], Message | None]] = {
    Notice.CARD: lambda c: build_triage_card(c.snapshot),
    Notice.RECEIPT: lambda c: build_receipt(c.snapshot, triage_channel=c.triage_channel),
    Notice.RESCOPE: lambda c: build_rescope_dm(c.snapshot, c.reason(Action.REQUEST_RESCOPE)),
    Notice.APPROVED: lambda c: build_approved_dm(c.snapshot),
    Notice.LEGAL_APPROVED: lambda c: build_legal_decision_dm(
        c.snapshot, approved=True, reason=c.reason(Action.LEGAL_APPROVE)
    ),
    Notice.LEGAL_DENIED: lambda c: build_legal_decision_dm(
        c.snapshot, approved=False, reason=c.reason(Action.LEGAL_DENY)
    ),
    Notice.HANDED_OVER: lambda c: build_handed_over_dm(c.snapshot, c.by, c.request()),
    Notice.HANDED_AWAY: lambda c: build_handed_away_dm(c.snapshot, c.by),
    Notice.RELAY_TAKEN: lambda c: build_relay_taken_dm(
        c.snapshot, c.by, c.reason(Action.COST_NOTICE)
    ),
    Notice.RELAY_GIVEN: lambda c: build_relay_given_dm(c.snapshot, c.by),
    Notice.LEGAL_ASK: lambda c: build_legal_ask(c.snapshot, c.request(), c.case.waived),
    Notice.REVIEW_ASK: lambda c: build_review_ask(
        c.snapshot, c.request(), case_repo.collected(c.case)
    ),
    Notice.ASKS_SETTLED: lambda c: {},  # each ask it replaces renders with its own builder
    Notice.COST_NOTICE: lambda c: build_cost_notice_dm(c.snapshot, c.reason(Action.COST_NOTICE)),
    Notice.RESCOPED: lambda c: build_rescoped_dm(c.snapshot),
    Notice.RELEASED: lambda c: build_released_dm(c.snapshot),
    Notice.RESUMED: lambda c: build_resumed_dm(c.snapshot),
    Notice.DECLINED: lambda c: build_declined_dm(c.snapshot, c.reason(Action.DECLINE)),
    Notice.CLAIMED: lambda c: build_claimed_dm(c.snapshot),
    Notice.REMINDER: _reminder,
    Notice.NUDGE: _nudge,
    Notice.ESCALATION: _escalation,
    Notice.CLOSED_IN_GITLAB: lambda c: build_closed_in_gitlab_dm(c.snapshot),
    Notice.REOPENED_IN_GITLAB: lambda c: build_reopened_in_gitlab_dm(c.snapshot),
    Notice.EXPOSED: lambda c: build_exposed_post(c.snapshot),
    # Stale once the issue exists (an operator unparked it before this went out).
    Notice.ISSUE_NOT_OPENED: lambda c: (
        None if c.case.gitlab_issue_iid else build_issue_not_opened(c.snapshot)
    ),
}

RECIPIENTS: dict[To, Callable[[Case], str | None]] = {
    To.REQUESTER: lambda case: case.requester_id,
    To.RELAY: lambda case: case.relay_contact_id,
    To.OWNER: lambda case: case.owner_id,
}
FORMER: dict[To, str] = {To.FORMER_OWNER: "owner", To.FORMER_RELAY: "relay"}  # -> event data key


def _recipient(to: To, case: Case, event: Named | None) -> str | None:
    """The person a message is for; None for a channel, a group, or nobody in that role."""
    if to in FORMER:
        return str((event.data if event else {}).get(FORMER[to]) or "") or None
    return RECIPIENTS[to](case) if to in RECIPIENTS else None


def _events(session: Session, batch: Sequence[OutboxMessage]) -> dict[int, Named]:
    """By id: the events the batch's messages name."""
    named = {m.payload["event_id"] for m in batch if m.payload.get("event_id")}
    if not named:
        return {}
    rows = session.execute(
        select(CaseEvent.id, CaseEvent.actor_id, CaseEvent.data).where(CaseEvent.id.in_(named))
    )
    return {event_id: Named(actor, dict(data or {})) for event_id, actor, data in rows}


def _asked(session: Session, batch: Sequence[OutboxMessage]) -> dict[int, list[CaseMessage]]:
    """By case: the ask DMs sent, for the cases whose asks are to be settled."""
    settled = {m.case_id for m in batch if m.kind == Notice.ASKS_SETTLED}
    asked: dict[int, list[CaseMessage]] = {case_id: [] for case_id in settled}
    if settled:
        rows = session.scalars(
            select(CaseMessage).where(CaseMessage.case_id.in_(settled)).order_by(CaseMessage.id)
        )
        for row in rows:
            asked[row.case_id].append(row)
    return asked


def _reasons(session: Session, case_ids: set[int]) -> dict[int, dict[Action, str]]:
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.action, EventText.text)
        .join(EventText, EventText.event_id == CaseEvent.id)
        .where(CaseEvent.case_id.in_(case_ids))
        .order_by(CaseEvent.id)
    )
    reasons: dict[int, dict[Action, str]] = {case_id: {} for case_id in case_ids}
    for case_id, action, reason in rows:
        reasons[case_id][Action(action)] = reason
    return reasons


def _findings(session: Session, cases: list[Case]) -> dict[int, list[FindingNote]]:
    found: dict[int, list[FindingNote]] = {case.id: [] for case in cases}
    if not cases:
        return found
    since = {case.id: case.last_customer_update_at for case in cases}
    rows = session.scalars(
        select(Finding)
        .where(Finding.case_id.in_(since), Finding.withdrawn_at.is_(None))
        .order_by(Finding.at, Finding.id)
    )
    for row in rows:
        last = since[row.case_id]
        if last is None or row.at > last:
            found[row.case_id].append(
                FindingNote(
                    at=row.at, author_id=row.author_id, text=row.text, gitlab=row.gitlab_author
                )
            )
    return found


def load(
    session: Session, batch: Sequence[OutboxMessage], *, triage_channel: str
) -> list[Letter | Permanent]:
    """One Letter per row (a Permanent error for one that can never be sent)."""
    cases = case_repo.get_many(session=session, case_ids={m.case_id for m in batch})
    reasons = _reasons(session, set(cases))
    reminded = {m.case_id for m in batch if m.kind == Notice.REMINDER and m.case_id in cases}
    findings = _findings(session, [cases[case_id] for case_id in reminded])
    events = _events(session, batch)
    asked = _asked(session, batch)
    letters: list[Letter | Permanent] = []
    for row in batch:
        case = cases.get(row.case_id)
        if case is None:
            letters.append(Permanent(f"case {row.case_id} does not exist"))
            continue
        try:
            notice, to = Notice(row.kind), To(row.payload.get("to", To.TRIAGE))
        except ValueError:
            letters.append(Permanent(f"unknown Slack message {row.kind!r} to {row.payload}"))
            continue
        context = Context(
            case=case,
            snapshot=case_repo.snapshot(case),
            reasons=reasons[case.id],
            findings=tuple(findings.get(case.id, ())),
            triage_channel=triage_channel,
            event=events.get(row.payload.get("event_id") or 0),
        )
        letters.append(
            Letter(
                case_id=case.id,
                notice=notice,
                to=to,
                user_id=_recipient(to, case, context.event),
                message=BUILDERS[notice](context),
                card_channel_id=case.card_channel_id,
                card_ts=case.card_ts,
                case_created_at=case.created_at,
                people=(case.requester_id, case.relay_contact_id, case.owner_id),
                not_to=tuple(p for p in (case.owner_id, case.submitter_id) if p),
                updates=tuple(
                    Update(ask.channel_id, ask.ts, BUILDERS[Notice(ask.kind)](context))
                    for ask in (asked.get(case.id, ()) if to is To.ASKED else ())
                ),
            )
        )
    return letters
