"""Rotating the Slack signing secret: while SLACK_SIGNING_SECRET_PREVIOUS holds the old one,
requests signed with either are served; anything else is still refused."""

from __future__ import annotations

from bot.standins.desk import start_desk, stop_desk
from bot.standins.slack_requests import SlackSender
from bot.standins.workspace import SECRET

NEW = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def test_requests_signed_with_the_new_or_the_previous_secret_are_served(db_url):
    desk = start_desk(db_url, SLACK_SIGNING_SECRET=NEW, SLACK_SIGNING_SECRET_PREVIOUS=SECRET)
    previous = desk.sender
    try:
        desk.file()  # the desk signs with the previous secret
        desk.wait_for_card(1)
        desk.sender = SlackSender(desk.url, NEW)
        reply = desk.command("UREQ", "/case-status", "1")
        assert reply.status_code == 200
        assert "Case 1" in reply.json()["text"]
        desk.sender.close()
        desk.sender = SlackSender(desk.url, "ffffffffffffffffffffffffffffffff")
        assert desk.command("UREQ", "/case-status", "1").status_code == 401
    finally:
        desk.sender.close()
        desk.sender = previous
        stop_desk(desk)


def test_without_a_previous_secret_the_old_one_is_refused(db_url):
    desk = start_desk(db_url, SLACK_SIGNING_SECRET=NEW)
    try:
        assert desk.command("UREQ", "/case-status").status_code == 401
    finally:
        stop_desk(desk)
