"""Every rule holds for the whole life of a case: intake, re-scope, review and close.

Each test drives the served bot with signed requests against the fake Slack, on both
databases, and looks at what was stored and what people were told.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.standins.slack_payloads import (
    checkboxes,
    datetimepicker,
    plain_text_input,
    radio_buttons,
    static_select,
)
from bot.standins.workspace import intake_answers
from db.models import Case, CaseEvent
from db.session import transaction
from messages.ids import case_value
from tests.e2e.test_casework import ARTEFACTS

NOW = datetime.now(UTC)


def days_back(days: float) -> dict:
    return datetimepicker(int((NOW - timedelta(days=days)).timestamp()))


def case_count(desk) -> int:
    with transaction(desk.bot.sessions) as session:
        return session.scalar(select(func.count()).select_from(Case))


def test_no_exception_waives_the_one_month_limit(desk):
    response = desk.file(
        window_start=days_back(40), exception=plain_text_input("The customer's CISO insists.")
    )
    body = response.json()
    assert body["response_action"] == "errors", json.dumps(body)[:300]
    assert list(body["errors"]) == ["window_start"]
    assert "no exception" in body["errors"]["window_start"]
    assert case_count(desk) == 0


def test_an_exception_nothing_needs_is_not_sent_to_legal(desk):
    response = desk.file(exception=plain_text_input("n/a"))
    confirmation = json.dumps(response.json()["view"])
    assert "*case 1* (Support)" in confirmation
    assert "not needed" in confirmation
    receipt = desk.wait_for_dm("UREQ", "Case 1 filed")
    assert "not needed" in json.dumps(receipt["blocks"])
    assert "Legal reviews" not in json.dumps(receipt["blocks"])
    card = desk.wait_for_card(1)
    assert card["text"] == "Case 1: Acme Corp — Support, triage"
    assert "Exception requested" not in json.dumps(card["blocks"])
    with transaction(desk.bot.sessions) as session:
        case = session.get(Case, 1)
        assert (case.state, case.route, case.exception_justification) == ("triage", "support", "")


def test_access_logs_are_left_out_and_the_rest_goes_on(desk):
    response = desk.file(access_logs=radio_buttons("yes"))
    body = response.json()
    assert body["response_action"] == "update", json.dumps(body)[:300]
    assert "only application logs" in json.dumps(body["view"])
    receipt = desk.wait_for_dm("UREQ", "Case 1 filed")
    assert "only application logs" in json.dumps(receipt["blocks"])
    with transaction(desk.bot.sessions) as session:
        assert session.get(Case, 1).access_logs is True


def test_users_named_must_be_confirmed_as_the_customers(desk):
    refused = desk.file(users_in_namespace=checkboxes([])).json()
    assert refused["response_action"] == "errors", json.dumps(refused)[:300]
    assert list(refused["errors"]) == ["users"]
    assert "belong to the customer's namespace" in refused["errors"]["users"]
    assert case_count(desk) == 0
    no_users = desk.file(users=plain_text_input(""), users_in_namespace=checkboxes([])).json()
    assert no_users["response_action"] == "update", "no users named, nothing to confirm"
    desk.file(users=plain_text_input("jdoe-acme"))
    with transaction(desk.bot.sessions) as session:
        assert session.get(Case, 2).users_in_namespace is True


def test_intake_asks_whether_the_incident_comes_from_the_customers_own_use(desk):
    refused = desk.file(own_use=radio_buttons("no")).json()
    assert refused["response_action"] == "errors", json.dumps(refused)[:300]
    assert list(refused["errors"]) == ["own_use"]
    assert "security/disclosure" in refused["errors"]["own_use"]
    unanswered = desk.file(own_use=radio_buttons(None)).json()
    assert list(unanswered.get("errors", {})) == ["own_use"]
    assert case_count(desk) == 0


def test_intake_asks_what_audit_events_showed_and_the_gap_step_starts_from_it(desk):
    missing = desk.file(audit_events=plain_text_input(" ")).json()
    assert list(missing.get("errors", {})) == ["audit_events"], json.dumps(missing)[:300]
    assert case_count(desk) == 0
    saw = "Audit Events list the token's creation but not the requests made with it."
    desk.file(audit_events=plain_text_input(saw))
    walk_to_shared(desk)
    gap = desk.modal_from("case_close_gap", 1, user="USUP")
    [gap_input] = [b for b in gap["blocks"] if b.get("block_id") == "gap"]
    assert gap_input["element"]["initial_value"] == saw


def walk_to_shared(desk, n: int = 1, handler: str = "USUP") -> None:
    desk.wait_for_card(n)
    desk.press("case_claim", n, user=handler)
    desk.fill("case_submit_review", n, ARTEFACTS, user=handler)
    desk.press("case_approve", n, user="USEC")
    desk.press("case_approve", n, user="ULEGAL")
    desk.press("case_mark_shared", n, user="UREQ")
    with transaction(desk.bot.sessions) as session:
        assert session.get(Case, n).state == "shared"


# -- an edited request is assessed exactly like a new one ------------------------------------
def edit_scope(desk, n: int = 1, *, handler: str = "USUP", **changes) -> dict:
    """The handler asks for a re-scope; the requester submits the edit modal with `changes`."""
    desk.fill("case_request_rescope", n, {"text": plain_text_input("Narrow it")}, user=handler)
    edit = desk.modal_from("case_edit_scope", n, user="UREQ")
    response = desk.submit(edit, intake_answers(**changes), user="UREQ")
    desk.settle(n)
    return response.json() if response.text else {}


def row(desk, n: int = 1) -> Case:
    with transaction(desk.bot.sessions) as session:
        return session.get(Case, n)


def history(desk, n: int = 1) -> list[str]:
    with transaction(desk.bot.sessions) as session:
        query = select(CaseEvent.action).where(CaseEvent.case_id == n).order_by(CaseEvent.id)
        return list(session.scalars(query))


WAIVED_PLAN = {
    "plan": static_select("free"),
    "exception": plain_text_input("The renewal is signed next week."),
}


def test_an_edit_that_needs_an_exception_goes_to_legal_and_to_sirt(desk):
    desk.file()
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USUP")
    edit_scope(desk, window_start=days_back(20), **WAIVED_PLAN)
    case = row(desk)
    assert (case.state, case.route, case.long_window) == ("pending_legal", "sirt", True)
    assert case.owner_id is None, "a Support owner can't handle a SIRT case"
    released = desk.wait_for_dm("USUP", "Case 1")
    assert "back to triage" in json.dumps(released["blocks"])
    told = desk.wait_for_dm("UREQ", "Case 1: edited request")
    assert "takes longer" in json.dumps(told["blocks"])
    assert "Legal reviews" in json.dumps(told["blocks"])
    card = desk.wait_for_card(1)
    assert card["text"] == "Case 1: Acme Corp — SIRT, pending legal"
    assert "takes longer" in json.dumps(card["blocks"])

    desk.press("case_legal_approve", 1, user="ULEGAL")
    assert (row(desk).state, row(desk).owner_id) == ("triage", None)
    desk.press("case_claim", 1, user="USIRT")
    assert row(desk).state == "investigating"


def test_legal_approving_an_edit_returns_the_case_to_its_owner(desk):
    desk.file()
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USIRT")
    edit_scope(desk, handler="USIRT", **WAIVED_PLAN)
    assert (row(desk).state, row(desk).owner_id) == ("pending_legal", "USIRT")
    desk.press("case_legal_approve", 1, user="ULEGAL")
    assert (row(desk).state, row(desk).owner_id) == ("investigating", "USIRT")
    desk.wait_for_dm("USIRT", "Case 1: back with you")
    assert history(desk)[-4:] == ["request_rescope", "rescope_to_legal", "legal_approve", "resume"]


def test_legal_decides_again_only_when_the_exception_changes(desk):
    desk.file(**WAIVED_PLAN)
    desk.wait_for_card(1)
    desk.press("case_legal_approve", 1, user="ULEGAL")
    desk.press("case_claim", 1, user="USIRT")
    edit_scope(desk, handler="USIRT", users=plain_text_input("jdoe-acme"), **WAIVED_PLAN)
    assert row(desk).state == "investigating", "the same exception, already approved"
    changed = {**WAIVED_PLAN, "exception": plain_text_input("Also the CRO vouches for them.")}
    edit_scope(desk, handler="USIRT", **changed)
    assert row(desk).state == "pending_legal"


def test_an_edit_with_personal_data_moves_a_support_case_to_sirt_for_good(desk):
    desk.file()
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USUP")
    edit_scope(desk, personal_data=radio_buttons("yes"))
    case = row(desk)
    assert (case.state, case.route, case.owner_id) == ("triage", "sirt", None)
    desk.wait_for_dm("USUP", "Case 1: now SIRT's")
    desk.press("case_claim", 1, user="USIRT")
    edit_scope(desk, handler="USIRT", personal_data=radio_buttons("no"))
    case = row(desk)
    assert (case.state, case.route, case.owner_id) == ("investigating", "sirt", "USIRT")


def refusal_to(desk, user: str) -> str:
    told = desk.wait_until(lambda: desk.slack.ephemerals_to(user), what=f"refusal to {user}")
    return told[-1]["text"]


def test_whoever_submitted_the_artefacts_never_approves_them(desk):
    desk.file()
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USIRTSEC")  # a SIRT handler who is also a reviewer
    desk.fill("case_submit_review", 1, ARTEFACTS, user="USIRTSEC")
    user = {"user": {"type": "users_select", "selected_user": "USIRT"}}
    desk.fill("case_hand_over", 1, user, user="USIRTSEC")
    assert row(desk).owner_id == "USIRT"
    desk.press("case_approve", 1, user="USIRTSEC")
    assert "submitted the artefacts" in refusal_to(desk, "USIRTSEC")
    assert "review_approve" not in history(desk)
    assert row(desk).security_approver_id is None


def test_a_handler_declines_an_unreasonable_request_with_a_reason(desk):
    desk.file()
    desk.file()
    desk.wait_for_card(2)
    reason = {"text": plain_text_input("Every project of the group for a month: not reasonable.")}
    desk.fill("case_decline", 1, reason, user="USUP")  # from triage, by any Support handler
    assert (row(desk).state, history(desk)[-1]) == ("declined", "decline")
    told = desk.wait_for_dm("UREQ", "Case 1: declined")
    assert "not reasonable" in json.dumps(told["blocks"])
    card = desk.wait_for_card(1)
    assert "declined" in card["text"] and not [b for b in card["blocks"] if b["type"] == "actions"]

    desk.press("case_claim", 2, user="USUP")
    desk.click("case_decline", case_value(2), user="USUP2")
    assert "owner" in refusal_to(desk, "USUP2")
    desk.click("case_decline", case_value(2), user="UREQ")
    assert "handler" in refusal_to(desk, "UREQ")
    desk.fill("case_decline", 2, {"text": plain_text_input("Out of scope.")}, user="USUP")
    assert row(desk, 2).state == "declined"
