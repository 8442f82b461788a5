"""Authenticity: only requests Slack signed, recently, reach the bot; retries of one event act
once; outsiders, guests and channels shared outside get nothing, even when sharing starts
after a case was filed.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from bot.standins.workspace import OUTSIDE_TEAM, TEAM, TRIAGE, intake_answers
from messages.ids import case_value
from tests.reliability.conftest import assert_no_leak, case_facts, count

FORM = "application/x-www-form-urlencoded"


def test_forged_missing_and_replayed_signatures_get_401_and_record_nothing(desk):
    view = desk.open_intake("UREQ")
    now = int(time.time())
    answers = [
        desk.submit(view, intake_answers(), signature="v0=" + "0" * 64),
        desk.submit(view, intake_answers(), signature="v1=nonsense"),
        desk.submit(view, intake_answers(), timestamp=now - 5 * 60 - 2),  # replayed
        desk.submit(view, intake_answers(), timestamp=now - 3600),
        desk.submit(view, intake_answers(), timestamp=now + 3600),  # from the future
        desk.sender.post_raw("command=/info-request&user_id=UREQ", {"Content-Type": FORM}),
        desk.sender.post_raw(
            "command=/info-request&user_id=UREQ",
            {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(now)},
        ),
    ]
    for response in answers:
        count("authenticity", response)
    assert [r.status_code for r in answers] == [401] * len(answers)
    assert case_facts(desk) == {}


def test_a_replayed_click_with_a_valid_but_old_signature_changes_nothing(desk):
    desk.file("UREQ")
    desk.wait_for_card(1)
    before = case_facts(desk)
    stale = desk.sender.block_action(
        "case_claim",
        case_value(1),
        user_id="USUP",
        team_id=TEAM,
        channel_id=TRIAGE,
        timestamp=int(time.time()) - 301,
    )
    assert count("authenticity", stale).status_code == 401
    assert case_facts(desk) == before


def test_an_unsigned_request_with_a_non_numeric_timestamp_gets_401_and_posts_nowhere(desk):
    form = {
        "command": "/info-request",
        "user_id": "UREQ",
        "team_id": TEAM,
        "channel_id": "C0WORK",
        "response_url": desk.slack.new_response_url("UREQ"),
    }
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "x"}
    response = count("authenticity", desk.sender.post_raw(urlencode(form), headers))
    desk.settle()
    assert desk.slack.calls("response_url") == [], "an unsigned request made the bot post"
    assert response.status_code == 401


UNPARSEABLE = {
    "payload is not JSON": (urlencode({"payload": "not json"}), FORM),
    "payload is a list": (urlencode({"payload": "[1, 2]"}), FORM),
    "payload is null": (urlencode({"payload": "null"}), FORM),
    "JSON body is a list": ("[1]", "application/json"),
    "JSON body is cut short": ('{"type": "event_callback"', "application/json"),
}


@pytest.mark.parametrize("body, content_type", UNPARSEABLE.values(), ids=UNPARSEABLE.keys())
def test_an_unsigned_unparseable_body_gets_401_not_500(desk, body, content_type):
    response = count("authenticity", desk.sender.post_raw(body, {"Content-Type": content_type}))
    assert response.status_code == 401


@pytest.mark.parametrize(
    "payload",
    [
        "[1, 2]",
        "null",
        json.dumps(
            {
                "type": "view_submission",
                "user": {"id": "UREQ", "team_id": TEAM},
                "team": {"id": TEAM},
                "view": {"callback_id": "finding", "private_metadata": case_value(1)},
            }
        ),
    ],
    ids=["list", "null", "view without type"],
)
def test_a_signed_but_malformed_payload_gets_a_4xx_not_500(desk, payload):
    response = desk.sender.post_signed(urlencode({"payload": payload}), FORM)
    assert count("authenticity", response).status_code < 500
    assert_no_leak(response.text, "the HTTP answer")


def test_event_retries_publish_the_home_tab_once_per_event_id(desk):
    desk.file("UREQ")
    desk.wait_for_card(1)
    desk.settle(1)
    desk.slack.reset_calls()  # the card's delivery refreshed the home tab already
    event = {"type": "app_home_opened", "user": "UREQ", "channel": "DUREQ", "tab": "home"}
    for event_id in ("EvA", "EvB"):
        for retry in (None, 1, 2, 3):
            response = desk.sender.event(
                event, team_id=TEAM, event_id=event_id, retry_num=retry, retry_reason="http_error"
            )
            assert count("authenticity", response).status_code == 200
    desk.wait_until(lambda: len(desk.slack.calls("views.publish")) >= 2, what="home tabs")
    desk.settle()  # every listener has finished: a duplicate would have shown itself
    assert len(desk.slack.calls("views.publish")) == 2  # once per distinct event


@pytest.mark.parametrize(
    "user, team", [("UEXT", OUTSIDE_TEAM), ("UEXT", TEAM), ("UGUEST", TEAM), ("USUP", OUTSIDE_TEAM)]
)
def test_outsiders_and_guests_cannot_claim_even_with_a_real_button(desk, user, team):
    desk.file("UREQ")
    card = desk.wait_for_card(1)
    before = case_facts(desk)
    response = desk.sender.block_action(
        "case_claim",
        case_value(1),
        user_id=user,
        team_id=team,
        channel_id=TRIAGE,
        message=card,
        response_url=desk.slack.new_response_url(user, channel_id=TRIAGE),
    )
    assert count("authenticity", response).status_code == 200
    told = desk.wait_until(lambda: desk.slack.ephemerals_to(user), what="refusal")
    assert "only works for members of this workspace" in told[0]["text"]
    assert case_facts(desk) == before


def posts_after(desk, moment: float) -> list:
    return [c for c in desk.slack.calls() if c.time >= moment and c.args.get("channel") == TRIAGE]


def test_no_case_message_reaches_the_triage_channel_once_it_is_shared(desk):
    desk.file("UREQ")
    desk.wait_for_card(1)
    desk.slack.set_channel(TRIAGE, is_ext_shared=True, is_shared=True)
    shared_at = time.time()
    response = desk.click("case_claim", case_value(1), user="USUP")
    assert count("authenticity", response).status_code == 200
    desk.wait_until(lambda: desk.listeners.idle(), what="the click to be handled")
    desk.bot.delivery.slack_drain.run()
    written = [c for c in posts_after(desk, shared_at) if c.method.startswith("chat.")]
    assert written == [], "a case message went into a channel shared outside the company"


def test_a_card_update_waits_in_the_outbox_when_the_channel_is_shared_once_the_cache_expires(
    desk,
):
    """What holds today: past the channel cache, the card is held back, not posted or lost."""
    desk.file("UREQ")
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USUP")
    desk.slack.set_channel(TRIAGE, is_ext_shared=True, is_shared=True)
    desk.bot.gateway._channels.forget(TRIAGE)  # what 60 s of waiting would do
    shared_at = time.time()
    desk.bot.use_cases.casework.unclaim(1, desk.bot.roles.actor("USUP"))
    desk.bot.delivery.slack_drain.run()
    assert [c for c in posts_after(desk, shared_at) if c.method.startswith("chat.")] == []
    facts = case_facts(desk)[1]
    assert facts[0] == "triage"
