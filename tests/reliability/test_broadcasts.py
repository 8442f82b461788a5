"""Typed `@channel`, `@here`, `@everyone` and their `<!…>` forms notify nobody, wherever the
bot shows typed text: the card, the DMs (receipt, re-scope, hand-over, Legal's decision,
the update reminder), the leads' escalation, `/case-status` replies (including unknown input
repeated back), the Home tab and the modals' confirmations. Slack's parsing is modelled in
tests/slack_mentions.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.jobs.scheduler import tick
from bot.standins.desk import Desk
from bot.standins.slack_payloads import plain_text_input, state_values, static_select
from bot.standins.workspace import LEADS, TEAM, TRIAGE
from bot.wiring import build_worker
from tests.reliability.conftest import count
from tests.slack_mentions import broadcasts

PINGS = "@channel <!here> @everyone <!channel|all> @Here"
ORG = f"Zedcorp {PINGS}"
FINDING = f"Findmark {PINGS}"
REASON = f"Reasonmark {PINGS}"
DENIAL = f"Denymark {PINGS}"
UNKNOWN = f"Whatmark {PINGS} <b>"
SHOWN = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url")
VIEWS = ("views.open", "views.update", "views.push", "views.publish")


def submit(desk: Desk, action: str, n: int, answers: dict, *, user: str):
    view = desk.modal_from(action, n, user=user)
    values = state_values({(block, "input"): value for block, value in answers.items()})
    response = count("broadcasts", desk.submit(view, values, user=user))
    assert response.status_code == 200 and "errors" not in response.text, response.text
    desk.settle(n)
    return response


def a_weekday_afternoon_days_ahead(days: int) -> datetime:
    moment = (datetime.now(UTC) + timedelta(days=days)).replace(hour=14, minute=0)
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment


def test_typed_broadcast_mentions_notify_nobody_anywhere(desk):
    replies = []  # what the bot answered over HTTP (ack bodies: modals' confirmations, replies)

    def reply(response):
        count("broadcasts", response)
        assert response.status_code == 200, response.text
        replies.append(response.json() if response.text else {})
        return response

    reply(desk.file("UREQ", organisation=plain_text_input(ORG)))
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USUP")
    replies.append(
        submit(desk, "case_add_finding", 1, {"text": plain_text_input(FINDING)}, user="USUP").text
    )
    replies.append(
        submit(
            desk, "case_request_rescope", 1, {"text": plain_text_input(REASON)}, user="USUP"
        ).text
    )
    hand_to = {"user": {"type": "users_select", "selected_user": "USUP2"}}
    replies.append(submit(desk, "case_hand_over", 1, hand_to, user="USUP").text)

    exception = {"plan": static_select("free"), "exception": plain_text_input("Key customer")}
    reply(desk.file("UREQ", organisation=plain_text_input(ORG), **exception))
    desk.wait_for_card(2)
    submit(desk, "case_legal_deny", 2, {"text": plain_text_input(DENIAL)}, user="ULEGAL")

    tick(build_worker(desk.bot), a_weekday_afternoon_days_ahead(4))  # reminder, escalation
    for user, text in (("UREQ", "1"), ("UREQ", "mine"), ("ULEAD", ""), ("ULEAD", UNKNOWN)):
        reply(desk.command(user, "/case-status", text))
    event = {"type": "app_home_opened", "user": "UREQ", "channel": "DUREQ", "tab": "home"}
    reply(desk.sender.event(event, team_id=TEAM, event_id="EvHome"))
    desk.wait_until(lambda: desk.slack.calls("views.publish"), what="the Home tab")

    shown = [(c.method, c.args) for c in desk.slack.calls() if c.method in SHOWN + VIEWS]
    shown += [("HTTP reply", r) for r in replies]
    found = {
        f"{method}: {hit}": json.dumps(args)[:300]
        for method, args in shown
        for hit in broadcasts(args)
    }
    assert found == {}

    # Every place typed text is shown was exercised.
    def seen(marker: str, method: str, where=lambda args: True) -> bool:
        return any(marker in json.dumps(a) and where(a) for m, a in shown if m == method)

    in_channel = lambda channel: lambda args: args.get("channel") == channel  # noqa: E731
    to_dm = lambda args: str(args.get("channel", "")).startswith("D")  # noqa: E731
    assert seen("Zedcorp", "chat.postMessage", in_channel(TRIAGE)), "card"
    assert seen("Zedcorp", "chat.postMessage", in_channel(LEADS)), "escalation"
    for marker in ("Zedcorp", "Findmark", "Reasonmark", "Denymark"):
        assert seen(marker, "chat.postMessage", to_dm), f"DM with {marker}"
    assert seen("Zedcorp", "views.publish"), "Home tab"
    statuses = json.dumps(replies)
    assert "Zedcorp" in statuses and "Whatmark" in statuses, "/case-status replies"
