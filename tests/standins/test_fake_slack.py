"""Self-tests of the Slack fakes, driven by the real slack_sdk client and verifier.

If these pass, end-to-end tests can trust that a failure means the bot is
wrong, not the harness.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from bot.standins.slack_api import FakeSlack
from bot.standins.slack_payloads import plain_text_input, state_values, static_select
from bot.standins.slack_requests import SlackSender

SECRET = "test-signing-secret"
INPUT_MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "request",
    "title": {"type": "plain_text", "text": "Request"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "customer",
            "label": {"type": "plain_text", "text": "Customer"},
            "element": {"type": "plain_text_input", "action_id": "customer"},
        },
        {
            "type": "input",
            "block_id": "kind",
            "label": {"type": "plain_text", "text": "Kind"},
            "element": {
                "type": "static_select",
                "action_id": "kind",
                "options": [{"text": {"type": "plain_text", "text": "Logs"}, "value": "logs"}],
            },
        },
    ],
}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        slack.add_user("U1", tz="America/New_York", name="alice")
        slack.add_channel("C1", members=("UBOT", "U1"))
        yield slack


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.bot_token, base_url=fake.base_url, timeout=5)


def _error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(excinfo.value.response["error"])


def test_identity_methods(fake: FakeSlack, client: WebClient) -> None:
    auth = client.auth_test()
    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == ("T0INSIDE", "UBOT", "BBOT")

    user = client.users_info(user="U1")["user"]
    assert user["team_id"] == "T0INSIDE" and user["name"] == "alice"
    assert user["tz_offset"] in (-5 * 3600, -4 * 3600)
    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user="UNOPE")
    assert _error(excinfo) == "user_not_found"

    fake.add_usergroup("S1", ["U1"])
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1"]
    fake.set_usergroup("S1", [])
    assert client.usergroups_users_list(usergroup="S1")["users"] == []
    with pytest.raises(SlackApiError) as excinfo:
        client.usergroups_users_list(usergroup="S404")
    assert _error(excinfo) == "no_such_subteam"


def test_auth_and_unknown_method(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(token="xoxb-wrong", base_url=fake.base_url).auth_test()
    assert _error(excinfo) == "invalid_auth"
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(base_url=fake.base_url).auth_test()
    assert _error(excinfo) == "not_authed"
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(token=fake.bot_token, base_url=fake.base_url).api_call("files.nope")
    assert _error(excinfo) == "unknown_method"


def test_conversations(fake: FakeSlack, client: WebClient) -> None:
    info = client.conversations_info(channel="C1")["channel"]
    assert info["is_private"] and info["is_member"] and not info["is_ext_shared"]
    fake.set_channel("C1", is_ext_shared=True, is_shared=True)
    assert client.conversations_info(channel="C1")["channel"]["is_ext_shared"]

    im = client.conversations_open(users="U1")["channel"]["id"]
    assert im == "DU1"
    assert client.conversations_info(channel=im)["channel"]["is_im"]
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_info(channel="C404")
    assert _error(excinfo) == "channel_not_found"


def test_views_and_triggers(fake: FakeSlack, client: WebClient) -> None:
    trigger = fake.issue_trigger("U1")
    view = client.views_open(trigger_id=trigger, view=INPUT_MODAL)["view"]
    assert view["id"].startswith("V") and view["callback_id"] == "request"
    assert fake.views_for("U1")[0]["id"] == view["id"]

    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id=trigger, view=INPUT_MODAL)
    assert _error(excinfo) == "exchanged_trigger_id"
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id="1.2.never-issued", view=INPUT_MODAL)
    assert _error(excinfo) == "invalid_trigger_id"
    fake.trigger_ttl = 0.0  # a trigger whose 3 s are over by the time it is used
    stale = fake.issue_trigger("U1")
    fake.trigger_ttl = 3.0
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id=stale, view=INPUT_MODAL)
    assert _error(excinfo) == "expired_trigger_id"

    updated = client.views_update(view_id=view["id"], hash=view["hash"], view=INPUT_MODAL)
    assert updated["view"]["id"] == view["id"] and updated["view"]["hash"] != view["hash"]
    with pytest.raises(SlackApiError) as excinfo:
        client.views_update(view_id=view["id"], hash=view["hash"], view=INPUT_MODAL)
    assert _error(excinfo) == "hash_conflict"
    with pytest.raises(SlackApiError) as excinfo:
        client.views_update(view_id="VNOPE", view=INPUT_MODAL)
    assert _error(excinfo) == "not_found"
    assert fake.validation_errors == []


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_chat_messages(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C1", text="hello")
    client.chat_update(channel="C1", ts=posted["ts"], text="hello again")
    assert [m["text"] for m in fake.messages_in("C1")] == ["hello again"]
    assert [m["text"] for m in fake.channel_posts()] == ["hello", "hello again"]

    dm = client.chat_postMessage(channel="U1", text="psst")
    assert dm["channel"] == "DU1" and float(dm["ts"]) > float(posted["ts"])
    assert [m["text"] for m in fake.dms_to("U1")] == ["psst"]

    failures = {
        "message_not_found": lambda: client.chat_update(channel="C1", ts="1.000001", text="x"),
        "not_in_channel": lambda: client.chat_postMessage(channel="C2", text="x"),
        "channel_not_found": lambda: client.chat_postMessage(channel="C404", text="x"),
        "no_text": lambda: client.chat_postMessage(channel="C1"),
    }
    fake.add_channel("C2", members=())
    for expected, call in failures.items():
        with pytest.raises(SlackApiError) as excinfo:
            call()
        assert _error(excinfo) == expected
    fake.wait_for("chat.postMessage", lambda args: args.get("channel") == "C404", timeout=1)


def test_invalid_block_kit_is_rejected(fake: FakeSlack, client: WebClient) -> None:
    long_button = [
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "b",
                    "text": {"type": "plain_text", "text": "x" * 80},
                }
            ],
        }
    ]
    long_option = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "pick"},
            "accessory": {
                "type": "static_select",
                "action_id": "s",
                "options": [{"text": {"type": "plain_text", "text": "x" * 80}, "value": "v"}],
            },
        }
    ]
    for blocks in (long_button, long_option):
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="C1", text="t", blocks=blocks)
        assert _error(excinfo) == "invalid_blocks"
        assert excinfo.value.response["errors"]
    no_submit = {key: value for key, value in INPUT_MODAL.items() if key != "submit"}
    with pytest.raises(SlackApiError) as excinfo:
        client.views_open(trigger_id=fake.issue_trigger("U1"), view=no_submit)
    assert _error(excinfo) == "invalid_arguments"
    assert len(fake.validation_errors) >= 3
    assert fake.messages_in("C1") == []

    # Form-encoded blocks (a JSON string inside form data) are decoded and validated too.
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call(
            "chat.postMessage", data={"channel": "C1", "blocks": json.dumps(long_option)}
        )
    assert _error(excinfo) == "invalid_blocks"
    assert fake.calls("chat.postMessage")[-1].args["blocks"] == long_option


def test_rate_limit_is_retried_by_sdk_handler(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    retrying = WebClient(
        token=fake.bot_token,
        base_url=fake.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert retrying.chat_postMessage(channel="C1", text="eventually")["ok"]
    assert [c.status for c in fake.calls("chat.postMessage")] == [429, 200]


def test_faults_and_hangs(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("users.info", error="fatal_error", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError):
            client.users_info(user="U1")
    assert client.users_info(user="U1")["ok"]
    fake.fail_next("auth.test", status=503)
    with pytest.raises(SlackApiError) as excinfo:
        client.auth_test()
    assert excinfo.value.response.status_code == 503

    fake.set_hang("auth.test", 0.2)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.2


def test_response_urls_and_ephemerals(fake: FakeSlack, client: WebClient) -> None:
    url = fake.new_response_url("U1", channel_id="C1")
    assert requests.post(url, json={"text": "only you"}, timeout=5).text == "ok"
    client.chat_postEphemeral(channel="C1", user="U1", text="also only you")
    assert [e["text"] for e in fake.ephemerals_to("U1")] == ["only you", "also only you"]
    assert requests.post(url, json={"response_type": "in_channel", "text": "all"}, timeout=5).ok
    assert [m["text"] for m in fake.messages_in("C1")] == ["all"]


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A tiny HTTP server standing in for the bot, capturing (headers, body) of each POST."""
    received: list[tuple[dict[str, str], bytes]] = []

    class Capture(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers.items()), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Silence the default stderr log."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def _send_one_of_each(sender: SlackSender) -> None:
    """Command, submission, click, event, then a forged and a stale command."""
    ids = {"user_id": "U1", "team_id": "T0INSIDE"}
    command_ids = {**ids, "channel_id": "C1", "trigger_id": "1.2.3", "response_url": "r"}
    sender.command(text="ACME", **command_ids)
    values = state_values({"customer": plain_text_input("ACME"), "kind": static_select("logs")})
    sender.view_submission({"id": "V1", **INPUT_MODAL}, values, **ids)
    sender.block_action("approve", "42", channel_id="C1", message_ts="1.000001", **ids)
    sender.event(
        {"type": "app_home_opened", "user": "U1"}, team_id="T0", event_id="E1", retry_num=1
    )
    sender.command(signature="v0=forged", **command_ids)
    sender.command(timestamp=int(time.time()) - 600, **command_ids)


