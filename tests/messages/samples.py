"""Fixed cases, catalogue and a tree walker shared by the message tests.

Every datetime derives from `tests.factories.NOW`, so builder output is the same on every run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.cases.model import CaseSnapshot, Collected, Intake, Route, State, count_events
from messages.catalogue import EventType
from tests import factories
from tests.factories import NOW

REQUESTER = "U0REQUESTER"
RELAY_CONTACT = "U0RELAY"
OWNER = "U0OWNER"
TRIAGE_CHANNEL = "C0TRIAGE"
ISSUE_URL = "https://gitlab.example.com/security/log-requests/-/issues/103"
SECURITY_APPROVER = "U0SECURITY"
LEGAL_APPROVER = "U0LEGAL"

# A reason a handler or Legal typed into a case modal: it reaches a DM, so it must not ping.
REASON = "Only <@U0OTHER>'s project & the last 2 days, please <!channel>"

# A small catalogue of its own, so an edit to the bundled file does not rewrite the modal goldens.
# It holds the event types `tests.factories.intake()` picks.
CATALOGUE = (
    EventType("sign_in", "Sign-ins (successful)"),
    EventType("pat", "Personal, project or group access tokens created, used or revoked"),
    EventType("git_push", "Repository pushes, including force pushes"),
)


def snapshot(**changes: Any) -> CaseSnapshot:
    """A Support case in triage, nobody on it yet, 3 days back: change only what matters."""
    base = CaseSnapshot(
        number=101,
        state=State.TRIAGE,
        route=Route.SUPPORT,
        organisation="Acme Corp",
        requester_id=REQUESTER,
        relay_contact_id=RELAY_CONTACT,
        owner_id=None,
        created_at=NOW,
        window_start=NOW - timedelta(days=3),
        window_end=NOW - timedelta(days=1),
        long_window=False,
        exception_requested=False,
        personal_data=False,
        resource_count=3,
        event_count=2,
    )
    return replace(base, **changes)


SUPPORT_IN_TRIAGE = snapshot()
SIRT_PENDING_LEGAL = snapshot(
    number=102,
    state=State.PENDING_LEGAL,
    route=Route.SIRT,
    window_start=NOW - timedelta(days=20),
    long_window=True,
    personal_data=True,
    exception_requested=True,
)
INVESTIGATING_WITH_OWNER = snapshot(
    number=103, state=State.INVESTIGATING, owner_id=OWNER, issue_url=ISSUE_URL
)


def snapshot_from_intake(filed: Intake, **changes: Any) -> CaseSnapshot:
    """The snapshot a filed intake turns into, as `db.cases.snapshot` reads it back."""
    assert filed.window_start is not None and filed.window_end is not None
    return snapshot(
        organisation=filed.organisation,
        window_start=filed.window_start,
        window_end=filed.window_end,
        exception_requested=filed.exception_requested,
        personal_data=bool(filed.personal_data),
        resource_count=filed.resource_count,
        event_count=count_events(filed.event_types, filed.event_other),
        **changes,
    )


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every node of a Block Kit tree with a readable path such as `blocks[2].element`."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}[{index}]")


def strings(node: Any) -> list[str]:
    """Every string in a Block Kit tree: what Slack could show or act on."""
    return [value for _, value in walk(node) if isinstance(value, str)]


def mrkdwn_texts(node: Any) -> list[str]:
    """The strings Slack formats as mrkdwn (where `<...>` pings and links)."""
    return [
        value["text"]
        for _, value in walk(node)
        if isinstance(value, dict) and value.get("type") == "mrkdwn"
    ]


# What the participants read of a request, and of artefacts under review.
INTAKE = factories.intake(exception_justification="A board member's account; <!channel> urgent.")
COLLECTED = Collected(
    description="API and audit log lines for <@U0OTHER>'s token",
    count=42,
    location="https://storage.example.com/case-101/bag",
    checksum="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    submitted_by=OWNER,
)
