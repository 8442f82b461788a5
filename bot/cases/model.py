"""The vocabulary of a case: its states, routes and the intake a requester files.

Pure values only: this package imports nothing but the standard library, so every rule can be
tested with plain objects and a clock passed in.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class State(enum.StrEnum):
    SUBMITTED = "submitted"
    PENDING_LEGAL = "pending_legal"
    TRIAGE = "triage"
    INVESTIGATING = "investigating"
    RESCOPE_REQUESTED = "rescope_requested"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SHARED = "shared"
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"  # a handler declined an unreasonable request, with a reason

    @property
    def is_open(self) -> bool:
        return self not in ENDED_STATES

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


ENDED_STATES = frozenset({State.CLOSED, State.REJECTED, State.WITHDRAWN, State.DECLINED})
# While a case is in one of these states its relay contact owes the customer regular updates.
CADENCE_STATES = frozenset(
    {State.TRIAGE, State.INVESTIGATING, State.RESCOPE_REQUESTED, State.IN_REVIEW, State.APPROVED}
)


class Route(enum.StrEnum):
    SUPPORT = "support"
    SIRT = "sirt"

    @property
    def label(self) -> str:
        return "Support" if self is Route.SUPPORT else "SIRT"


class Plan(enum.StrEnum):
    PREMIUM = "premium"
    ULTIMATE = "ultimate"
    FREE = "free"
    TRIAL = "trial"
    DEPRECATED = "deprecated"
    OTHER_NON_PAYING = "other_non_paying"

    @property
    def is_eligible(self) -> bool:
        return self in (Plan.PREMIUM, Plan.ULTIMATE)


PLAN_LABELS = {
    Plan.PREMIUM: "Premium",
    Plan.ULTIMATE: "Ultimate",
    Plan.FREE: "Free",
    Plan.TRIAL: "Trial",
    Plan.DEPRECATED: "Deprecated support plan",
    Plan.OTHER_NON_PAYING: "Other non-paying account",
}


OTHER_EVENT = "other"  # the event type "Other", described in `Intake.event_other`


class Deployment(enum.StrEnum):
    SAAS = "saas"
    SELF_MANAGED = "self_managed"


@dataclass(frozen=True)
class Intake:
    """Everything a requester states about one log request, already parsed into values.

    Paths are kept exactly as typed (minus surrounding blanks and a leading `@` on users);
    the window is timezone-aware, `requester_tz` is the IANA zone the requester saw it in.
    """

    organisation: str
    ticket_url: str
    plan: Plan | None
    deployment: Deployment | None
    namespace: str
    owns_namespace: bool
    window_start: datetime | None
    window_end: datetime | None
    projects: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    event_other: str = ""
    personal_data: bool | None = None
    access_logs: bool | None = None
    summary: str = ""
    exception_justification: str = ""
    requester_tz: str = "UTC"
    # The requester confirmed the users named belong to the customer's namespace.
    users_in_namespace: bool = False
    # The handbook's preconditions: the incident results from the customer's own use of
    # GitLab, and Audit Events did not show enough (what they showed, and why not enough).
    own_use: bool | None = None
    audit_events: str = ""

    @property
    def exception_requested(self) -> bool:
        return bool(self.exception_justification.strip())

    @property
    def resource_count(self) -> int:
        return len(self.projects) + len(self.groups) + len(self.users)

    @property
    def event_count(self) -> int:
        return count_events(self.event_types, self.event_other)


def count_events(event_types: tuple[str, ...] | list[str], event_other: str) -> int:
    """Listed types, plus a described "other" event even when "Other" wasn't ticked."""
    described = bool(event_other.strip()) and OTHER_EVENT not in event_types
    return len(event_types) + (1 if described else 0)


@dataclass(frozen=True)
class Collected:
    """What the handler recorded of the artefacts under review (they never pass through)."""

    description: str
    count: int
    location: str
    checksum: str
    submitted_by: str  # who confirmed they are redacted


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a request narrow; configurable by the operator."""

    max_resources: int = 20
    max_event_types: int = 10
    summary_max_chars: int = 3000


@dataclass(frozen=True)
class CaseSnapshot:
    """What the surfaces (cards, DMs, summaries) may show about a case, read in one go."""

    number: int
    state: State
    route: Route
    organisation: str
    requester_id: str
    relay_contact_id: str
    owner_id: str | None
    created_at: datetime
    window_start: datetime
    window_end: datetime
    long_window: bool
    exception_requested: bool
    personal_data: bool
    resource_count: int
    event_count: int
    issue_url: str | None = None
    approvals: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    exception_unneeded: bool = False  # a justification was typed, but nothing needed waiving
    cost_notice_pending: bool = False  # the relay contact has yet to confirm the customer knows
    access_logs: bool = False  # asked for; never searched, and the requester is told so
    closed_in_gitlab: bool = False  # a person closed the issue; the case keeps its gates
    digest: str | None = None  # the bag digest submitted for review (what approvals approve)
