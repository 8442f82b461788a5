"""Rules that hold for the whole life of a case, as the fake GitLab sees them."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings

from bot.standins.slack_payloads import plain_text_input, radio_buttons
from db.models import Case
from db.session import transaction
from tests import gap_texts
from tests.e2e.test_rules_hold import edit_scope, walk_to_shared
from tests.gitlab.conftest import GAP_PROJECT, SIRT_PROJECT, drain_all


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


def request_answers() -> dict:
    """The intake of tests.gap_texts.REQUEST, every value findable in a leak."""
    return {
        "organisation": plain_text_input(gap_texts.ORGANISATION),
        "ticket_url": {"type": "url_text_input", "value": gap_texts.TICKET},
        "namespace": plain_text_input(gap_texts.NAMESPACE),
        "projects": plain_text_input(gap_texts.PROJECT),
        "groups": plain_text_input(gap_texts.GROUP),
        "users": plain_text_input("\n".join(gap_texts.USERS)),
    }


@pytest.fixture
def shared_case(gdesk):
    gdesk.file("UREQ", **request_answers())
    walk_to_shared(gdesk)
    return gdesk


@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=gap_texts.hostile_texts())
@example(text="Audit Events miss the token; ask jane.doe@zyqorp.example.com for the export.")
@example(text="Gitlab::Audit::Events has no event for logins from 2001:db8::7.")
def test_gap_text_with_anything_of_the_request_is_refused_on_the_field(shared_case, text):
    desk = shared_case
    response = desk.fill("case_close_gap", 1, {"gap": plain_text_input(text)}, user="USUP")
    body = response.json()
    assert body.get("response_action") == "errors", text
    assert list(body["errors"]) == ["gap"] and "public" in body["errors"]["gap"]
    with transaction(desk.bot.sessions) as session:
        assert session.get(Case, 1).state == "shared"


def test_nothing_of_the_request_reaches_the_public_gap_issue(shared_case, fake):
    desk = shared_case
    for text in (
        "Gitlab::Audit::Events has no event when Zyqorp's token is used from 203.0.113.9",
        "No audit event for the export by jane.dovetti@example.com",
    ):
        refused = desk.fill("case_close_gap", 1, {"gap": plain_text_input(text)}, user="USUP")
        assert refused.json()["response_action"] == "errors"
    clean = "Gitlab::Audit::Events has no event when a personal access token is used over the API"
    desk.fill("case_close_gap", 1, {"gap": plain_text_input(clean)}, user="USUP")
    drain_all(desk.bot.delivery.gitlab_drain)
    [gap] = fake.issues(GAP_PROJECT)
    published = json.dumps([gap["title"], gap["description"]]).lower()
    assert "gitlab::audit::events" in published, "the text is published as written"
    for secret in gap_texts.SECRETS:
        assert secret not in published, secret
