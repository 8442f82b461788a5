"""/case-status and the App Home through the served bot."""

from __future__ import annotations

import json

from bot.standins.workspace import TEAM


def status(desk, user, text=""):
    response = desk.command(user, "/case-status", text)
    assert response.status_code == 200
    return response.json()


def test_leads_get_the_desk_summary_and_others_a_clear_refusal(desk):
    desk.file("UREQ")
    desk.wait_for_card(1)
    summary = status(desk, "ULEAD")
    assert summary["response_type"] == "ephemeral"
    assert summary["text"] == "1 open cases, 0 updates overdue"
    assert "triage: 1" in json.dumps(summary["blocks"])
    assert "for leads" in status(desk, "USUP")["text"]


def test_one_case_for_its_requester_but_not_for_a_stranger(desk):
    desk.file("UREQ")
    desk.wait_for_card(1)
    mine = status(desk, "UREQ", "1")
    assert mine["text"] == "Case 1: triage"
    assert "Waiting on a handler to claim it." in json.dumps(mine["blocks"])
    assert "participants and leads" in status(desk, "USUP", "1")["text"]
    assert "There is no case 42" in status(desk, "ULEAD", "42")["text"]


def test_mine_and_usage_help(desk):
    desk.file("UREQ")
    desk.wait_for_card(1)
    assert status(desk, "UREQ", "mine")["text"] == "You have 1 open cases"
    assert status(desk, "USUP", "mine")["text"] == "You have 0 open cases"
    assert "/case-status mine" in status(desk, "UREQ", "everything please")["text"]


def test_the_home_tab_shows_my_cases_once_per_event_even_when_slack_retries(desk):
    desk.file("UREQ")
    desk.wait_for_card(1)
    desk.settle(1)
    desk.slack.reset_calls()  # the card's delivery refreshed the home tab already
    event = {"type": "app_home_opened", "user": "UREQ", "channel": "DUREQ", "tab": "home"}
    for retry in (None, 1, 2):
        response = desk.sender.event(
            event,
            team_id=TEAM,
            event_id="Ev0001",
            retry_num=retry,
            retry_reason="http_timeout" if retry else None,
        )
        assert response.status_code == 200
    published = desk.wait_until(lambda: desk.slack.calls("views.publish"), what="home tab")
    home = published[0].args["view"]
    assert home["type"] == "home" and "Case 1" in json.dumps(home["blocks"])
    desk.settle()  # every listener is done: a retry that slipped through would show
    assert len(desk.slack.calls("views.publish")) == 1


def test_the_home_tab_follows_the_case_without_being_opened(desk):
    desk.file("UREQ")
    desk.wait_for_card(1)
    desk.settle(1)

    def home_of(user):
        return [v for v in desk.slack.views_for(user) if v["type"] == "home"]

    assert "triage" in json.dumps(desk.wait_until(lambda: home_of("UREQ"), what="home"))
    desk.press("case_claim", 1, user="USUP")
    assert "investigating" in json.dumps(home_of("UREQ")[-1]["blocks"])
    assert "Case 1" in json.dumps(home_of("USUP")[-1]["blocks"])
