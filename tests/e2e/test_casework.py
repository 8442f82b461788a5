"""Working a case end to end: every step through the card, and the refusals around it."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select

from bot.standins.slack_payloads import checkboxes, plain_text_input, radio_buttons, static_select
from bot.standins.workspace import OUTSIDE_TEAM, SHARED, intake_answers
from db.models import Case, CaseEvent, Finding
from db.session import transaction
from messages.ids import case_value
from tests.factories import BAG_DIGEST


def case_row(desk, n=1) -> Case:
    with transaction(desk.bot.sessions) as session:
        return session.get(Case, n)


def actions(desk, n=1) -> list[str]:
    with transaction(desk.bot.sessions) as session:
        rows = session.scalars(
            select(CaseEvent.action).where(CaseEvent.case_id == n).order_by(CaseEvent.id)
        )
        return list(rows)


def click(desk, action, user, n=1, **kwargs):
    desk.press(action, n, user=user, **kwargs)


def refusal(desk, user) -> str:
    told = desk.wait_until(lambda: desk.slack.ephemerals_to(user), what=f"refusal to {user}")
    return told[-1]["text"]


def modal(desk, action, user, n=1) -> dict:
    return desk.modal_from(action, n, user=user)


def fill(desk, action, user, answers: dict, n=1):
    return desk.fill(action, n, answers, user=user)


def text(value: str) -> dict:
    return {"text": plain_text_input(value)}


ARTEFACTS = {
    "artefact_description": plain_text_input("Sign-in events for the three users"),
    "artefact_count": plain_text_input("42"),
    "artefact_location": plain_text_input("gs://sirt-evidence/case-1/"),
    "artefact_checksum": plain_text_input(f"sha256:{BAG_DIGEST}"),
    "redacted": checkboxes(["redacted"]),
}


@pytest.fixture
def filed(desk):
    desk.file("UREQ")
    desk.wait_for_card(1)
    return desk


def test_a_case_goes_from_claim_to_closed(filed):
    desk = filed
    click(desk, "case_claim", "USUP")
    assert case_row(desk).owner_id == "USUP"
    assert "investigating" in desk.wait_for_card(1)["text"]

    fill(desk, "case_add_finding", "USUP", text("Token used from 203.0.113.77 at 02:14"))
    fill(desk, "case_request_rescope", "USUP", text("Too many users; name the two that matter"))
    rescope = desk.wait_for_dm("UREQ", "re-scope requested")
    assert "Too many users" in json.dumps(rescope["blocks"])
    edit = modal(desk, "case_edit_scope", "UREQ")
    assert edit["callback_id"] == "rescope_edit"
    desk.submit(edit, intake_answers(users=plain_text_input("jdoe-acme")), user="UREQ")
    desk.settle(1)
    assert case_row(desk).users == ["jdoe-acme"] and case_row(desk).state == "investigating"

    fill(desk, "case_submit_review", "USUP", ARTEFACTS)
    assert case_row(desk).state == "in_review"
    click(desk, "case_approve", "USEC")
    click(desk, "case_approve", "ULEGAL")
    assert case_row(desk).state == "approved"
    desk.wait_for_dm("UREQ", "approved, share the artefacts")
    click(desk, "case_mark_shared", "UREQ")
    fill(
        desk,
        "case_close_gap",
        "USUP",
        {"gap": plain_text_input("No audit event for personal access token use by IP")},
    )
    row = case_row(desk)
    assert row.state == "closed" and row.ended_at is not None
    assert actions(desk) == [
        "submit",
        "accept",
        "claim",
        "add_finding",
        "request_rescope",
        "rescope",
        "submit_for_review",
        "review_approve",
        "review_approve",
        "review_complete",
        "mark_shared",
        "record_gap",
        "close",
    ]
    with transaction(desk.bot.sessions) as session:
        assert session.scalars(select(Finding.text)).all() == [
            "Token used from 203.0.113.77 at 02:14"
        ]
    card = desk.wait_for_card(1)
    assert "closed" in card["text"]
    assert not [b for b in card["blocks"] if b["type"] == "actions"]
    assert "203.0.113.77" not in json.dumps(desk.slack.channel_posts())


def test_a_rejection_returns_the_case_to_the_handler(filed):
    desk = filed
    click(desk, "case_claim", "USUP")
    fill(desk, "case_submit_review", "USUP", ARTEFACTS)
    fill(desk, "case_reject", "ULEGAL", text("Another customer's project is in the export"))
    row = case_row(desk)
    assert row.state == "investigating" and row.legal_approver_id is None


@pytest.mark.parametrize(
    ("who", "words"),
    [("USIRTSEC", "can't review"), ("UREQ", "Only Security reviewers")],
    ids=["handler-who-reviews", "requester"],
)
def test_the_handler_and_non_reviewers_cannot_approve(filed, who, words):
    desk = filed
    click(desk, "case_claim", "USIRTSEC")
    fill(desk, "case_submit_review", "USIRTSEC", ARTEFACTS)
    click(desk, "case_approve", who)
    assert words in refusal(desk, who)
    assert case_row(desk).state == "in_review" and "review_approve" not in actions(desk)


def test_one_person_cannot_approve_twice(filed):
    desk = filed
    click(desk, "case_claim", "USUP")
    fill(desk, "case_submit_review", "USUP", ARTEFACTS)
    click(desk, "case_approve", "USEC")
    click(desk, "case_approve", "USEC")
    assert "already approved" in refusal(desk, "USEC")
    assert actions(desk).count("review_approve") == 1 and case_row(desk).state == "in_review"


def test_artefacts_must_be_confirmed_redacted(filed):
    desk = filed
    click(desk, "case_claim", "USUP")
    body = fill(desk, "case_submit_review", "USUP", {**ARTEFACTS, "redacted": checkboxes([])})
    assert body.json()["response_action"] == "errors"
    assert "redacted" in json.dumps(body.json()["errors"])
    assert case_row(desk).state == "investigating"


@pytest.mark.parametrize(
    ("user", "team", "channel", "words"),
    [
        ("UREQ", None, None, "Only Support or SIRT handlers"),
        ("USEC", None, None, "Only Support or SIRT handlers"),
        ("UEXT", OUTSIDE_TEAM, None, "members of this workspace"),
        ("USUP", None, SHARED, "shared outside the company"),
    ],
    ids=["requester", "reviewer", "external", "shared-channel"],
)
def test_wrong_people_and_places_cannot_claim(filed, user, team, channel, words):
    desk = filed
    kwargs = {"team": team} if team else {}
    if channel:
        kwargs["channel"] = channel
    click(desk, "case_claim", user, **kwargs)
    assert words in refusal(desk, user)
    assert case_row(desk).owner_id is None and actions(desk) == ["submit", "accept"]


def test_support_cannot_claim_a_sirt_case_but_sirt_can_claim_support(desk):
    desk.file("UREQ", personal_data=radio_buttons("yes"))
    desk.file("UREQ")
    desk.wait_for_card(2)
    click(desk, "case_claim", "USUP", n=1)
    assert "Only SIRT handlers" in refusal(desk, "USUP")
    click(desk, "case_claim", "USIRT", n=2)
    assert case_row(desk, 2).owner_id == "USIRT"


def test_a_stale_click_does_nothing_and_says_why(filed):
    desk = filed
    click(desk, "case_claim", "USUP")
    click(desk, "case_mark_shared", "UREQ")
    assert "the case is investigating" in refusal(desk, "UREQ")
    click(desk, "case_claim", "USUP2")
    assert "<@USUP> already claimed case 1" in refusal(desk, "USUP2")
    assert actions(desk) == ["submit", "accept", "claim"]


def test_a_forged_button_value_is_refused(filed):
    desk = filed
    desk.click("case_claim", '{"case": "1; drop"}', user="USUP")
    assert "doesn't belong to a case" in refusal(desk, "USUP")
    desk.click("case_claim", case_value(999), user="USUP")
    told = desk.wait_until(lambda: desk.slack.ephemerals_to("USUP")[1:], what="2nd refusal")
    assert "no case 999" in told[0]["text"]
    assert case_row(desk).owner_id is None


def test_legal_approves_or_denies_an_exception(desk):
    exception = {
        "plan": static_select("trial"),
        "exception": plain_text_input("Renewal signed next week"),
    }
    desk.file("UREQ", **exception)
    desk.file("UREQ", **exception)
    desk.wait_for_card(2)
    click(desk, "case_legal_approve", "USEC", n=1)
    assert "Only GitLab Legal" in refusal(desk, "USEC")
    click(desk, "case_legal_approve", "ULEGAL", n=1)
    assert case_row(desk, 1).state == "triage"
    fill(desk, "case_legal_deny", "ULEGAL", text("Not a paying customer"), n=2)
    assert case_row(desk, 2).state == "rejected"
    denied = desk.wait_for_dm("UREQ", "Case 2: exception denied")
    assert "Not a paying customer" in json.dumps(denied["blocks"])


def test_the_requester_or_a_lead_can_withdraw(filed):
    desk = filed
    desk.click("case_withdraw", case_value(1), user="USUP")
    assert "Only the requester or a lead" in refusal(desk, "USUP")
    assert case_row(desk).state == "triage"
    fill(desk, "case_withdraw", "ULEAD", text("Customer resolved it themselves"))
    assert case_row(desk).state == "withdrawn"


def test_hand_over_goes_only_to_an_eligible_handler(filed):
    desk = filed
    click(desk, "case_claim", "USUP")
    body = fill(
        desk, "case_hand_over", "USUP", {"user": {"type": "users_select", "selected_user": "UREQ"}}
    )
    assert "can't handle" in json.dumps(body.json())
    fill(
        desk, "case_hand_over", "USUP", {"user": {"type": "users_select", "selected_user": "USUP2"}}
    )
    assert case_row(desk).owner_id == "USUP2"
    desk.wait_for_dm("USUP2", "was handed to you")


def test_twenty_simultaneous_claims_give_one_owner(filed):
    desk = filed
    handlers = ["USUP", "USUP2", "USIRT"]
    responses = []

    def claim(user):
        responses.append(desk.click("case_claim", case_value(1), user=user))

    threads = [threading.Thread(target=claim, args=(handlers[i % 3],)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.status_code == 200 for r in responses)
    owner = case_row(desk).owner_id
    assert owner in handlers
    assert actions(desk).count("claim") == 1
    told = desk.wait_until(
        lambda: sum(len(desk.slack.ephemerals_to(u)) for u in handlers) >= 19 and True,
        timeout=10,
        what="19 refusals",
    )
    assert told
    refusals = [m["text"] for u in handlers for m in desk.slack.ephemerals_to(u)]
    assert len(refusals) == 19
    assert all(f"<@{owner}> already claimed" in t or "can't be done now" in t for t in refusals)


def test_a_cost_notice_reaches_the_relay_contact_in_a_dm(filed):
    desk = filed
    click(desk, "case_claim", "USUP")
    fill(desk, "case_cost_notice", "USUP", text("A 3-week window costs two extra days"))
    dm = desk.wait_for_dm("UREQ", "tell the customer about the cost")
    assert "A 3-week window costs two extra days" in json.dumps(dm["blocks"])
