"""How every use case changes a case: lock it, authorise, transition, record, queue the effects.

`record` is the one way an event enters a case's history: it writes the event (which sets the
state), then applies the event's row of `bot.app.effects` in the same transaction: the
customer-update clock, the GitLab operation, the Slack messages. `act` is one step of a person
on a case; a refused step changes, records and queues nothing, and is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import logs
from bot.app.effects import DUE, EFFECTS, Clock, Due, Send
from bot.app.observed import observe
from bot.cases.errors import CaseError, NotFound
from bot.cases.model import CADENCE_STATES, CaseSnapshot, State
from bot.cases.permissions import Actor, authorise
from bot.cases.states import Action, Event, transition
from bot.delivery.kinds import Topic
from db import cases as case_repo
from db import outbox, submissions
from db.models import Case
from db.session import reading, transaction

log = logging.getLogger(__name__)

Change = Callable[[Case], None]


@contextmanager
def locked_case(
    sessions: sessionmaker[Session], case_id: int, actor: Actor, action: Action
) -> Iterator[tuple[Session, Case]]:
    """A transaction holding the case's row, once `actor` may take `action` on it.

    A refusal (here or in the caller's block) rolls everything back and is logged with who,
    what, which case and why.
    """
    try:
        with transaction(sessions) as session:
            case = case_repo.get(session=session, case_id=case_id, for_update=True)
            if case is None:
                raise NotFound(f"There is no case {case_id}.")
            authorise(action, actor, case_repo.parties(case))
            with logs.bound(case=case_id):
                yield session, case
    except CaseError as refused:
        log.info(
            "refused actor=%s action=%s case=%s reason=%r",
            actor.user_id,
            action.value,
            case_id,
            refused.user_text,
            extra={"case": case_id},
        )
        raise


def check(
    sessions: sessionmaker[Session], now: datetime, case_id: int, actor: Actor, action: Action
) -> None:
    """Refuses now what `action` would refuse, before a modal asks for its details."""
    with reading(sessions) as session:
        case = case_repo.get(session=session, case_id=case_id)
        if case is None:
            raise NotFound(f"There is no case {case_id}.")
        authorise(action, actor, case_repo.parties(case))
        transition(State(case.state), action, actor_id=actor.user_id, at=now)


def record(session: Session, case: Case, *events: Event) -> None:
    """Writes a step's events and queues what they cause; a message two events ask for, once."""
    sends: dict[Send, int] = {}
    for event in events:
        observe(session, case, event)
        row = case_repo.record(session=session, case=case, event=event)
        effects = EFFECTS[event.action]
        _run_clock(case, event, effects.clock)
        if effects.gitlab is not None:
            outbox.enqueue(
                session=session,
                case_id=case.id,
                topic=Topic.GITLAB,
                kind=effects.gitlab,
                now=event.at,
                payload={"event_id": row.id},
            )
        for send in effects.slack:
            sends[send] = row.id
    at = events[-1].at
    for send, event_id in sends.items():
        notify(session, case.id, send, at, event_id=event_id)


def notify(session: Session, case_id: int, send: Send, now: datetime, **payload: Any) -> None:
    """Queues one Slack message about a case, rendered from the case when it is sent."""
    outbox.enqueue(
        session=session,
        case_id=case_id,
        topic=Topic.SLACK,
        kind=send.notice,
        now=now,
        payload={"to": send.to.value, **payload},
    )


def notify_due(session: Session, case_id: int, due: Due, now: datetime, due_at: datetime) -> None:
    """Queues what the cadence sweep found due for the case's due time `due_at`."""
    notify(session, case_id, DUE[due], now, due_at=due_at.isoformat())


def _run_clock(case: Case, event: Event, clock: Clock | None) -> None:
    """A None due time means "to compute": the sweep knows the contact's time zone."""
    running = event.to_state in CADENCE_STATES
    if clock is Clock.STOP or (clock is not None and not running):
        case.next_update_due_at = None
    elif clock is Clock.RETIME:
        case.next_update_due_at = None  # from the same last update, in the new contact's zone
    elif clock is not None:  # START or RESTART, in a state that owes updates
        case.last_customer_update_at = event.at
        case.next_update_due_at = None
        case.snoozed_until_at = None


def act(
    sessions: sessionmaker[Session],
    now: datetime,
    case_id: int,
    actor: Actor,
    action: Action,
    *,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
    check: Change | None = None,
    change: Change | None = None,
    then: Callable[[Case], Action | None] | None = None,
    view_id: str | None = None,
) -> CaseSnapshot:
    """One step: lock, authorise, check, change, transition, record; or refuse it all.

    `then` may name a second step the first one completes (both approvals given; the gap
    recorded), decided under the same lock. `view_id` names the submitted modal the step
    comes from: recorded with the step, so a second delivery of it fails on its unique key.
    """
    with locked_case(sessions, case_id, actor, action) as (session, case):
        if view_id:
            submissions.record(session=session, view_id=view_id, case_id=case.id, at=now)
        if check:
            check(case)
        if change:  # a refused transition below rolls these changes back
            change(case)
        event = transition(
            State(case.state), action, actor_id=actor.user_id, at=now, reason=reason, data=data
        )
        events = [event]
        follow = then(case) if then else None
        if follow is not None:
            events.append(transition(event.to_state, follow, actor_id=actor.user_id, at=now))
        record(session, case, *events)
        return case_repo.snapshot(case)


def once(
    sessions: sessionmaker[Session], view_id: str | None, step: Callable[[], CaseSnapshot]
) -> CaseSnapshot:
    """The step, done once per submitted modal (`view_id`): a modal already submitted, or a
    twin delivery of it racing this one, gets the case as it is, and nothing changes."""
    if (done := _submitted(sessions, view_id)) is not None:
        return done
    try:
        return step()
    except IntegrityError:
        if (done := _submitted(sessions, view_id)) is None:  # not a twin delivery
            raise
        return done


def _submitted(sessions: sessionmaker[Session], view_id: str | None) -> CaseSnapshot | None:
    if not view_id:
        return None
    with reading(sessions) as session:
        case_id = submissions.case_of(session=session, view_id=view_id)
        case = case_repo.get(session=session, case_id=case_id) if case_id else None
        return case_repo.snapshot(case) if case else None
