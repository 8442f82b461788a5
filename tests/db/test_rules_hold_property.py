"""Random lives of a case on a real database: the rules hold after every step, not only at intake.

A hypothesis state machine files a request, then takes random steps that the case's state
allows (re-scope edits, valid or not; claims, hand-overs, Legal's decisions, reviews, declines,
withdrawals) through the use cases.
After every step, whatever was accepted or refused, two invariants hold for the case as stored:

- it is never in a working state while its scope waives a rule that Legal did not approve as
  it now stands (the rules waived and the reason given);
- its route is never Support while its scope has personal data or reaches back more than seven
  days before the request.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bot.app.casework import Artefacts, Casework
from bot.app.filing import Filing, Requester
from bot.cases.errors import CaseError
from bot.cases.model import Limits, Plan, Route, State
from bot.cases.permissions import Actor, Role
from bot.cases.rules import assess
from bot.cases.windows import reaches_past_support_window
from db import cases as case_repo
from db.models import Case
from db.session import transaction
from tests.factories import intake

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
LIMITS = Limits()
PEOPLE = {
    "UREQ": {Role.REQUESTER},
    "USUP": {Role.SUPPORT},
    "USUP2": {Role.SUPPORT},
    "USIRT": {Role.SIRT},
    "USEC": {Role.SECURITY},
    "ULEGAL": {Role.LEGAL},
    "ULEAD": {Role.LEAD},
}
WORKING = {
    State.TRIAGE,
    State.INVESTIGATING,
    State.RESCOPE_REQUESTED,
    State.IN_REVIEW,
    State.APPROVED,
    State.SHARED,
}
ARTEFACTS = Artefacts("events", 3, "bucket/case", "sha256:1", redacted=True)


def actor(user_id: str | None) -> Actor:
    return Actor(user_id or "UNOBODY", frozenset(PEOPLE.get(user_id or "", set())))


@st.composite
def requests(draw, *, valid: bool):
    """An intake: plan, exception, personal data and how far back the window reaches (mostly
    a Support-sized request, so that edits have something to move to SIRT)."""
    plan = draw(st.sampled_from((Plan.PREMIUM, Plan.ULTIMATE, Plan.PREMIUM, Plan.FREE, Plan.TRIAL)))
    reasons = ("Renewal signed next week.", "The CRO vouches for them.")
    exception = draw(st.sampled_from(reasons if valid and not plan.is_eligible else ("", *reasons)))
    days = draw(st.sampled_from((2, 5, 6, 8, 20, 29)))
    return intake(
        plan=plan,
        exception_justification=exception,
        personal_data=draw(st.sampled_from((False, False, True))),
        window_start=NOW - timedelta(days=days),
        window_end=NOW - timedelta(days=1),
    )


def state_of(sessions, case_id: int) -> tuple[State, str | None]:
    with transaction(sessions) as session:
        case = session.get(Case, case_id)
        return State(case.state), case.owner_id


def check_invariants(sessions, case_id: int, trail: list[str]) -> None:
    with transaction(sessions) as session:
        case = session.get(Case, case_id)
        scope = case_repo.intake(case)
        state, route = State(case.state), Route(case.route)
        approved = set(case.approved_waivers), case.approved_justification.strip()
    waived = set(assess(scope, now=NOW, limits=LIMITS).waived)
    if state in WORKING and waived:
        assert waived <= approved[0], (state, waived, approved, trail)
        assert scope.exception_justification.strip() == approved[1], (state, trail)
    long = reaches_past_support_window(scope.window_start, NOW, scope.requester_tz)
    if scope.personal_data or long:
        assert route is Route.SIRT, (scope.personal_data, long, route, trail)


def life_of_a_case(sessions):
    """A state machine over one case: each rule is a step someone may take in its state."""
    filing = Filing(sessions=sessions, clock=lambda: NOW, limits=LIMITS)
    work = Casework(sessions=sessions, clock=lambda: NOW, limits=LIMITS)

    class Life(RuleBasedStateMachine):
        case_id = 0
        state: State | None = None  # as stored after the last step
        owner: str | None = None
        trail: list[str]

        @initialize(filed=requests(valid=True))
        def file(self, filed):
            self.case_id = filing.submit_intake(
                intake=filed, requester=Requester("UREQ", "T1"), view_id=uuid.uuid4().hex
            ).case.number
            self.trail = [f"file {filed.plan} {filed.exception_justification[:7]!r}"]
            self.state, self.owner = state_of(sessions, self.case_id)

        def _in(self, *states: State) -> bool:
            return self.state in states

        def _owner(self) -> Actor:
            return actor(self.owner)

        def _try(self, name: str, step) -> None:
            try:
                step()
                self.trail.append(name)
            except CaseError:
                self.trail.append(f"({name} refused)")
            self.state, self.owner = state_of(sessions, self.case_id)

        @precondition(lambda self: self._in(State.RESCOPE_REQUESTED))
        @rule(edited=requests(valid=False))
        def edit(self, edited):
            edit = f"edit {edited.plan} {edited.exception_justification[:7]!r}"
            edit += f" personal={edited.personal_data} from={edited.window_start:%d}"
            self._try(edit, lambda: work.rescope(self.case_id, actor("UREQ"), edited, roles=actor))

        @precondition(lambda self: self._in(State.TRIAGE))
        @rule(who=st.sampled_from(("USUP", "USUP", "USIRT")))
        def claim(self, who):
            self._try(f"claim {who}", lambda: work.claim(self.case_id, actor(who)))

        @precondition(lambda self: self._in(State.INVESTIGATING))
        @rule()
        def request_rescope(self):
            self._try(
                "request_rescope",
                lambda: work.request_rescope(self.case_id, self._owner(), "narrower"),
            )

        @precondition(lambda self: self._in(State.PENDING_LEGAL))
        @rule(approve=st.sampled_from((True, True, True, False)))
        def legal(self, approve):
            reason = None if approve else "no"
            self._try(
                f"legal {'approve' if approve else 'deny'}",
                lambda: work.decide_exception(
                    self.case_id, actor("ULEGAL"), approve=approve, reason=reason
                ),
            )

        @precondition(lambda self: self._in(State.INVESTIGATING))
        @rule(step=st.sampled_from(("unclaim", "hand_over", "submit")))
        def work_on(self, step):
            owner = self._owner()
            steps = {
                "unclaim": lambda: work.unclaim(self.case_id, owner),
                "hand_over": lambda: work.hand_over(self.case_id, owner, actor("USIRT")),
                "submit": lambda: work.submit_for_review(self.case_id, owner, ARTEFACTS),
            }
            self._try(step, steps[step])

        @precondition(lambda self: self._in(State.IN_REVIEW))
        @rule(reviewer=st.sampled_from(("USEC", "ULEGAL")), approve=st.booleans())
        def review(self, reviewer, approve):
            self._try(
                f"review {reviewer} {approve}",
                lambda: work.review(self.case_id, actor(reviewer), approve=approve, reason="redo"),
            )

        @precondition(lambda self: self._in(State.TRIAGE, State.INVESTIGATING))
        @rule(end=st.sampled_from(("decline", "withdraw", "neither", "neither", "neither")))
        def end(self, end):
            if end == "decline":
                owner = self._owner() if self._in(State.INVESTIGATING) else actor("USIRT")
                self._try(end, lambda: work.decline(self.case_id, owner, "unreasonable"))
            elif end == "withdraw":
                self._try(end, lambda: work.withdraw(self.case_id, actor("UREQ"), "done"))

        @precondition(lambda self: self._in(State.APPROVED, State.SHARED))
        @rule()
        def share_and_close(self):
            if self._in(State.APPROVED):
                self._try("shared", lambda: work.mark_shared(self.case_id, actor("UREQ")))
            else:
                self._try(
                    "closed",
                    lambda: work.close_with_gap(
                        self.case_id, self._owner(), gap=None, no_gap_reason="none"
                    ),
                )

        @precondition(lambda self: self.state is not None and not self.state.is_open)
        @rule()
        def rest(self):
            """An ended case: nothing more happens to it."""

        @invariant()
        def rules_hold(self):
            if self.case_id:
                check_invariants(sessions, self.case_id, self.trail)

    return Life


def test_rules_hold_for_the_whole_life_of_a_case(sessions):
    run_state_machine_as_test(
        life_of_a_case(sessions),
        settings=settings(
            max_examples=40,
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
