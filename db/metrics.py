"""The event log as the desk metrics read it: whole histories of the cases active in a period."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Case, CaseEvent, OutboxMessage
from db.outbox import PARKED, PENDING
from db.summary import overdue_at


def histories(*, session: Session, since: datetime, until: datetime) -> Iterator[Any]:
    """Every event before `until` of the cases with an event in [since, until), in order,
    streamed a few thousand rows at a time (a busy month is tens of thousands of events)."""
    active = select(CaseEvent.case_id).where(CaseEvent.at >= since, CaseEvent.at < until)
    query = (
        select(
            CaseEvent.case_id,
            Case.route,
            Case.requester_tz,
            CaseEvent.at,
            CaseEvent.action,
            CaseEvent.from_state,
            CaseEvent.to_state,
            CaseEvent.data,
        )
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.case_id.in_(active.distinct()), CaseEvent.at < until)
        .order_by(CaseEvent.case_id, CaseEvent.id)
    )
    return iter(session.execute(query.execution_options(yield_per=2000)))


def last_event_id(*, session: Session) -> int | None:
    """The newest event's id: any step taken changes it."""
    return session.scalar(select(func.max(CaseEvent.id)))


def cases_by_state(*, session: Session) -> dict[str, int]:
    """How many cases are in each state."""
    rows = session.execute(select(Case.state, func.count()).group_by(Case.state))
    return {state: count for state, count in rows}


def outbox_by_topic(*, session: Session) -> list[Any]:
    """(topic, status, count, oldest created_at) of the pending and parked messages."""
    query = (
        select(
            OutboxMessage.topic,
            OutboxMessage.status,
            func.count(),
            func.min(OutboxMessage.created_at),
        )
        .where(OutboxMessage.status.in_((PENDING, PARKED)))
        .group_by(OutboxMessage.topic, OutboxMessage.status)
    )
    return list(session.execute(query).all())


def overdue_count(*, session: Session, now: datetime) -> int:
    """How many customer updates are past due at `now`."""
    return session.scalar(select(func.count()).select_from(Case).where(overdue_at(now))) or 0


def entered(*, session: Session, case_id: int, state: str) -> datetime | None:
    """When the case last moved into `state` (None if it never did)."""
    return session.scalar(
        select(func.max(CaseEvent.at)).where(
            CaseEvent.case_id == case_id,
            CaseEvent.to_state == state,
            CaseEvent.from_state != state,
        )
    )
