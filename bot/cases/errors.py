"""Errors that carry the sentence the person in Slack reads.

One handler at the Slack edge turns a `CaseError` into an ephemeral message or a modal error;
anything else is unexpected and gets an error id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.cases.model import State
    from bot.cases.states import Action


class CaseError(Exception):
    """A refusal the user should read, with nothing changed."""

    def __init__(self, user_text: str) -> None:
        super().__init__(user_text)
        self.user_text = user_text


class NotAllowed(CaseError):
    """The actor may not do this (wrong group, outside the workspace, own review...)."""


class NotFound(CaseError):
    """The case (or the thing on it) does not exist."""


class InvalidTransition(CaseError):
    """The case is not in a state where this action applies (often a stale card)."""

    def __init__(self, state: State | None, action: Action) -> None:
        shown = state.label if state is not None else "not yet filed"
        super().__init__(
            f"This can't be done now: the case is {shown}. The card shows its current state."
        )
        self.state = state
        self.action = action
