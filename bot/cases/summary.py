"""What each open state waits on, in words a requester or lead understands."""

from __future__ import annotations

from bot.cases.model import State

WAITS_ON: dict[State, str] = {
    State.SUBMITTED: "filing to finish",
    State.PENDING_LEGAL: "Legal's decision on the exception",
    State.TRIAGE: "a handler to claim it",
    State.INVESTIGATING: "the handler's search of the logs",
    State.RESCOPE_REQUESTED: "the requester's narrower scope",
    State.IN_REVIEW: "Security and Legal review of the artefacts",
    State.APPROVED: "the requester to share the artefacts",
    State.SHARED: "the handler's Audit Events gap step",
    State.CLOSED: "nothing: closed",
    State.REJECTED: "nothing: rejected",
    State.WITHDRAWN: "nothing: withdrawn",
    State.DECLINED: "nothing: declined",
}


def waits_on(state: State) -> str:
    return WAITS_ON[state]
