"""Read-only views of the desk: the leads' summary, one case, and a person's own cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.app.reports import DeskReport
from bot.cases.errors import NotAllowed, NotFound
from bot.cases.model import CaseSnapshot
from bot.cases.permissions import Actor, Role
from db import cases as case_repo
from db import summary
from db.session import reading

DEFAULT_UNCLAIMED_AFTER = timedelta(hours=4)
RECENT_EVENTS = 8


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    actor_id: str
    action: str
    to_state: str
    reason: str | None


@dataclass(frozen=True)
class CaseStatus:
    case: CaseSnapshot
    next_update_due: datetime | None
    recent: list[HistoryLine]


@dataclass
class Status:
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    unclaimed_after: timedelta = DEFAULT_UNCLAIMED_AFTER
    report: DeskReport | None = None  # the last 30 days' figures beside the open work

    def leads(self, actor: Actor) -> summary.LeadsSummary:
        """The whole desk; for leads only."""
        if not actor.has(Role.LEAD):
            raise NotAllowed(
                "The desk summary is for leads. Try `/case-status mine` or "
                "`/case-status <case number>`."
            )
        with reading(self.sessions) as session:
            desk = summary.leads_summary(
                session=session, now=self.clock(), unclaimed_after=self.unclaimed_after
            )
        return replace(desk, desk=self.report.figures()) if self.report else desk

    def case(self, actor: Actor, case_id: int) -> CaseStatus:
        """One case, for its participants and leads."""
        with reading(self.sessions) as session:
            case = case_repo.get(session=session, case_id=case_id)
            if case is None:
                raise NotFound(f"There is no case {case_id}.")
            people = {
                case.requester_id,
                case.relay_contact_id,
                case.owner_id,
                case.security_approver_id,
                case.legal_approver_id,
            }
            if actor.user_id not in people and not actor.has(Role.LEAD):
                raise NotAllowed(f"Case {case_id} is visible to its participants and leads.")
            events = case_repo.history(session=session, case_id=case_id)[-RECENT_EVENTS:]
            said = case_repo.texts(session=session, event_ids=[e.id for e in events])
            return CaseStatus(
                case=case_repo.snapshot(case),
                next_update_due=case.next_update_due_at,
                recent=[
                    HistoryLine(e.at, e.actor_id, e.action, e.to_state, said.get(e.id))
                    for e in events
                ],
            )

    def mine(self, user_id: str) -> list[CaseSnapshot]:
        """The open cases someone files, relays or owns."""
        with reading(self.sessions) as session:
            return [
                case_repo.snapshot(c) for c in summary.cases_of(session=session, user_id=user_id)
            ]
