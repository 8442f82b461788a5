"""The Bolt app's listeners, driven through Bolt's own dispatch with signed requests.

No HTTP server in between (that is tests/e2e): a realistic payload, signed headers,
`app.dispatch(BoltRequest(...))`, and the local fake Slack Web API behind the client, as in
Bolt's scenario tests. Each test checks what the person sees and what the case became.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.app.filing import Requester
from bot.cases.model import State
from bot.config import load_settings
from bot.slack.replies import FORGED
from bot.standins.desk import wait_until
from bot.standins.slack_api import FakeSlack
from bot.standins.workspace import SECRET, TEAM, TRIAGE, populate, settings_env
from bot.wiring import Bot, build_bot
from db import cases as case_repo
from db.session import reading
from messages.ids import ActionId, Block, Callback, case_value
from tests.factories import NOW, intake


@pytest.fixture
def wired(db_url: str) -> Iterator[tuple[Bot, App, FakeSlack]]:
    with FakeSlack() as slack:
        populate(slack)
        settings = load_settings(settings_env(slack, db_url), dotenv_path=None)
        bot = build_bot(settings, clock=lambda: NOW)
        yield bot, bot.slack_app(), slack
        bot.sessions.kw["bind"].dispose()


def _dispatch(app: App, payload: dict[str, Any]) -> Any:
    body = urlencode({"payload": json.dumps(payload)})
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [timestamp],
        "x-slack-signature": [signature],
    }
    return app.dispatch(BoltRequest(body=body, headers=headers))


def _user(user_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_id.lower(), "team_id": TEAM}


def _click(slack: FakeSlack, user_id: str, action: ActionId, value: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": _user(user_id),
        "api_app_id": "A0BOT",
        "trigger_id": slack.issue_trigger(user_id),
        "container": {"type": "message", "channel_id": TRIAGE, "message_ts": "1.000001"},
        "channel": {"id": TRIAGE},
        "message": {"ts": "1.000001", "text": "card"},
        "response_url": slack.new_response_url(user_id, channel_id=TRIAGE),
        "actions": [{"action_id": action.value, "block_id": "b", "type": "button", "value": value}],
    }


def _file(bot: Bot) -> int:
    requester = Requester(user_id="UREQ", team_id=TEAM)
    filed = bot.use_cases.filing.submit_intake(intake=intake(), requester=requester, view_id="V1")
    return filed.case.number


def _case(bot: Bot, number: int) -> Any:
    with reading(bot.sessions) as session:
        return case_repo.snapshot(case_repo.get(session=session, case_id=number))


def test_a_claim_click_records_the_claim_before_the_ack(wired):
    bot, app, slack = wired
    number = _file(bot)
    response = _dispatch(app, _click(slack, "USUP", ActionId.CLAIM, case_value(number)))
    assert response.status == 200
    case = _case(bot, number)
    assert (case.state, case.owner_id) == (State.INVESTIGATING, "USUP")


def test_a_refused_click_changes_nothing_and_says_why(wired):
    bot, app, slack = wired
    number = _file(bot)
    response = _dispatch(app, _click(slack, "ULEGAL", ActionId.CLAIM, case_value(number)))
    assert response.status == 200
    assert _case(bot, number).state is State.TRIAGE
    told = wait_until(lambda: slack.ephemerals_to("ULEGAL"), 10, "the refusal")
    assert told[0]["text"] == "Only Support or SIRT handlers can claim this Support case."


def test_a_forged_case_value_is_refused(wired):
    bot, app, slack = wired
    number = _file(bot)
    response = _dispatch(app, _click(slack, "USUP", ActionId.CLAIM, '{"case": "x"}'))
    assert response.status == 200
    assert _case(bot, number).state is State.TRIAGE
    told = wait_until(lambda: slack.ephemerals_to("USUP"), 10, "the refusal")
    assert told[0]["text"] == FORGED


def test_a_refused_submission_answers_on_its_field(wired):
    bot, app, slack = wired
    number = _file(bot)
    _dispatch(app, _click(slack, "USUP", ActionId.CLAIM, case_value(number)))
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": _user("USUP"),
        "api_app_id": "A0BOT",
        "view": {
            "id": "VFINDING",
            "type": "modal",
            "callback_id": Callback.FINDING.value,
            "private_metadata": case_value(number),
            "state": {"values": {Block.TEXT.value: {"input": {"type": "plain_text_input"}}}},
        },
    }
    response = _dispatch(app, payload)
    assert response.status == 200
    answer = json.loads(response.body)
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {Block.TEXT.value: "Write what you found."}
