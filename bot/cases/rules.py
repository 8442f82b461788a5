"""The conditions of the log-request process, as one table of checks.

Each row names the intake field an error belongs to, the condition that breaks the rule, and
the sentence the requester reads next to that field. Rows marked `waivable` are the ones an
exception request (approved by Legal) may set aside: conditions of policy (the plan), never
limits of what GitLab can do (self-managed instances, more than one month back). Only the
first broken row per field is reported, so the table is ordered from the most basic check to
the most specific.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.cases.checks import (
    GROUP_PATH,
    NESTED_PATH,
    USERNAME,
    Check,
    Context,
    blank,
    groups_outside,
    not_a_ticket_url,
    projects_outside,
    window_too_old,
)
from bot.cases.model import OTHER_EVENT, Deployment, Intake, Limits


class Field(enum.StrEnum):
    ORGANISATION = "organisation"
    TICKET_URL = "ticket_url"
    PLAN = "plan"
    DEPLOYMENT = "deployment"
    OWN_USE = "own_use"
    NAMESPACE = "namespace"
    OWNERSHIP = "ownership"
    WINDOW_START = "window_start"
    WINDOW_END = "window_end"
    PROJECTS = "projects"
    GROUPS = "groups"
    USERS = "users"
    USERS_IN_NAMESPACE = "users_in_namespace"  # the checkbox; its error shows on USERS
    EVENT_TYPES = "event_types"
    EVENT_OTHER = "event_other"
    PERSONAL_DATA = "personal_data"
    ACCESS_LOGS = "access_logs"
    SUMMARY = "summary"
    AUDIT_EVENTS = "audit_events"
    EXCEPTION = "exception"


@dataclass(frozen=True)
class Rule:
    field: Field
    broken: Check
    message: str
    waivable: bool = False
    needs: tuple[str, ...] = ()  # intake values the check reads; skipped while one is missing


_WINDOW = ("window_start", "window_end")


RULES: tuple[Rule, ...] = (
    Rule(
        Field.ORGANISATION,
        lambda i, _: blank(i.organisation),
        "Enter the customer's organisation name.",
    ),
    Rule(
        Field.ORGANISATION,
        lambda i, _: len(i.organisation.strip()) > 200,
        "Keep the organisation name under 200 characters.",
    ),
    Rule(
        Field.TICKET_URL,
        not_a_ticket_url,
        "Paste the link to the support ticket or CRM record (it starts with https://).",
    ),
    Rule(Field.PLAN, lambda i, _: i.plan is None, "Choose the customer's plan."),
    Rule(
        Field.PLAN,
        lambda i, _: not i.plan.is_eligible,  # type: ignore[union-attr]
        "Log requests are only for paying Premium or Ultimate customers. To ask anyway, "
        "explain why in the exception request at the bottom: Legal must approve it first.",
        waivable=True,
        needs=("plan",),
    ),
    Rule(
        Field.DEPLOYMENT,
        lambda i, _: i.deployment is None,
        "Choose where the customer runs GitLab.",
    ),
    Rule(
        Field.DEPLOYMENT,
        lambda i, _: i.deployment is Deployment.SELF_MANAGED,
        "GitLab cannot produce logs for self-managed instances: the customer holds those "
        "logs themselves. Only GitLab.com (SaaS) accounts can be searched.",
    ),
    Rule(
        Field.OWN_USE,
        lambda i, _: i.own_use is None,
        "Say whether the incident results from the customer's own use of GitLab.",
    ),
    Rule(
        Field.OWN_USE,
        lambda i, _: i.own_use is False,
        "This process only covers incidents that result from the customer's own use of "
        "GitLab.com. A suspected vulnerability or incident on GitLab's side goes to GitLab's "
        "responsible disclosure process (https://about.gitlab.com/security/disclosure/).",
    ),
    Rule(
        Field.NAMESPACE,
        lambda i, _: blank(i.namespace),
        "Enter the top-level group the customer owns, e.g. acme-corp.",
    ),
    Rule(
        Field.NAMESPACE,
        lambda i, _: not GROUP_PATH.match(i.namespace),
        "Enter only the top-level group path, e.g. acme-corp (no slashes, spaces or URL).",
    ),
    Rule(
        Field.OWNERSHIP,
        lambda i, _: not i.owns_namespace,
        "Requests only cover an account the customer owns. For an account they don't own, "
        "a legal subpoena is required: ask the customer to contact GitLab Legal.",
    ),
    Rule(
        Field.WINDOW_START,
        lambda i, _: i.window_start is None,
        "Pick when the window starts (date and time).",
    ),
    Rule(
        Field.WINDOW_END,
        lambda i, _: i.window_end is None,
        "Pick when the window ends (date and time).",
    ),
    Rule(
        Field.WINDOW_END,
        lambda i, c: i.window_end > c.now,  # type: ignore[operator]
        "The window can't end in the future: pick a time before now.",
        needs=_WINDOW,
    ),
    Rule(
        Field.WINDOW_END,
        lambda i, _: i.window_end <= i.window_start,  # type: ignore[operator]
        "The window must end after it starts.",
        needs=_WINDOW,
    ),
    Rule(
        Field.WINDOW_START,
        window_too_old,
        "GitLab is unable to search more than one calendar month back from the request: like "
        "logs of self-managed instances, this is beyond what GitLab can do, so no exception "
        "can waive it. Narrow the window.",
        needs=_WINDOW,
    ),
    Rule(
        Field.PROJECTS,
        lambda i, _: not all(NESTED_PATH.match(p) for p in i.projects),
        "Write one project path per line, e.g. acme-corp/backend/api.",
    ),
    Rule(
        Field.PROJECTS,
        projects_outside,
        "Requests only cover the account the customer owns: every project must sit under "
        "the namespace above.",
    ),
    Rule(
        Field.GROUPS,
        lambda i, _: not all(NESTED_PATH.match(g) for g in i.groups),
        "Write one group path per line, e.g. acme-corp/platform.",
    ),
    Rule(
        Field.GROUPS,
        groups_outside,
        "Requests only cover the account the customer owns: every group must sit under the "
        "namespace above.",
    ),
    Rule(
        Field.USERS,
        lambda i, _: not all(USERNAME.match(u) for u in i.users),
        "Write one GitLab username per line, e.g. jdoe.",
    ),
    Rule(
        Field.USERS,
        lambda i, _: bool(i.users) and not i.users_in_namespace,
        "Requests only cover the account the customer owns: confirm below that the users named "
        "belong to the customer's namespace. For users outside it, a legal subpoena is "
        "required: ask the customer to contact GitLab Legal.",
    ),
    Rule(
        Field.PROJECTS,
        lambda i, _: i.resource_count == 0,
        "The request must name specific resources: list at least one project, group or user.",
    ),
    Rule(
        Field.PROJECTS,
        lambda i, c: i.resource_count > c.limits.max_resources,
        "That is more than {max_resources} projects, groups and users in total: narrow the "
        "scope to the resources that matter.",
    ),
    Rule(
        Field.EVENT_TYPES,
        lambda i, _: i.event_count == 0,
        "The request must name specific events: choose at least one event type.",
    ),
    Rule(
        Field.EVENT_TYPES,
        lambda i, c: i.event_count > c.limits.max_event_types,
        "That is more than {max_event_types} event types: narrow the scope to the events "
        "that matter.",
    ),
    Rule(
        Field.EVENT_OTHER,
        lambda i, _: OTHER_EVENT in i.event_types and blank(i.event_other),
        "You chose 'Other': describe the events of interest here.",
    ),
    Rule(
        Field.EVENT_OTHER,
        lambda i, _: len(i.event_other) > 300,
        "Keep the other event description under 300 characters.",
    ),
    Rule(
        Field.PERSONAL_DATA,
        lambda i, _: i.personal_data is None,
        "Say whether user names or IP addresses must be disclosed.",
    ),
    Rule(
        Field.ACCESS_LOGS,
        lambda i, _: i.access_logs is None,
        "Say whether access logs are being asked for.",
    ),
    Rule(
        Field.SUMMARY, lambda i, _: blank(i.summary), "Summarise the incident in a few sentences."
    ),
    Rule(
        Field.SUMMARY,
        lambda i, c: len(i.summary) > c.limits.summary_max_chars,
        "Keep the summary under {summary_max_chars} characters.",
    ),
    Rule(
        Field.AUDIT_EVENTS,
        lambda i, _: blank(i.audit_events),
        "Say what the customer saw in Audit Events and why it is not enough: log searches are "
        "for what Audit Events can't show.",
    ),
    Rule(
        Field.AUDIT_EVENTS,
        lambda i, _: len(i.audit_events) > 3000,
        "Keep what Audit Events showed under 3000 characters.",
    ),
    Rule(
        Field.EXCEPTION,
        lambda i, _: len(i.exception_justification) > 3000,
        "Keep the exception justification under 3000 characters.",
    ),
)


@dataclass(frozen=True)
class Assessment:
    """The verdict on an intake: errors per field, and whether Legal must look first."""

    errors: dict[Field, str]
    waived: tuple[Field, ...]
    exception_requested: bool

    @property
    def accepted(self) -> bool:
        return not self.errors

    @property
    def needs_legal(self) -> bool:
        """Only a waived rule needs Legal; a justification alone does not."""
        return bool(self.waived)


def assess(intake: Intake, *, now: datetime, limits: Limits) -> Assessment:
    """Runs every rule of the table and returns the first broken one per field."""
    ctx = Context(now=now, limits=limits)
    errors: dict[Field, str] = {}
    waived: list[Field] = []
    for rule in RULES:
        if rule.field in errors or any(getattr(intake, n) is None for n in rule.needs):
            continue
        if not rule.broken(intake, ctx):
            continue
        if rule.waivable and intake.exception_requested:
            waived.append(rule.field)
            continue
        errors[rule.field] = rule.message.format(**vars(limits))
    return Assessment(
        errors=errors, waived=tuple(waived), exception_requested=intake.exception_requested
    )
