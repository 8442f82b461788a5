"""What people did in a case's GitLab issue, and what the case makes of it.

The issue and its notes are read back through the API (never taken from a webhook's body),
so these are the values the API returned; `findings_from` and `issue_drift` decide, with no
I/O, which comments are findings and what about the issue the bot must answer.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

LABEL_PREFIX = "state::"  # the bot's scoped state label (see messages.gitlab.state_label)


@dataclass(frozen=True)
class Hint:
    """What a webhook delivery says happened, taken only as a hint of where to look."""

    key: str  # GitLab's Idempotency-Key, else the event's UUID: one delivery, however resent
    event: str  # X-Gitlab-Event
    event_uuid: str | None
    project: str  # the project's path, as the delivery names it
    issue_iid: int | None
    project_id: int | None = None


@dataclass(frozen=True)
class IssueSeen:
    iid: int
    state: str  # "opened" or "closed"
    confidential: bool
    labels: tuple[str, ...]
    updated_at: datetime
    closed_by_id: int | None = None
    assignees: tuple[tuple[int, str], ...] = ()  # (user id, username)


@dataclass(frozen=True)
class NoteSeen:
    id: int
    author_id: int
    author: str  # GitLab username
    body: str
    internal: bool
    system: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Drift:
    """What about the issue no longer matches its case, as far as the bot answers for it."""

    exposed: bool = False  # no longer confidential
    customers: tuple[tuple[int, str], ...] = ()  # the customer's accounts assigned to it
    closed: bool = False  # closed by a person while the case is open
    reopened: bool = False  # open again after a person closed it
    labels_to_add: tuple[str, ...] = ()
    labels_to_remove: tuple[str, ...] = ()

    @property
    def leaks(self) -> bool:
        return self.exposed or bool(self.customers)

    @property
    def label_moved(self) -> bool:
        return bool(self.labels_to_add or self.labels_to_remove)


def findings_from(notes: Iterable[NoteSeen], bot_user_id: int) -> list[NoteSeen]:
    """The comments that are findings: by a person (never the bot's own), not system notes."""
    return [n for n in notes if not n.system and n.author_id != bot_user_id and n.body.strip()]


def _account(name: str) -> str:
    return name.strip().lstrip("@").lower()


def issue_drift(
    issue: IssueSeen,
    *,
    bot_user_id: int,
    case_open: bool,
    closed_in_gitlab: bool,
    expected_label: str | None,
    customer_users: Collection[str],
) -> Drift:
    """How the issue differs from what its case says it should be.

    `expected_label` is None while the mirror still owes the issue a label move (its queued
    operations will set it): then the labels and the open/closed state are not judged yet.
    """
    customers = {_account(user) for user in customer_users}
    found = tuple(a for a in issue.assignees if _account(a[1]) in customers)
    drift = Drift(exposed=not issue.confidential, customers=found)
    if expected_label is None:
        return drift
    closed_now = issue.state == "closed" and issue.closed_by_id != bot_user_id
    ours = [label for label in issue.labels if label.startswith(LABEL_PREFIX)]
    return Drift(
        exposed=drift.exposed,
        customers=found,
        closed=case_open and closed_now and not closed_in_gitlab,
        reopened=case_open and issue.state == "opened" and closed_in_gitlab,
        labels_to_add=() if expected_label in ours else (expected_label,),
        labels_to_remove=tuple(label for label in ours if label != expected_label),
    )
