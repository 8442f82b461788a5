"""Errors that carry the sentence the person in Slack reads.

One handler at the Slack edge turns a `CaseError` into an ephemeral message or a modal error;
anything else is unexpected and gets an error id.
"""

from __future__ import annotations


class CaseError(Exception):
    """A refusal the user should read, with nothing changed."""

    def __init__(self, user_text: str) -> None:
        super().__init__(user_text)
        self.user_text = user_text


class NotAllowed(CaseError):
    """The actor may not do this (wrong group, outside the workspace, own review...)."""


class NotFound(CaseError):
    """The case (or the thing on it) does not exist."""
