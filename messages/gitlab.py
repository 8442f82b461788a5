"""GitLab markdown: the SIRT issue, its internal notes and the Audit Events gap issue.

Pure builders. Everything a person typed passes through `inline` or `quote`, which escape HTML
(so nobody can fake the bot's markers or hide text), break `@` mentions with a zero-width
joiner, so intake text can never ping anyone on GitLab (the only mention is SIRT_MENTION),
and backslash-escape `[`, `]` and `\\`, so a typed markdown link, image or link definition
shows as the text it is. `quote` also keeps typed lines off the start of a line, where GitLab
would run them as quick actions (`/close`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from bot.cases.model import PLAN_LABELS, Deployment, Intake, Plan, Route, State

REQUEST_LABEL = "information-request"
GAP_LABELS = ("Category:Audit Events", "Enterprise Edition")
GAP_TITLE = "Audit events lack information needed to answer a customer log request"
TEMPLATE_NAME = "information_request"
TITLE_MAX = 255  # GitLab refuses a longer issue title (a 400 that would park the case)
_ZWJ = "\u200d"
# Markdown's link syntax: escaped, `[text](url)`, `![alt](src)` and `[1]: url` stay text.
_LINK_SYNTAX = re.compile(r"([\\\[\]])")
# `@user` pings; `#1`, `!1`, `&1`, `~label`, `%milestone`, `$1` link other items (never in a URL).
_MENTION = re.compile(r"(@|(?<![\w/])[#!&~%$])(?=[\w\"])")
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


# -- markers: invisible, and unique per case or per event --------------------------------------
def case_marker(number: int) -> str:
    return f"info-request-bot:case-{number}"


def event_marker(event_id: int) -> str:
    return f"info-request-bot:event-{event_id}"


def card_marker(number: int) -> str:
    return f"info-request-bot:card-{number}"


def comment(marker: str) -> str:
    return f"<!-- {marker} -->"


# -- escaping -------------------------------------------------------------------------------
def inline(text: str) -> str:
    """User text on one line, inert: no HTML, no mentions or references, no line breaks."""
    flat = " ".join(text.split())
    return _LINK_SYNTAX.sub(r"\\\1", html.escape(_MENTION.sub(rf"\1{_ZWJ}", flat), quote=False))


def quote(text: str) -> str:
    """User text kept as its lines, inside a block quote (so no line starts a quick action)."""
    lines = text.strip().splitlines() or [""]
    return "\n".join(f"> {inline(line)}" if line.strip() else ">" for line in lines)


def code(text: str) -> str:
    """A path or handle as a code span: GitLab neither links nor mentions inside one."""
    flat = " ".join(text.split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    return f"{fence} {flat} {fence}" if "`" in flat else f"`{flat}`"


def person(user_id: str, names: Mapping[str, str]) -> str:
    """Someone by their Slack name where the case knows it, always with their Slack id; inert
    text, never a mention."""
    name = names.get(user_id, "")
    shown = f"Slack user {inline(user_id)}"
    return f"{inline(name)} ({shown})" if name.strip() else shown


# -- the SIRT issue -------------------------------------------------------------------------
def issue_title(organisation: str, number: int) -> str:
    """The issue's title, within GitLab's limit however much escaping lengthens the name."""
    name, cut = " ".join(organisation.split()), ""
    while True:
        title = f"Information request: {inline(name)}{cut} (case {number})"
        if len(title) <= TITLE_MAX or not name:
            return title
        name, cut = name[:-1].rstrip(), "…"


def state_label(state: State) -> str:
    return f"state::{state.value}"


def route_label(route: Route) -> str:
    return f"route::{route.value}"


def issue_labels(route: Route, state: State) -> list[str]:
    return [REQUEST_LABEL, route_label(route), state_label(state)]


def route_move(data: Mapping[str, Any]) -> tuple[Route, Route] | None:
    """(from, to) when an event moved the case to another route (an edited request)."""
    try:
        was, now = Route(data.get("route_was")), Route(data.get("route"))  # type: ignore[arg-type]
    except ValueError:
        return None
    return (was, now) if was is not now else None


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if moment else "not given"


def _yes(flag: bool | None) -> str:
    return {True: "yes", False: "no", None: "not answered"}[flag]


def _listing(title: str, items: Iterable[str]) -> list[str]:
    shown = [f"  - {code(item)}" for item in items]
    return [f"- **{title}:** {'none' if not shown else ''}".rstrip(), *shown]


def intake_section(intake: Intake, *, event_labels: Mapping[str, str]) -> str:
    """Every intake field, one per line, lists nested: what a SIRT engineer scans first."""
    plan = PLAN_LABELS.get(intake.plan, "not given") if isinstance(intake.plan, Plan) else "-"
    deployment = {Deployment.SAAS: "GitLab.com", Deployment.SELF_MANAGED: "Self-managed"}
    events = [event_labels.get(e, e) for e in intake.event_types]
    owner = "owns it" if intake.owns_namespace else "does NOT own it"
    access_logs = _yes(intake.access_logs)
    if intake.access_logs:  # never searched: SIRT reads so next to the answer
        access_logs += " (not searchable: only application logs will be searched)"
    lines = [
        f"- **Organisation:** {inline(intake.organisation)}",
        f"- **Support ticket:** {inline(intake.ticket_url)}",
        f"- **Plan:** {plan}",
        f"- **Deployment:** {deployment.get(intake.deployment, 'not given')}",  # type: ignore[arg-type]
        f"- **Results from the customer's own use of GitLab:** {_yes(intake.own_use)}",
        f"- **Top-level namespace:** {code(intake.namespace)} (the customer {owner})",
        f"- **Window:** {_when(intake.window_start)} → {_when(intake.window_end)}"
        f" (requester's zone: {inline(intake.requester_tz)})",
        *_listing("Projects", intake.projects),
        *_listing("Groups", intake.groups),
        *_listing("Users", intake.users),
        *(
            [f"- **Users confirmed in the namespace:** {_yes(intake.users_in_namespace)}"]
            if intake.users
            else []
        ),
        f"- **Event types:** {', '.join(inline(e) for e in events) or 'none'}",
    ]
    if intake.event_other.strip():
        lines.append(f"- **Other events:** {inline(intake.event_other)}")
    lines += [
        f"- **Personal data requested:** {_yes(intake.personal_data)}",
        f"- **Access logs requested:** {access_logs}",
        "",
        "**Summary**",
        "",
        quote(intake.summary or "(none)"),
        "",
        "**What Audit Events showed, and why it is not enough**",
        "",
        quote(intake.audit_events or "(not asked when this request was filed)"),
    ]
    if intake.exception_requested:
        lines += [
            "",
            "**Exception requested (Legal decides first)**",
            "",
            quote(intake.exception_justification),
        ]
    return "\n".join(lines)


def fill_template(template: str, values: Mapping[str, str]) -> str:
    """Replaces `{{ name }}` placeholders; unknown ones are left for a person to see."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def bundled_template() -> str:
    return resources.files("messages").joinpath("information_request.md").read_text("utf-8")