def test_sender_signs_like_slack(
    receiver: tuple[str, list[tuple[dict[str, str], bytes]]],
) -> None:
    url, received = receiver
    with SlackSender(url, SECRET) as sender:
        _send_one_of_each(sender)
    verifier = SignatureVerifier(SECRET)
    verdicts = [
        verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
        for headers, body in received
    ]
    assert verdicts == [True, True, True, True, False, False]  # the last two: forged, stale
    command, submission, action, event = received[:4]
    form = parse_qs(command[1].decode())
    assert form["command"] == ["/info-request"] and form["text"] == ["ACME"]
    payload = json.loads(parse_qs(submission[1].decode())["payload"][0])
    assert payload["type"] == "view_submission" and payload["view"]["callback_id"] == "request"
    state = payload["view"]["state"]["values"]
    assert state["customer"]["customer"]["value"] == "ACME"
    assert state["kind"]["kind"]["selected_option"]["text"]["text"] == "Logs"
    click = json.loads(parse_qs(action[1].decode())["payload"][0])
    assert click["container"] == {
        "type": "message",
        "message_ts": "1.000001",
        "channel_id": "C1",
        "is_ephemeral": False,
    }
    assert click["actions"][0]["value"] == "42"
    assert event[0]["X-Slack-Retry-Num"] == "1"
    assert json.loads(event[1])["type"] == "event_callback"
