"""Socket Mode, proven: the bot connects as `python -m bot socket` does (Bolt's handler on
slack_sdk's built-in client), the fake Slack hands out a WebSocket URL from
`apps.connections.open` and delivers envelopes over it, and the intake-to-card and claim
scenarios run as they do over HTTP, across a refresh and a dropped connection."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.standins.desk import Desk, start_socket_desk, stop_desk
from bot.standins.workspace import TRIAGE, intake_answers
from db.models import Case
from db.session import transaction


@pytest.fixture
def socket_desk(db_url: str) -> Iterator[Desk]:
    desk = start_socket_desk(db_url)
    yield desk
    stop_desk(desk)
    assert desk.slack.validation_errors == [], "the bot sent Block Kit that Slack would refuse"
    assert desk.slack.internal_errors == []


def file_to_card(desk: Desk, n: int) -> None:
    view = desk.open_intake("UREQ")  # /info-request as a slash_commands envelope
    assert view["callback_id"] == "intake"
    body = desk.submit(view, intake_answers()).json()  # view_submission, answered in the ack
    assert body["response_action"] == "update"
    assert f"*case {n}* (Support)" in json.dumps(body["view"])
    card = desk.wait_for_card(n)
    assert card["text"] == f"Case {n}: Acme Corp — Support, triage"
    assert desk.wait_for_dm("UREQ", f"Case {n} filed")


def claim(desk: Desk, n: int) -> None:
    desk.press("case_claim", n, user="USUP")  # block_actions, acknowledged empty
    with transaction(desk.bot.sessions) as session:
        case = session.get(Case, n)
        assert (case.state, case.owner_id) == ("investigating", "USUP")
    assert "investigating" in desk.wait_for_card(n)["text"]


def test_the_bot_opens_its_connection_with_the_app_token(socket_desk):
    opened = socket_desk.slack.calls("apps.connections.open")
    assert len(opened) == 1 and opened[0].response["ok"]
    assert opened[0].response["url"].startswith("ws://127.0.0.1:")


def test_intake_to_card_and_claim_in_socket_mode(socket_desk):
    file_to_card(socket_desk, 1)
    claim(socket_desk, 1)
    posts = [p for p in socket_desk.slack.channel_posts() if p.get("channel") == TRIAGE]
    assert posts, "the card reached the triage channel"


def test_a_slash_command_answer_comes_back_in_the_ack(socket_desk):
    file_to_card(socket_desk, 1)
    reply = socket_desk.command("UREQ", "/case-status", "1").json()
    assert reply["text"].startswith("Case 1:")


def test_the_bot_reconnects_when_slack_asks_and_when_the_connection_drops(socket_desk):
    hub = socket_desk.slack.sockets
    file_to_card(socket_desk, 1)
    hub.refresh()  # Slack's `disconnect`: the client opens a new URL
    hub.wait_connected(after=1)
    claim(socket_desk, 1)
    hub.drop()  # no goodbye: the socket just closes
    hub.wait_connected(after=2)
    file_to_card(socket_desk, 2)
    claim(socket_desk, 2)
    assert len(socket_desk.slack.calls("apps.connections.open")) == 3
