"""Read-only views of the desk: the leads' summary, one case, and a person's own cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app.reports import DeskReport
from bot.cases.errors import NotAllowed, NotFound
from bot.cases.model import CaseSnapshot, Intake
from bot.cases.permissions import Actor, Role
from db import cases as case_repo
from db import summary
from db.models import Finding
from db.session import reading

# Besides its own people: leads, and those who decide on cases (Legal, Security reviewers).
VIEWERS = frozenset({Role.LEAD, Role.LEGAL, Role.SECURITY})
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
class GitLabComment:
    """A finding that came from a comment on the case's GitLab issue."""

    at: datetime
    author: str  # GitLab username
    text: str
    internal: bool


@dataclass(frozen=True)
class CaseStatus:
    case: CaseSnapshot
    next_update_due: datetime | None
    recent: list[HistoryLine]
    request: Intake | None = None  # the scope and justification; None once purged
    waived: tuple[str, ...] = ()
    from_gitlab: list[GitLabComment] = field(default_factory=list)
    private: bool = False  # asked in a DM: comments may be quoted


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
        return replace(desk, desk=self.report.recent()) if self.report else desk

    def case(self, actor: Actor, case_id: int, *, private: bool = False) -> CaseStatus:
        """One case, for its participants and leads; `private` (asked in a DM) quotes the
        comments people wrote on its GitLab issue."""
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
            if actor.user_id not in people and not actor.roles & VIEWERS:
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
                request=None if case.purged_at else case_repo.intake(case),
                waived=tuple(case.waived),
                from_gitlab=[
                    GitLabComment(f.at, f.gitlab_author or "", f.text, f.internal)
                    for f in session.scalars(
                        select(Finding)
                        .where(
                            Finding.case_id == case_id,
                            Finding.gitlab_note_id.is_not(None),
                            Finding.withdrawn_at.is_(None),
                        )
                        .order_by(Finding.at, Finding.id)
                    )
                ],
                private=private,
            )

    def mine(self, user_id: str) -> list[CaseSnapshot]:
        """The open cases someone files, relays or owns."""
        with reading(self.sessions) as session:
            return [
                case_repo.snapshot(c) for c in summary.cases_of(session=session, user_id=user_id)
            ]
