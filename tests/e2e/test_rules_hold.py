"""Every rule holds for the whole life of a case: intake, re-scope, review and close.

Each test drives the served bot with signed requests against the fake Slack, on both
databases, and looks at what was stored and what people were told.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from db.models import Case
from db.session import transaction
from tests.e2e.test_casework import ARTEFACTS
from tests.fakes.slack_requests import checkboxes, datetimepicker, plain_text_input, radio_buttons

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
