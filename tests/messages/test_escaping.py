"""An organisation name is typed by a requester: in mrkdwn it must not ping, link or mislead."""

from __future__ import annotations

import pytest

from bot.cases.model import Limits
from messages.blocks import escape
from messages.card import build_triage_card
from messages.dm import build_receipt
from messages.intake import build_intake_modal
from tests.factories import intake
from tests.messages.samples import CATALOGUE, TRIAGE_CHANNEL, mrkdwn_texts, snapshot, strings
from tests.slack_mentions import broadcasts

PINGING = "<!channel> & <@U123>"
PINGING_ESCAPED = "&lt;!channel&gt; &amp; &lt;@U123&gt;"

# (what a requester typed, how mrkdwn must carry it)
HOSTILE_NAMES = [
    (PINGING, PINGING_ESCAPED),
    ("<!here>", "&lt;!here&gt;"),
    ("<!everyone>", "&lt;!everyone&gt;"),
    ("<!subteam^S123>", "&lt;!subteam^S123&gt;"),
    ("<#C123|general>", "&lt;#C123|general&gt;"),
    ("<https://evil.example|Acme>", "&lt;https://evil.example|Acme&gt;"),
    ("AT&T", "AT&amp;T"),
    ("Already &lt;escaped&gt;", "Already &amp;lt;escaped&amp;gt;"),
]
NAME_IDS = [typed for typed, _ in HOSTILE_NAMES]


def _card(organisation: str) -> dict:
    return build_triage_card(snapshot(organisation=organisation))


def _receipt(organisation: str) -> dict:
    return build_receipt(snapshot(organisation=organisation), triage_channel=TRIAGE_CHANNEL)


def test_channel_ping_in_organisation_is_escaped_on_the_card() -> None:
    card = _card(PINGING)
    assert card["blocks"][0]["text"]["text"] == f"*Case 101* · {PINGING_ESCAPED}"
    assert card["text"] == f"Case 101: {PINGING_ESCAPED} — Support, triage"


def test_channel_ping_in_organisation_is_escaped_in_the_receipt() -> None:
    heading = _receipt(PINGING)["blocks"][0]["text"]["text"]
    assert f"*{PINGING_ESCAPED}*" in heading


@pytest.mark.parametrize(("typed", "escaped"), HOSTILE_NAMES, ids=NAME_IDS)
def test_card_never_carries_the_typed_name_raw(typed: str, escaped: str) -> None:
    card = _card(typed)
    assert all(typed not in s for s in strings(card))
    assert escaped in card["text"]
    assert any(escaped in text for text in mrkdwn_texts(card))


@pytest.mark.parametrize(("typed", "escaped"), HOSTILE_NAMES, ids=NAME_IDS)
def test_receipt_blocks_never_carry_the_typed_name_raw(typed: str, escaped: str) -> None:
    blocks = _receipt(typed)["blocks"]
    assert all(typed not in s for s in strings(blocks))
    assert any(escaped in text for text in mrkdwn_texts(blocks))


def test_receipt_notification_text_escapes_the_organisation() -> None:
    receipt = _receipt(PINGING)
    assert receipt["text"] == f"Case 101 filed: {PINGING_ESCAPED} (Support)"


def test_prefilled_modal_shows_the_name_exactly_as_typed() -> None:
    # plain_text inputs are not mrkdwn: escaping there would show "&amp;" to the requester.
    modal = build_intake_modal(
        CATALOGUE, metadata="{}", limits=Limits(), initial=intake(organisation=PINGING)
    )
    values = [b["element"].get("initial_value") for b in modal["blocks"] if b["type"] == "input"]
    assert PINGING in values


@pytest.mark.parametrize("word", ["@channel", "@here", "@everyone", "@HERE"])
def test_typed_broadcast_words_are_kept_but_notify_nobody(word: str) -> None:
    shown = escape(f"Acme {word}!")
    assert shown == f"Acme @\u2060{word[1:]}!"  # reads the same; Slack no longer parses it
    assert broadcasts({"type": "mrkdwn", "text": shown}) == []
    assert broadcasts({"type": "mrkdwn", "text": f"Acme {word}!"}) != []


def test_addresses_and_longer_words_are_left_alone() -> None:
    assert escape("ops@here.example and @channels") == "ops@here.example and @channels"