@dataclass(frozen=True)
class People:
    """Who asked and who talks to the customer (Slack ids), and the names the case knows."""

    requester: str
    relay_contact: str
    names: Mapping[str, str] = field(default_factory=dict)


def people_section(people: People) -> str:
    return "\n".join(
        [
            f"- **Requested by:** {person(people.requester, people.names)}",
            f"- **Relay contact (talks to the customer):** "
            f"{person(people.relay_contact, people.names)}",
        ]
    )


def issue_body(
    template: str,
    *,
    number: int,
    intake: Intake,
    route: Route,
    people: People,
    mention: str,
    event_labels: Mapping[str, str],
) -> str:
    """The issue description: the template filled in, the people, the intake, the mention,
    the marker."""
    details = intake_section(intake, event_labels=event_labels)
    who = people_section(people)
    values = {
        "mention": mention,
        "case": str(number),
        "organisation": inline(intake.organisation),
        "route": route.label,
        "people": who,
        "intake": details,
    }
    body = fill_template(template, values).strip()
    if details not in body:  # a template of the team's own, without `{{intake}}`
        body = f"{body}\n\n## Request\n\n{details}"
    if who not in body:  # nor `{{people}}`
        body = body.replace(details, f"{who}\n{details}", 1)
    if mention not in body:
        body = f"{mention}\n\n{body}"
    return f"{body}\n\n{comment(case_marker(number))}\n"


# -- internal notes -------------------------------------------------------------------------
@dataclass(frozen=True)
class NoteFacts:
    """One event, with what the note about it needs from the case at the time."""

    event_id: int
    action: str
    actor_id: str
    at: datetime
    from_state: State | None
    to_state: State
    reason: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    finding: str | None = None
    artefacts: Mapping[str, str] = field(default_factory=dict)
    scope: str | None = None
    gap_url: str | None = None
    no_gap_reason: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)  # Slack names the case knows, now


