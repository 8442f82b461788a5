"""The triage card is posted to a channel, so it may carry only the facts the process allows.

Allowed: case number, organisation, route, state, counts, the window's length, the staff
involved and a link to the confidential issue. Never: paths, customer user names, the
namespace, the summary, the ticket link or other free text from the intake.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from datetime import timedelta

from bot.cases.model import CaseSnapshot, State
from messages.card import build_triage_card
from tests.factories import NOW, intake
from tests.messages.samples import (
    ISSUE_URL,
    OWNER,
    RELAY_CONTACT,
    REQUESTER,
    mrkdwn_texts,
    snapshot,
    snapshot_from_intake,
    strings,
)

# Name fragments of intake details a channel message must never show.
FORBIDDEN_FIELD_WORDS = (
    "project",
    "group",
    "user",
    "namespace",
    "summary",
    "ticket",
    "justification",
    "event_other",
    "description",
)

SECRET_INTAKE = intake(
    organisation="Acme",
    ticket_url="https://support.example.com/tickets/SECRET-TICKET-777",
    namespace="zebra-holdings",
    projects=("zebra-holdings/payroll-service", "zebra-holdings/hr/records"),
    groups=("zebra-holdings/finance",),
    users=("margaret.hamilton", "grace_hopper"),
    event_types=("sign_in", "other"),
    event_other="Webhook deliveries to the staging cluster",
    personal_data=True,
    summary="Ex-employee Bob Tables may have exported the payroll repo on Friday.",
    exception_justification="Renewal at risk; the CRO vouches for the customer.",
)


def _secrets() -> list[str]:
    i = SECRET_INTAKE
    return [
        i.ticket_url,
        "SECRET-TICKET-777",
        i.namespace,
        *i.projects,
        "payroll-service",
        *i.groups,
        *i.users,
        i.event_other,
        i.summary,
        "Bob Tables",
        i.exception_justification,
    ]


def _card_for(case: CaseSnapshot) -> str:
    return json.dumps(build_triage_card(case), ensure_ascii=False)


def test_card_never_shows_the_intakes_paths_users_summary_or_ticket() -> None:
    for state in State:
        case = snapshot_from_intake(
            SECRET_INTAKE,
            state=state,
            owner_id=OWNER,
            issue_url=ISSUE_URL,
            long_window=True,
            approvals=(("Security", "U0SECURITY"), ("Legal", "U0LEGAL")),
        )
        card = _card_for(case).casefold()
        leaked = [secret for secret in _secrets() if secret.casefold() in card]
        assert leaked == [], f"the {state.label} card shows intake details: {leaked}"


def test_case_snapshot_has_no_field_that_could_carry_intake_details() -> None:
    # The card builder sees only a CaseSnapshot; this keeps it that way.
    for field in dataclasses.fields(CaseSnapshot):
        named_like_detail = [w for w in FORBIDDEN_FIELD_WORDS if w in field.name.casefold()]
        assert named_like_detail == [], (
            f"CaseSnapshot.{field.name} looks like an intake detail ({named_like_detail}); the "
            "triage card is posted to a channel and must not receive it"
        )
        assert "Intake" not in str(field.type), f"CaseSnapshot.{field.name} carries an Intake"


def test_card_builder_takes_only_a_case_snapshot() -> None:
    parameters = inspect.signature(build_triage_card).parameters
    assert list(parameters) == ["case"]


def test_card_for_acme_shows_only_the_allowed_facts() -> None:
    case = snapshot(
        number=4711,
        organisation="Acme",
        state=State.INVESTIGATING,
        owner_id=OWNER,
        issue_url=ISSUE_URL,
        window_start=NOW - timedelta(days=3),
        window_end=NOW - timedelta(days=1),
        resource_count=5,
        event_count=4,
    )
    card = build_triage_card(case)
    texts = mrkdwn_texts(card)
    # Slack acts on `<...>`: only the requester, the owner and the confidential issue may appear.
    tokens = {token for text in texts for token in re.findall(r"<([^>]*)>", text)}
    assert tokens == {f"@{REQUESTER}", f"@{OWNER}", f"{ISSUE_URL}|Confidential issue"}
    # The relay contact is staff, but the card has no reason to ping them.
    assert all(RELAY_CONTACT not in s for s in strings(card))
    # The organisation is named in the heading and the notification line, nowhere else.
    assert [s for s in strings(card) if "Acme" in s] == [
        "Case 4711: Acme — Support, investigating",
        "*Case 4711* · Acme",
    ]
    # The remaining facts: route, state, window length and counts.
    facts = "\n".join(texts)
    for fact in ("Support", "investigating", "2.0 days", "5 resources", "4 event types"):
        assert fact in facts
