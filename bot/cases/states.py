"""The life of a case: which action may move it from which state, and the record it leaves.

`transition` is the only function that decides a case's next state. Callers persist the
returned `Event`; nothing else assigns a state, and nothing ever edits an event.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.cases.errors import CaseError
from bot.cases.model import ENDED_STATES, State


class Action(enum.StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    REFER_TO_LEGAL = "refer_to_legal"
    LEGAL_APPROVE = "legal_approve"
    LEGAL_DENY = "legal_deny"
    CLAIM = "claim"
    UNCLAIM = "unclaim"
    HAND_OVER = "hand_over"
    ADD_FINDING = "add_finding"
    REQUEST_RESCOPE = "request_rescope"
    RESCOPE = "rescope"
    RESCOPE_TO_LEGAL = "rescope_to_legal"  # the edit waives a rule Legal has not approved
    RELEASE = "release"  # the edit made the case one its owner can't handle: back unowned
    RESUME = "resume"  # Legal approved an edit of an owned case: back to its owner
    COST_NOTICE = "cost_notice"
    SUBMIT_FOR_REVIEW = "submit_for_review"
    REVIEW_APPROVE = "review_approve"
    REVIEW_COMPLETE = "review_complete"
    REVIEW_REJECT = "review_reject"
    MARK_SHARED = "mark_shared"
    RECORD_GAP = "record_gap"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    DECLINE = "decline"  # a handler declines an unreasonable request
    CUSTOMER_UPDATE = "customer_update"
    RELAY_HAND_OVER = "relay_hand_over"  # another requester relays to the customer from now
    COST_CONFIRMED = "cost_confirmed"  # the relay contact told the customer of the cost
    PURGE = "purge"
    # What people did in the case's GitLab issue, as the bot applies it (bot.app.sync).
    GITLAB_FINDING = "gitlab_finding"  # a comment became a finding
    GITLAB_CLOSED = "gitlab_closed"  # a person closed the issue; the case keeps its gates
    GITLAB_REOPENED = "gitlab_reopened"
    RESTORE_CONFIDENTIAL = "restore_confidential"  # the issue was exposed: made confidential
    RESTORE_LABEL = "restore_label"  # a person moved the state label: put back


class InvalidTransition(CaseError):
    """The case is not in a state where this action applies (often a stale card)."""

    def __init__(self, state: State | None, action: Action) -> None:
        shown = state.label if state is not None else "not yet filed"
        super().__init__(
            f"This can't be done now: the case is {shown}. The card shows its current state."
        )
        self.state = state
        self.action = action


S = State
OPEN_STATES = tuple(s for s in State if s not in ENDED_STATES and s is not State.SUBMITTED)
WORKING_STATES = (S.INVESTIGATING, S.RESCOPE_REQUESTED, S.IN_REVIEW)

# (from, action) -> to. Actions that record something without moving the case map a state to
# itself; they are listed so that a stale click on an ended case is refused like any other.
TRANSITIONS: dict[tuple[State | None, Action], State] = {
    (None, Action.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, Action.ACCEPT): S.TRIAGE,
    (S.SUBMITTED, Action.REFER_TO_LEGAL): S.PENDING_LEGAL,
    (S.PENDING_LEGAL, Action.LEGAL_APPROVE): S.TRIAGE,
    (S.PENDING_LEGAL, Action.LEGAL_DENY): S.REJECTED,
    (S.TRIAGE, Action.CLAIM): S.INVESTIGATING,
    (S.INVESTIGATING, Action.UNCLAIM): S.TRIAGE,
    (S.INVESTIGATING, Action.REQUEST_RESCOPE): S.RESCOPE_REQUESTED,
    (S.RESCOPE_REQUESTED, Action.RESCOPE): S.INVESTIGATING,
    (S.RESCOPE_REQUESTED, Action.RESCOPE_TO_LEGAL): S.PENDING_LEGAL,
    (S.INVESTIGATING, Action.RELEASE): S.TRIAGE,
    (S.PENDING_LEGAL, Action.RELEASE): S.PENDING_LEGAL,
    (S.TRIAGE, Action.RESUME): S.INVESTIGATING,
    (S.INVESTIGATING, Action.SUBMIT_FOR_REVIEW): S.IN_REVIEW,
    (S.IN_REVIEW, Action.REVIEW_APPROVE): S.IN_REVIEW,
    (S.IN_REVIEW, Action.REVIEW_COMPLETE): S.APPROVED,
    (S.IN_REVIEW, Action.REVIEW_REJECT): S.INVESTIGATING,
    (S.APPROVED, Action.MARK_SHARED): S.SHARED,
    (S.SHARED, Action.RECORD_GAP): S.SHARED,
    (S.SHARED, Action.CLOSE): S.CLOSED,
    (S.TRIAGE, Action.DECLINE): S.DECLINED,
    (S.INVESTIGATING, Action.DECLINE): S.DECLINED,
    **{(s, Action.HAND_OVER): s for s in WORKING_STATES},
    **{(s, Action.ADD_FINDING): s for s in WORKING_STATES},
    **{(s, Action.COST_NOTICE): s for s in (S.INVESTIGATING, S.RESCOPE_REQUESTED)},
    **{(s, Action.WITHDRAW): S.WITHDRAWN for s in OPEN_STATES},
    **{(s, Action.CUSTOMER_UPDATE): s for s in OPEN_STATES},
    **{(s, Action.RELAY_HAND_OVER): s for s in OPEN_STATES},
    **{(s, Action.COST_CONFIRMED): s for s in OPEN_STATES},
    **{(s, Action.PURGE): s for s in ENDED_STATES},
    **{(s, a): s for s in OPEN_STATES for a in (Action.GITLAB_FINDING, Action.GITLAB_CLOSED)},
    **{(s, Action.GITLAB_REOPENED): s for s in OPEN_STATES},
    **{(s, a): s for s in State for a in (Action.RESTORE_CONFIDENTIAL, Action.RESTORE_LABEL)},
}


@dataclass(frozen=True)
class Event:
    """One line of a case's history: who did what, when, from which state to which, and why."""

    action: Action
    from_state: State | None
    to_state: State
    actor_id: str
    at: datetime
    reason: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def changes_state(self) -> bool:
        return self.from_state is not self.to_state


def allowed(state: State | None, action: Action) -> bool:
    return (state, action) in TRANSITIONS


def transition(
    state: State | None,
    action: Action,
    *,
    actor_id: str,
    at: datetime,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Returns the event that moves a case in `state` by `action`, or refuses the move."""
    try:
        to_state = TRANSITIONS[(state, action)]
    except KeyError:
        raise InvalidTransition(state, action) from None
    return Event(
        action=action,
        from_state=state,
        to_state=to_state,
        actor_id=actor_id,
        at=at,
        reason=reason,
        data=dict(data or {}),
    )
