"""Any sequence of steps by anyone leaves a case where the diagram allows, fully recorded.

Random people (each with random roles) try random steps on a case. After every attempt: a
refusal changed nothing and recorded nothing; an accepted step recorded its events; and the
whole history is a walk along the diagram, each event starting where the last one ended.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app.casework import Artefacts, Casework
from bot.app.filing import Filing, Requester
from bot.cases.errors import CaseError
from bot.cases.model import Limits, Plan, Route, State
from bot.cases.permissions import Actor, Role
from bot.cases.states import TRANSITIONS, Action
from db.models import Case, CaseEvent
from db.session import transaction
from tests.factories import intake

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
PEOPLE = {
    "UREQ": {Role.REQUESTER},
    "USUP": {Role.SUPPORT},
    "USIRT": {Role.SIRT},
    "USEC": {Role.SECURITY},
    "ULEGAL": {Role.LEGAL},
    "UBOTH": {Role.SIRT, Role.SECURITY},
    "ULEAD": {Role.LEAD},
    "UNONE": set(),
}
ARTEFACTS = Artefacts("events", 3, "bucket/case", "sha256:1", redacted=True)


def roles(user_id: str) -> Actor:
    return Actor(user_id, frozenset(PEOPLE.get(user_id, set())))


def step(work: Casework, name: str, case_id: int, actor: Actor, other: Actor):
    steps = {
        "claim": lambda: work.claim(case_id, actor),
        "unclaim": lambda: work.unclaim(case_id, actor),
        "hand_over": lambda: work.hand_over(case_id, actor, other),
        "finding": lambda: work.add_finding(case_id, actor, "found it"),
        "rescope_request": lambda: work.request_rescope(case_id, actor, "too broad"),
        "rescope": lambda: work.rescope(case_id, actor, intake(users=("jdoe",)), roles=roles),
        "cost": lambda: work.record_cost_notice(case_id, actor, "told"),
        "submit": lambda: work.submit_for_review(case_id, actor, ARTEFACTS),
        "approve": lambda: work.review(case_id, actor, approve=True),
        "reject": lambda: work.review(case_id, actor, approve=False, reason="redo"),
        "legal_yes": lambda: work.decide_exception(case_id, actor, approve=True, reason=None),
        "legal_no": lambda: work.decide_exception(case_id, actor, approve=False, reason="no"),
        "shared": lambda: work.mark_shared(case_id, actor),
        "close": lambda: work.close_with_gap(case_id, actor, gap="gap", no_gap_reason=None),
        "withdraw": lambda: work.withdraw(case_id, actor, "done"),
    }
    return steps[name]()


def history(sessions, case_id):
    with transaction(sessions) as session:
        events = session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        ).all()
        state = session.get(Case, case_id).state
    return [(e.action, e.from_state, e.to_state) for e in events], state


STEPS = [
    "claim",
    "unclaim",
    "hand_over",
    "finding",
    "rescope_request",
    "rescope",
    "cost",
    "submit",
    "approve",
    "reject",
    "legal_yes",
    "legal_no",
    "shared",
    "close",
    "withdraw",
]
attempts = st.lists(
    st.tuples(
        st.sampled_from(STEPS), st.sampled_from(sorted(PEOPLE)), st.sampled_from(sorted(PEOPLE))
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(attempts=attempts, exception=st.booleans(), personal=st.booleans())
def test_random_steps_by_random_people_keep_the_case_on_the_diagram(
    sessions, attempts, exception, personal
):
    limits = Limits()
    services = Filing(sessions=sessions, clock=lambda: NOW, limits=limits)
    work = Casework(sessions=sessions, clock=lambda: NOW, limits=limits)
    filed = services.submit_intake(
        intake=intake(
            exception_justification="renewal" if exception else "",
            plan=Plan.FREE if exception else Plan.PREMIUM,
            personal_data=personal,
        ),
        requester=Requester("UREQ", "T1"),
        view_id=uuid.uuid4().hex,
    )
    case_id = filed.case.number
    assert filed.case.route is (Route.SIRT if exception or personal else Route.SUPPORT)
    for name, who, whom in attempts:
        before, state_before = history(sessions, case_id)
        actor = Actor(who, frozenset(PEOPLE[who]))
        other = Actor(whom, frozenset(PEOPLE[whom]))
        try:
            step(work, name, case_id, actor, other)
            refused = False
        except CaseError:
            refused = True
        after, state_after = history(sessions, case_id)
        if refused:
            assert (after, state_after) == (before, state_before), name
        else:
            assert len(after) > len(before), name
        previous = None
        for action, source, target in after:
            assert TRANSITIONS[(State(source) if source else None, Action(action))] is State(target)
            assert source == previous
            previous = target
        assert state_after == previous
