"""The life of a case: every edge of the diagram, and refusals for everything else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.cases.model import ENDED_STATES, State
from bot.cases.states import TRANSITIONS, Action, InvalidTransition, transition

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
S = State

DIAGRAM = [
    (None, Action.SUBMIT, S.SUBMITTED),
    (S.SUBMITTED, Action.ACCEPT, S.TRIAGE),
    (S.SUBMITTED, Action.REFER_TO_LEGAL, S.PENDING_LEGAL),
    (S.PENDING_LEGAL, Action.LEGAL_APPROVE, S.TRIAGE),
    (S.PENDING_LEGAL, Action.LEGAL_DENY, S.REJECTED),
    (S.TRIAGE, Action.CLAIM, S.INVESTIGATING),
    (S.INVESTIGATING, Action.UNCLAIM, S.TRIAGE),
    (S.INVESTIGATING, Action.REQUEST_RESCOPE, S.RESCOPE_REQUESTED),
    (S.RESCOPE_REQUESTED, Action.RESCOPE, S.INVESTIGATING),
    (S.RESCOPE_REQUESTED, Action.RESCOPE_TO_LEGAL, S.PENDING_LEGAL),
    (S.INVESTIGATING, Action.RELEASE, S.TRIAGE),
    (S.TRIAGE, Action.RESUME, S.INVESTIGATING),
    (S.INVESTIGATING, Action.SUBMIT_FOR_REVIEW, S.IN_REVIEW),
    (S.IN_REVIEW, Action.REVIEW_COMPLETE, S.APPROVED),
    (S.IN_REVIEW, Action.REVIEW_REJECT, S.INVESTIGATING),
    (S.APPROVED, Action.MARK_SHARED, S.SHARED),
    (S.SHARED, Action.CLOSE, S.CLOSED),
    (S.TRIAGE, Action.DECLINE, S.DECLINED),
    (S.INVESTIGATING, Action.DECLINE, S.DECLINED),
]


@pytest.mark.parametrize(("source", "action", "target"), DIAGRAM)
def test_every_edge_of_the_diagram(source, action, target):
    event = transition(source, action, actor_id="U1", at=AT, reason="why")
    assert (event.from_state, event.to_state, event.action) == (source, target, action)
    assert (event.actor_id, event.at, event.reason) == ("U1", AT, "why")
    assert event.changes_state


@pytest.mark.parametrize("source", [s for s in State if s.is_open and s is not S.SUBMITTED])
def test_any_open_state_can_be_withdrawn(source):
    assert transition(source, Action.WITHDRAW, actor_id="U1", at=AT).to_state is S.WITHDRAWN


# The purge, and the bot guarding an ended case's issue (it still holds the customer's data).
AFTER_THE_END = {Action.PURGE, Action.RESTORE_CONFIDENTIAL, Action.RESTORE_LABEL}


@pytest.mark.parametrize("source", sorted(ENDED_STATES))
@pytest.mark.parametrize("action", [a for a in Action if a not in AFTER_THE_END])
def test_an_ended_case_refuses_every_action_but_the_purge(source, action):
    with pytest.raises(InvalidTransition) as refused:
        transition(source, action, actor_id="U1", at=AT)
    assert source.label in refused.value.user_text


def test_no_state_change_exists_outside_the_diagram():
    moves = {(s, a, t) for (s, a), t in TRANSITIONS.items() if s is not t}
    withdrawals = {
        (s, Action.WITHDRAW, S.WITHDRAWN) for s in State if s.is_open and s is not S.SUBMITTED
    }
    assert moves == set(DIAGRAM) | withdrawals


@pytest.mark.parametrize(
    ("source", "action"),
    [
        (S.TRIAGE, Action.SUBMIT_FOR_REVIEW),
        (S.INVESTIGATING, Action.CLAIM),
        (S.IN_REVIEW, Action.MARK_SHARED),
        (S.APPROVED, Action.CLOSE),
        (S.PENDING_LEGAL, Action.CLAIM),
        (S.SUBMITTED, Action.WITHDRAW),
    ],
)
def test_a_skipped_step_is_refused_with_the_current_state(source, action):
    with pytest.raises(InvalidTransition) as refused:
        transition(source, action, actor_id="U1", at=AT)
    assert f"the case is {source.label}" in refused.value.user_text


def test_recording_actions_keep_the_state():
    event = transition(S.INVESTIGATING, Action.ADD_FINDING, actor_id="U1", at=AT)
    assert event.to_state is S.INVESTIGATING and not event.changes_state
