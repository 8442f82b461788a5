"""Hostile Slack input, generated: thousands of correctly signed commands, modal submissions
and button clicks with missing, extra, mistyped, huge and forged fields, sent to ONE served
bot per database. None may get a 5xx, show anyone a stack trace, or change a case the sender
has no right to touch.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.standins.desk import Desk
from bot.standins.slack_payloads import plain_text_input, static_select
from bot.standins.slack_requests import SlackSender
from bot.standins.workspace import SECRET, intake_answers
from tests.reliability import strategies as hs
from tests.reliability.conftest import assert_no_leak, case_facts, count, what_people_saw

# Generated examples per test on SQLite (each sends BATCH requests at once); the Postgres run
# sends a fifth of them. Bolt polls for the ack every 10 ms, so requests are sent in batches.
EXAMPLES = {"commands": 350, "submissions": 400, "clicks": 300}
BATCH = 4
PG_SHARE = 5

# The generated runs together take over a minute: marked slow (CI runs slow tests too).
pytestmark = pytest.mark.slow

# Seeded personal data: none of it may be shown to the people in strategies.NOT_ALLOWED.
SEED_MARKERS = ("seedsummary", "seeduser-one", "198.51.100.201", "seedproj")


@pytest.fixture(scope="module")
def seeded(served: Desk) -> Desk:
    """Three cases: one in triage, one claimed by Support, one waiting for Legal."""
    personal = {
        "users": plain_text_input("seeduser-one"),
        "projects": plain_text_input("acme-corp/seedproj"),
        "summary": plain_text_input("seedsummary: token used from 198.51.100.201"),
    }
    for extra in ({}, {}, {"plan": static_select("free"), "exception": plain_text_input("why")}):
        assert served.file("UREQ", **personal, **extra).status_code == 200
    for number in hs.SEEDED:
        served.wait_for_card(number)
    served.press("case_claim", 2, user="USUP")
    served.baseline = case_facts(served)  # type: ignore[attr-defined]
    assert [facts[0] for facts in served.baseline.values()] == [  # type: ignore[attr-defined]
        "triage",
        "investigating",
        "pending_legal",
    ]
    return served


def run(desk: Desk, name: str, strategy: st.SearchStrategy, send: Callable[..., Any]) -> None:
    """Sends BATCH generated requests at once per example and checks what must always hold."""
    examples = EXAMPLES[name] // (PG_SHARE if desk.kind == "postgres" else 1)  # type: ignore[attr-defined]
    baseline = desk.baseline  # type: ignore[attr-defined]
    senders = [SlackSender(desk.url, SECRET) for _ in range(BATCH)]
    pool = ThreadPoolExecutor(BATCH, thread_name_prefix="hostile")

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(batch=st.lists(strategy, min_size=BATCH, max_size=BATCH))
    def one(batch: list[dict[str, Any]]) -> None:
        answers = list(pool.map(lambda pair: send(desk, *pair), zip(senders, batch, strict=True)))
        for request, response in zip(batch, answers, strict=True):
            count(name, response)
            assert response.status_code < 500, (response.text, request)
            assert response.status_code != 401, "a correctly signed request was refused"
            assert_no_leak(response.text, "the HTTP answer")
            for secret in SEED_MARKERS:
                assert secret not in response.text, "another person's case data was shown"
        facts = case_facts(desk)
        for number, before in baseline.items():
            assert facts[number] == before, f"case {number} changed: {batch}"
        for number, new in facts.items():
            if number not in baseline:
                assert new[4] == "UAKL", f"case {number} filed by someone not allowed: {new}"

    try:
        one()
    finally:
        pool.shutdown()
        for sender in senders:
            sender.close()
    desk.settle()  # replies sent after the ack have gone out
    assert_no_leak(what_people_saw(desk), "what the bot showed people")
    for user in hs.NOT_ALLOWED:
        for shown in desk.slack.ephemerals_to(user) + desk.slack.views_for(user):
            for secret in SEED_MARKERS:
                assert secret not in json.dumps(shown), f"{user} was shown case data"


# -- slash commands ----------------------------------------------------------------------------
FORM_KEYS = (
    "token",
    "team_id",
    "team_domain",
    "channel_id",
    "channel_name",
    "user_id",
    "user_name",
    "command",
    "text",
    "api_app_id",
    "is_enterprise_install",
    "response_url",
    "trigger_id",
)


@st.composite
def command_forms(draw: st.DrawFn) -> dict[str, Any]:
    form: dict[str, Any] = {
        "token": "deprecated-verification-token",
        "team_id": draw(hs.teams),
        "team_domain": "inside",
        "channel_id": draw(hs.channels) or "",
        "channel_name": draw(hs.hostile_text),
        "user_id": draw(hs.users),
        "user_name": draw(hs.hostile_text),
        "command": draw(hs.commands),
        "text": draw(hs.hostile_text),
        "api_app_id": "A0BOT",
        "is_enterprise_install": draw(st.sampled_from(["false", "true", "maybe"])),
        "response_url": draw(st.sampled_from(["fake", "", "not a url"])),
        "trigger_id": draw(st.sampled_from(["real", "", "1.2.3"])),
    }
    for key in draw(st.lists(st.sampled_from(FORM_KEYS), max_size=4)):
        form.pop(key, None)  # missing fields
    extra = draw(st.dictionaries(st.text(min_size=1, max_size=10), hs.hostile_text, max_size=3))
    return {**extra, **form}


def send_command(desk: Desk, sender: SlackSender, form: dict[str, Any]) -> requests.Response:
    user = form.get("user_id") if isinstance(form.get("user_id"), str) else "UNOBODY"
    if form.get("response_url") == "fake":
        form["response_url"] = desk.slack.new_response_url(user, channel_id=form.get("channel_id"))
    if form.get("trigger_id") == "real":
        form["trigger_id"] = desk.slack.issue_trigger(user)
    return sender.post_signed(urlencode(form), "application/x-www-form-urlencoded")


def test_generated_slash_commands_never_fail_leak_or_change_a_case(seeded):
    run(seeded, "commands", command_forms(), send_command)


# -- modal submissions -------------------------------------------------------------------------
@st.composite
def submissions(draw: st.DrawFn) -> dict[str, Any]:
    callback = draw(hs.callbacks)
    values = draw(st.one_of(hs.state_values, st.just("valid")))
    view: dict[str, Any] = {
        "callback_id": callback,
        "private_metadata": draw(hs.case_reference),
        "blocks": draw(st.one_of(st.just([]), st.lists(hs.junk, max_size=3))),
    }
    extra = draw(st.dictionaries(st.text(min_size=1, max_size=10), hs.junk, max_size=2))
    for key, value in extra.items():
        view.setdefault(key, value)  # extra fields
    return {
        "view": view,
        "values": values,
        "user": draw(hs.users),
        "team": draw(hs.teams),
        "view_id": draw(
            st.one_of(st.none(), st.sampled_from(["intake-of-case-1"]), hs.hostile_text)
        ),
    }


def send_submission(desk: Desk, sender: SlackSender, request: dict[str, Any]) -> requests.Response:
    values = request["values"]
    view_id = request["view_id"]
    if view_id == "intake-of-case-1":  # forged: the modal UREQ filed case 1 from
        view_id = desk.slack.calls("views.open")[0].response["view"]["id"]
    view_id = view_id if isinstance(view_id, str) and view_id else None
    if values == "valid":  # a well-formed intake that must still be judged on who sent it
        return sender.view_submission(
            request["view"],
            intake_answers(),
            user_id=request["user"],
            team_id=request["team"],
            view_id=view_id,
            callback_id=request["view"]["callback_id"],
        )
    # Junk where Slack puts the state (the helper would tidy it): built by hand, signed.
    payload = {
        "type": "view_submission",
        "team": {"id": request["team"]},
        "user": {"id": request["user"], "team_id": request["team"]},
        "api_app_id": sender.api_app_id,
        "trigger_id": "1.2.3",
        "view": {
            "type": "modal",
            **request["view"],
            "id": view_id,
            "team_id": request["team"],
            "state": {"values": values},
        },
    }
    body = urlencode({"payload": json.dumps(payload, allow_nan=True)})
    return sender.post_signed(body, "application/x-www-form-urlencoded")


def test_generated_modal_submissions_never_fail_leak_or_change_a_case(seeded):
    run(seeded, "submissions", submissions(), send_submission)


# -- button clicks -----------------------------------------------------------------------------
@st.composite
def clicks(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "action_id": draw(hs.action_ids),
        "value": draw(st.one_of(hs.case_reference, st.none())),
        "user": draw(hs.users),
        "team": draw(hs.teams),
        "channel": draw(hs.channels),
        "message_ts": draw(st.one_of(st.none(), hs.hostile_text, st.just("1700000000.000100"))),
        "block_id": draw(st.one_of(st.none(), hs.hostile_text)),
        "where": draw(st.sampled_from(["message", "message", "view", "no response_url"])),
        "trigger": draw(st.sampled_from(["real", "random"])),
    }


def send_click(desk: Desk, sender: SlackSender, request: dict[str, Any]) -> requests.Response:
    user, channel = request["user"], request["channel"]
    where = request["where"]
    return sender.block_action(
        request["action_id"],
        request["value"],
        user_id=user,
        team_id=request["team"],
        channel_id=channel,
        message_ts=request["message_ts"],
        block_id=request["block_id"],
        view={"id": "VHOSTILE", "type": "home", "blocks": []} if where == "view" else None,
        response_url=(
            desk.slack.new_response_url(user, channel_id=channel, message_ts=request["message_ts"])
            if where == "message"
            else None
        ),
        trigger_id=desk.slack.issue_trigger(user) if request["trigger"] == "real" else None,
    )


def test_generated_button_clicks_never_fail_leak_or_change_a_case(seeded):
    run(seeded, "clicks", clicks(), send_click)
