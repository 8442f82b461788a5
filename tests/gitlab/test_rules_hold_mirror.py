"""Rules that hold for the whole life of a case, as the fake GitLab sees them."""

from __future__ import annotations

from tests.e2e.test_rules_hold import edit_scope
from tests.fakes.slack_requests import plain_text_input, radio_buttons
from tests.gitlab.conftest import SIRT_PROJECT, drain_all


def test_the_issue_tells_sirt_that_access_logs_are_not_searched(gdesk, fake):
    gdesk.file("UREQ", access_logs=radio_buttons("yes"))
    gdesk.wait_for_card(1)
    drain_all(gdesk.bot.delivery.gitlab_drain)
    [issue] = fake.issues(SIRT_PROJECT)
    assert "**Access logs requested:** yes" in issue["description"]
    assert "only application logs will be searched" in issue["description"]


def test_an_edit_that_moves_the_case_to_sirt_moves_its_route_label(gdesk, fake):
    desk = gdesk
    desk.file("UREQ")
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USIRT")
    edit_scope(desk, handler="USIRT", personal_data=radio_buttons("yes"))
    drain_all(desk.bot.delivery.gitlab_drain)
    [issue] = fake.issues(SIRT_PROJECT)
    labels = fake.issue(SIRT_PROJECT, issue["iid"])["labels"]
    assert "route::sirt" in labels and "route::support" not in labels
    assert "state::investigating" in labels


def test_a_declined_case_is_noted_and_its_issue_closed(gdesk, fake):
    desk = gdesk
    desk.file("UREQ")
    desk.wait_for_card(1)
    desk.fill("case_decline", 1, {"text": plain_text_input("Not reasonable.")}, user="USUP")
    drain_all(desk.bot.delivery.gitlab_drain)
    [issue] = fake.issues(SIRT_PROJECT)
    closed = fake.issue(SIRT_PROJECT, issue["iid"])
    assert closed["state"] == "closed" and "state::declined" in closed["labels"]
    last = fake.notes(SIRT_PROJECT, issue["iid"])[-1]["body"]
    assert "declined" in last.lower() and "Not reasonable." in last
