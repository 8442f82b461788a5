"""Aggregate queries behind `/case-status`: the desk at a glance without loading every case.

Each figure is one GROUP BY or one LIMITed query on indexed columns, so the cost follows the
open work, not the history of closed cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

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

    @property
    def open_count(self) -> int:
        return sum(self.by_state.values())


def _late(rows, now: datetime) -> list[Late]:
    return [Late(number, organisation, now - at) for number, organisation, at in rows]


def leads_summary(*, session: Session, now: datetime, unclaimed_after: timedelta) -> LeadsSummary:
    """Returns the figures a lead needs: open work by state and route, what is late."""
    open_cases = Case.state.in_(OPEN)
    by_state = dict(
        session.execute(
            select(Case.state, func.count()).where(open_cases).group_by(Case.state)
        ).all()
    )
    by_route = dict(
        session.execute(
            select(Case.route, func.count()).where(open_cases).group_by(Case.route)
        ).all()
    )
    oldest_row = session.execute(
        select(Case.id, Case.organisation, Case.created_at)
        .where(open_cases)
        .order_by(Case.created_at, Case.id)
        .limit(1)
    ).first()
    overdue_where = (
        Case.state.in_(CADENCE),
        Case.next_update_due_at < now,
        or_(Case.snoozed_until_at.is_(None), Case.snoozed_until_at < now),
    )
    overdue_count = session.scalar(select(func.count()).where(*overdue_where)) or 0
    overdue = session.execute(
        select(Case.id, Case.organisation, Case.next_update_due_at)
        .where(*overdue_where)
        .order_by(Case.next_update_due_at)
        .limit(LISTED)
    ).all()
    # Unclaimed: in triage since longer than the threshold (entry time is the latest event
    # that moved the case into triage).
    in_triage = select(Case.id).where(Case.state == State.TRIAGE.value)
    entered = (
        select(CaseEvent.case_id, func.max(CaseEvent.at).label("at"))
        .where(
            CaseEvent.case_id.in_(in_triage),
            CaseEvent.to_state == State.TRIAGE.value,
            CaseEvent.from_state != State.TRIAGE.value,
        )
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    unclaimed_where = (Case.state == State.TRIAGE.value, entered.c.at < now - unclaimed_after)
    base = select(Case.id, Case.organisation, entered.c.at).join(
        entered, entered.c.case_id == Case.id
    )
    unclaimed_count = (
        session.scalar(
            select(func.count())
            .select_from(Case)
            .join(entered, entered.c.case_id == Case.id)
            .where(*unclaimed_where)
        )
        or 0
    )
    unclaimed = session.execute(
        base.where(*unclaimed_where).order_by(entered.c.at).limit(LISTED)
    ).all()
    return LeadsSummary(
        by_state=by_state,
        by_route=by_route,
        oldest=_late([oldest_row], now)[0] if oldest_row else None,
        overdue_count=overdue_count,
        overdue=_late(overdue, now),
        unclaimed_count=unclaimed_count,
        unclaimed=_late(unclaimed, now),
        mirror=outbox.backlog(session=session, topic="gitlab"),
    )


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
