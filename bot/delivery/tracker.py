"""The issue tracker the GitLab mirror writes to, as the small interface the mirror needs.

`bot.gitlab.tracker.GitLabTracker` is the real one; each method raises `Retry` or `Permanent`
(bot.delivery.drain) for a failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Issue:
    iid: int
    url: str
    description: str = ""


class Tracker(Protocol):
    def template(self, project: str, name: str) -> str | None:
        """The project's issue template of that name, or None when it has none."""

    def find_issue(
        self, project: str, *, marker: str, created_after: datetime | None = None
    ) -> Issue | None:
        """The issue whose description holds `marker` (exactly), if one exists; only issues
        created from `created_after` on are looked at."""

    def create_issue(
        self,
        project: str,
        *,
        title: str,
        description: str,
        labels: Sequence[str],
        confidential: bool,
    ) -> Issue: ...

    def has_note(self, project: str, iid: int, *, marker: str) -> bool:
        """Whether one of the issue's recent notes holds `marker`."""

    def add_note(self, project: str, iid: int, body: str, *, event_uuid: str | None = None) -> None:
        """Adds an internal note (visible to project members only).

        `event_uuid`: the webhook event being answered, sent back so GitLab stops a loop.
        """

    def update_issue(
        self,
        project: str,
        iid: int,
        *,
        add_labels: Sequence[str] = (),
        remove_labels: Sequence[str] = (),
        close: bool = False,
        confidential: bool | None = None,
        assignee_ids: Sequence[int] | None = None,
        event_uuid: str | None = None,
    ) -> None:
        """Moves labels, optionally closes, makes confidential or sets the assignees, in one
        request (repeating it changes nothing)."""