_HEADLINES = {
    "accept": "Request accepted into triage",
    "refer_to_legal": "Exception requested: referred to Legal",
    "legal_approve": "Legal approved the exception",
    "legal_deny": "Legal denied the exception; the request is rejected",
    "claim": "Case claimed",
    "unclaim": "Case released back to triage",
    "hand_over": "Case handed over",
    "add_finding": "Finding recorded",
    "request_rescope": "Re-scope requested from the requester",
    "rescope": "Request re-scoped by the requester",
    "rescope_to_legal": "Request re-scoped by the requester; its exception goes to Legal first",
    "release": "Owner released: the edited request needs another team",
    "resume": "Back with its owner after Legal's approval",
    "cost_notice": "Cost notice recorded",
    "submit_for_review": "Artefacts submitted for review",
    "review_approve": "Review approval",
    "review_complete": "Both reviews approved",
    "review_reject": "Review rejected; back to the handler",
    "mark_shared": "Artefacts shared with the customer",
    "record_gap": "Audit Events gap step recorded",
    "close": "Case closed",
    "withdraw": "Request withdrawn",
    "decline": "Request declined by the handler as unreasonable; the case is closed",
    "customer_update": "Customer update relayed",
    "purge": "Personal data purged from the bot",
    "restore_confidential": "Confidentiality restored by the bot",
    "restore_label": "State label put back by the bot",
}


_DIGESTS = {"review_approve": "Approved bag digest", "mark_shared": "Shared bag digest"}
# Whom a role went to, named as the case knows them when the note is written.
_HANDED_TO = {"hand_over": "New owner", "relay_hand_over": "New relay contact"}


def _details(facts: NoteFacts) -> list[str]:
    lines: list[str] = []
    if facts.action in _HANDED_TO and facts.data.get("to"):
        to = person(str(facts.data["to"]), facts.names)
        lines.append(f"{_HANDED_TO[facts.action]}: {to}")
    if moved := route_move(facts.data):
        lines.append(f"Route: {moved[0].label} → {moved[1].label}")
    if facts.action == "review_approve" and facts.data.get("as"):
        lines.append(f"Approved as: {inline(str(facts.data['as'])).capitalize()} reviewer")
    if facts.action in _DIGESTS and facts.data.get("digest"):
        lines.append(f"{_DIGESTS[facts.action]}: {inline(str(facts.data['digest']))}")
    if facts.action == "add_finding":
        lines += ["", quote(facts.finding or "(the finding's text has been purged)")]
    for name, value in facts.artefacts.items():
        lines.append(f"- **{name}:** {inline(value)}")
    if facts.action == "submit_for_review" and facts.data.get("redacted"):
        lines.append("- **Redaction:** confirmed by the handler when submitting")
    if facts.scope:
        lines += ["", facts.scope]
    if facts.gap_url:
        lines.append(f"Gap issue: {facts.gap_url}")
    if facts.no_gap_reason:
        lines += ["No gap, because:", "", quote(facts.no_gap_reason)]
    if facts.reason:
        lines += ["", "Reason:", "", quote(facts.reason)]
    return lines


def event_note(facts: NoteFacts) -> str:
    """An internal note: what happened, who did it (Slack id), when, and the state move."""
    headline = _HEADLINES.get(facts.action, inline(facts.action.replace("_", " ")).capitalize())
    moved = ""
    if facts.from_state is not None and facts.from_state is not facts.to_state:
        moved = f" — state {facts.from_state.label} → {facts.to_state.label}"
    lines = [
        f"**{headline}**{moved}",
        "",
        f"By {person(facts.actor_id, facts.names)} at {_when(facts.at)}.",
        *_details(facts),
        "",
        comment(event_marker(facts.event_id)),
    ]
    return "\n".join(lines) + "\n"


def _link(url: str) -> str:
    """A link Slack gave, shown as is; anything unlike one stays inert text."""
    return url if re.fullmatch(r"https://[^\s<>()\[\]\\`'\"]+", url) else inline(url)


def card_link_note(number: int, url: str) -> str:
    """The internal note that links the issue to the case's card in Slack, once it is up."""
    lines = [
        "**The case in Slack**",
        "",
        f"Case {number} is worked from its card in the triage channel: {_link(url)}",
        "",
        comment(card_marker(number)),
    ]
    return "\n".join(lines) + "\n"


# -- the Audit Events gap issue ---------------------------------------------------------------
def gap_body(description: str, marker: str) -> str:
    """Only the gap, in the handler's words, and an opaque marker for idempotent creation."""
    return f"{quote(description)}\n\n{comment(marker)}\n"
