"""Aggregate queries behind `/case-status`: the desk at a glance without loading every case.

Each figure is one GROUP BY or one LIMITed query on indexed columns, so the cost follows the
open work, not the history of closed cases.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from bot.cases.metrics import DeskMetrics
from bot.cases.model import ENDED_STATES, State
from db import outbox
from db.models import Case, CaseEvent

OPEN = tuple(s.value for s in State if s not in ENDED_STATES)
CADENCE = tuple(
    s.value
    for s in (
        State.TRIAGE,
        State.INVESTIGATING,
        State.RESCOPE_REQUESTED,
        State.IN_REVIEW,
        State.APPROVED,
    )
)
LISTED = 10  # cases named per figure; the count covers them all


@dataclass(frozen=True)
class Late:
    number: int
    organisation: str
    by: timedelta


@dataclass(frozen=True)
class LeadsSummary:
    by_state: dict[str, int]
    by_route: dict[str, int]
    oldest: Late | None  # `by` is the age
    overdue_count: int
    overdue: list[Late]
    unclaimed_count: int
    unclaimed: list[Late]
    mirror: dict[str, int]
    desk: DeskMetrics | None = None  # the last days' figures, when asked for

    @property
    def open_count(self) -> int:
        return sum(self.by_state.values())


def overdue_at(now: datetime) -> ColumnElement[bool]:
    """A customer update owed, past due at `now`, and not snoozed beyond it."""
    return and_(
        Case.state.in_(CADENCE),
        Case.next_update_due_at < now,
        or_(Case.snoozed_until_at.is_(None), Case.snoozed_until_at < now),
    )


def _late(rows, now: datetime) -> list[Late]:
    return [Late(number, organisation, now - at) for number, organisation, at in rows]


def leads_summary(*, session: Session, now: datetime, unclaimed_after: timedelta) -> LeadsSummary:
    """Returns the figures a lead needs: open work by state and route, what is late.

    Five statements, each a figure with its count (`count(*) OVER ()` beside the listed rows).
    """
    open_cases = Case.state.in_(OPEN)
    by_state: Counter[str] = Counter()
    by_route: Counter[str] = Counter()
    grouped = select(Case.state, Case.route, func.count()).where(open_cases)
    for state, route, count in session.execute(grouped.group_by(Case.state, Case.route)):
        by_state[state] += count
        by_route[route] += count
    oldest_row = session.execute(
        select(Case.id, Case.organisation, Case.created_at)
        .where(open_cases)
        .order_by(Case.created_at, Case.id)
        .limit(1)
    ).first()
    overdue_count, overdue = _counted(
        session,
        select(Case.id, Case.organisation, Case.next_update_due_at)
        .where(overdue_at(now))
        .order_by(Case.next_update_due_at),
    )
    # Unclaimed: in triage since longer than the threshold (entry time is the latest event
    # that moved the case into triage).
    entered = func.max(CaseEvent.at).label("entered")
    unclaimed_count, unclaimed = _counted(
        session,
        select(Case.id, Case.organisation, entered)
        .join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(
            Case.state == State.TRIAGE.value,
            CaseEvent.to_state == State.TRIAGE.value,
            CaseEvent.from_state != State.TRIAGE.value,
        )
        .group_by(Case.id, Case.organisation)
        .having(entered < now - unclaimed_after)
        .order_by(entered),
    )
    return LeadsSummary(
        by_state=dict(by_state),
        by_route=dict(by_route),
        oldest=_late([oldest_row], now)[0] if oldest_row else None,
        overdue_count=overdue_count,
        overdue=_late(overdue, now),
        unclaimed_count=unclaimed_count,
        unclaimed=_late(unclaimed, now),
        mirror=outbox.backlog(session=session, topic="gitlab"),
    )


def _counted(session: Session, query: Select[*tuple[Any, ...]]) -> tuple[int, list[Any]]:
    """The first LISTED rows of `query` and how many rows it has in all, in one statement."""
    rows = session.execute(query.add_columns(func.count().over()).limit(LISTED)).all()
    return (rows[0][-1] if rows else 0), [tuple(row[:-1]) for row in rows]


def cases_of(*, session: Session, user_id: str, limit: int = 20) -> list[Case]:
    """The open cases a person files, relays, or owns, oldest first."""
    mine = or_(
        Case.requester_id == user_id, Case.relay_contact_id == user_id, Case.owner_id == user_id
    )
    query = (
        select(Case)
        .where(Case.state.in_(OPEN), mine)
        .order_by(Case.created_at, Case.id)
        .limit(limit)
    )
    return list(session.scalars(query))
