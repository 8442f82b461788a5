"""What each recorded event adds to the Prometheus metrics, counted once its step commits."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session

from bot import telemetry
from bot.cases.model import CADENCE_STATES, State
from bot.cases.states import Action, Event
from db import metrics
from db.models import Case


def observe(session: Session, case: Case, event: Event) -> None:
    """Counts `event` after its transaction commits (a rolled-back step counts nothing).

    Called before the event's clock effect, so the case still has the due time it was owed by.
    """
    count = _count(session, case, event)
    if count is not None:
        orm_event.listen(session, "after_commit", lambda _session: count(), once=True)


def _count(session: Session, case: Case, event: Event) -> Callable[[], None] | None:
    action = event.action
    if action is Action.SUBMIT:
        return telemetry.CASES_FILED.labels(case.route).inc
    if action is Action.CLAIM:
        return _waited(session, case, event, State.TRIAGE, telemetry.TIME_TO_CLAIM)
    if action is Action.REVIEW_APPROVE and event.data.get("as") in ("security", "legal"):
        wait = telemetry.REVIEW_WAIT.labels(event.data["as"])
        return _waited(session, case, event, State.IN_REVIEW, wait)
    if action is Action.CUSTOMER_UPDATE and event.from_state in CADENCE_STATES:
        due = case.next_update_due_at
        timing = "late" if due is not None and event.at > due else "on_time"
        return telemetry.CUSTOMER_UPDATES.labels(timing).inc
    return None


def _waited(
    session: Session, case: Case, event: Event, state: State, histogram: telemetry.Histogram
) -> Callable[[], None] | None:
    since = metrics.entered(session=session, case_id=case.id, state=state.value)
    if since is None:
        return None
    seconds = max((event.at - since).total_seconds(), 0.0)
    return lambda: histogram.observe(seconds)
