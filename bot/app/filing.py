"""Filing a request: the intake modal's answers, checked by the rules, become a case.

One transaction per filing, once per modal however often Slack delivers it. What the new case
causes (card, receipt, the GitLab issue, the update clock) is queued by `bot.app.steps.record`
from the table in `bot.app.effects`, in the same transaction, so a crash loses nothing.

A served submission is filed in two steps, so Slack's acknowledgement waits for one row, not
for the case: `receive` checks the answers and keeps them (the requester sees "Filing…"),
then `file_received` files the case from that row, as of the moment it was received, and
deletes the row in the same transaction. A row a dead process left is filed by the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.app.steps import record
from bot.cases.errors import CaseError
from bot.cases.model import CaseSnapshot, Intake, Limits
from bot.cases.rules import Field, assess
from bot.cases.states import Action, transition
from bot.cases.terms import Terms, settle
from db import cases as case_repo
from db import received as received_repo
from db.models import Case
from db.received import Received
from db.session import transaction


class IntakeRejected(CaseError):
    """The intake breaks the rules; `errors` says which field and why."""

    def __init__(self, errors: dict[Field, str]) -> None:
        super().__init__("The request does not meet the conditions; see the highlighted fields.")
        self.errors = errors


@dataclass(frozen=True)
class Requester:
    user_id: str
    team_id: str
    name: str = ""  # as Slack shows them: GitLab names the requester by it, never mentions


@dataclass(frozen=True)
class Filed:
    case: CaseSnapshot
    created: bool  # False when this submission had already been filed (a resubmission)


@dataclass
class Filing:
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    limits: Limits

    def submit_intake(self, *, intake: Intake, requester: Requester, view_id: str) -> Filed:
        """Files a new case from an intake modal, once per modal however often it arrives."""
        now = self.clock()
        verdict = assess(intake, now=now, limits=self.limits)
        if not verdict.accepted:
            raise IntakeRejected(verdict.errors)
        try:
            with transaction(self.sessions) as session:
                existing = case_repo.get_by_intake_view(session=session, view_id=view_id)
                if existing is not None:
                    return Filed(case_repo.snapshot(existing), created=False)
                terms = settle(intake, verdict, now=now)
                case = self._open_case(session, terms, requester, view_id, now)
                return Filed(case_repo.snapshot(case), created=True)
        except IntegrityError:
            # Two deliveries of one submission raced; the other one filed it.
            with transaction(self.sessions) as session:
                existing = case_repo.get_by_intake_view(session=session, view_id=view_id)
                if existing is None:
                    raise
                return Filed(case_repo.snapshot(existing), created=False)

    def receive(self, *, intake: Intake, requester: Requester, view_id: str) -> None:
        """Checks the intake and keeps it to be filed after the ack: one row, so the ack
        waits for no more. A second delivery of the view is kept too and files nothing
        (`file_received` finds the case or the first row)."""
        now = self.clock()
        verdict = assess(intake, now=now, limits=self.limits)
        if not verdict.accepted:
            raise IntakeRejected(verdict.errors)
        received = Received(
            view_id, requester.user_id, requester.team_id, requester.name, intake, now
        )
        try:
            with transaction(self.sessions) as session:
                received_repo.keep(session=session, received=received)
        except IntegrityError:
            pass  # a second delivery while the first waits to be filed: it files once

    def waiting(self, *, received_before: datetime | None = None) -> list[str]:
        """The views received and not filed yet, oldest first."""
        with transaction(self.sessions) as session:
            return received_repo.waiting(session=session, received_before=received_before)

    def file_received(self, view_id: str) -> Filed | IntakeRejected | None:
        """Files the case a received view holds, as of when it was received; None when
        another process filed it first. The rules are applied again at that moment: only a
        change of limits in between (a restart with new settings) can refuse it now."""
        try:
            with transaction(self.sessions) as session:
                received = received_repo.take(session=session, view_id=view_id)
                if received is None:
                    return None
                existing = case_repo.get_by_intake_view(session=session, view_id=view_id)
                if existing is not None:
                    return Filed(case_repo.snapshot(existing), created=False)
                now, intake = received.received_at, received.intake
                verdict = assess(intake, now=now, limits=self.limits)
                if not verdict.accepted:
                    return IntakeRejected(verdict.errors)
                requester = Requester(
                    received.requester_id, received.requester_team_id, received.requester_name
                )
                terms = settle(intake, verdict, now=now)
                case = self._open_case(session, terms, requester, view_id, now)
                return Filed(case_repo.snapshot(case), created=True)
        except IntegrityError:
            return None  # filed meanwhile by another process, from the same view

    def _open_case(
        self,
        session: Session,
        terms: Terms,
        requester: Requester,
        view_id: str,
        now: datetime,
    ) -> Case:
        route = terms.route
        case = Case(
            state="submitted",
            route=route.value,
            long_window=terms.long_window,
            exception_unneeded=terms.exception_unneeded,
            waived=[field.value for field in terms.waived],
            requester_id=requester.user_id,
            requester_team_id=requester.team_id,
            relay_contact_id=requester.user_id,
            intake_view_id=view_id,
            created_at=now,
            updated_at=now,
        )
        case_repo.apply_intake(case, terms.intake)
        case_repo.name_people(case, {requester.user_id: requester.name})
        session.add(case)
        session.flush()
        actor = requester.user_id
        data = {"route": route.value, "waived": [f.value for f in terms.waived]}
        filed = transition(None, Action.SUBMIT, actor_id=actor, at=now, data=data)
        next_action = Action.REFER_TO_LEGAL if terms.needs_legal else Action.ACCEPT
        routed = transition(filed.to_state, next_action, actor_id=actor, at=now)
        record(session, case, filed, routed)
        return case
