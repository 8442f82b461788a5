"""The cadence's Slack messages: pure builders, parsed by slack_sdk's models, no mocks."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from slack_sdk.models.blocks import Block

from bot.cases.model import State
from messages.ids import ActionId, decode_case_value
from messages.reminders import (
    MAX_FINDINGS_SHOWN,
    FindingNote,
    build_escalation,
    build_owner_nudge,
    build_update_reminder,
    slack_date,
)
from tests.factories import NOW
from tests.messages.samples import OWNER, snapshot, walk

CASE = snapshot(state=State.INVESTIGATING, owner_id=OWNER)
LAST = NOW - timedelta(hours=13)
DUE = NOW - timedelta(hours=1)
NOTE = FindingNote(at=NOW - timedelta(hours=3), author_id=OWNER, text="jdoe <!channel> & co")


def parsed(message: dict) -> list[dict]:
    blocks = Block.parse_all(message["blocks"])
    assert None not in blocks
    return [block.to_dict() for block in blocks]


def buttons(message: dict) -> dict[str, str]:
    return {
        node["action_id"]: node["value"]
        for _, node in walk(message["blocks"])
        if isinstance(node, dict) and node.get("type") == "button"
    }


def test_slack_date_shows_each_reader_their_zone_and_falls_back_to_utc():
    assert slack_date(NOW) == (
        f"<!date^{int(NOW.timestamp())}^{{date_short_pretty}} at {{time}}|2026-11-25 15:00 UTC>"
    )


def test_the_reminder_names_the_case_quotes_findings_and_offers_update_and_snooze():
    message = build_update_reminder(CASE, last_update=LAST, due_at=DUE, findings=[NOTE])
    parsed(message)
    text = json.dumps(message)
    assert "case 101" in message["blocks"][0]["text"]["text"]
    assert "Acme Corp" in text
    assert f"<!date^{int(LAST.timestamp())}^{{ago}}" in text  # time since the last update
    assert "jdoe &lt;!channel&gt; &amp; co" in text  # escaped: it can't ping anyone
    assert set(buttons(message)) == {
        ActionId.UPDATE_SENT,
        ActionId.SNOOZE_1H,
        ActionId.SNOOZE_2H,
        ActionId.SNOOZE_4H,
    }
    assert {decode_case_value(v) for v in buttons(message).values()} == {101}


def test_the_reminder_says_so_when_nothing_was_found_and_caps_long_lists():
    empty = build_update_reminder(CASE, last_update=LAST, due_at=DUE, findings=[])
    assert "Nothing new was logged" in json.dumps(empty)
    many = [FindingNote(NOW, OWNER, f"note {n} " + "x" * 900) for n in range(25)]
    message = build_update_reminder(CASE, last_update=None, due_at=DUE, findings=many)
    parsed(message)
    text = json.dumps(message)
    assert f"latest {MAX_FINDINGS_SHOWN} of 25" in text
    assert "note 24" in text and "note 14 " not in text
    assert len(message["blocks"]) <= 50


def test_the_owner_nudge_offers_the_add_finding_button():
    message = build_owner_nudge(CASE, last_update=LAST, due_at=DUE)
    parsed(message)
    assert buttons(message) == {ActionId.ADD_FINDING: '{"case":101}'}


@pytest.mark.parametrize("state", [State.TRIAGE, State.IN_REVIEW])
def test_the_escalation_carries_no_personal_data(state):
    case = snapshot(state=state)
    message = build_escalation(case, due_at=DUE)
    parsed(message)
    text = json.dumps(message)
    for expected in ("case 101", "Acme Corp", case.route.label, state.label, "{ago}"):
        assert expected in text
    assert "<@" not in text and buttons(message) == {}
