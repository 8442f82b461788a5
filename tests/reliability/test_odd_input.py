"""Typed text with NUL bytes, digits that are not 0-9, and more than a field allows, sent
through the served bot on both databases. Each gets a field error or a documented clean-up
(NUL bytes are removed), never an error id, and the two databases agree.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.standins.desk import Desk
from bot.standins.slack_payloads import checkboxes, plain_text_input, state_values
from bot.standins.workspace import intake_answers
from db.models import Case, Finding
from db.session import transaction
from messages.ids import case_value
from tests.factories import BAG_DIGEST
from tests.reliability.conftest import assert_no_leak, case_facts, count

ERROR_ID = "error id"


def case_row(desk: Desk, n: int = 1) -> Case:
    with transaction(desk.bot.sessions) as session:
        return session.get(Case, n)


def findings(desk: Desk, n: int = 1) -> list[str]:
    with transaction(desk.bot.sessions) as session:
        return list(session.scalars(select(Finding.text).where(Finding.case_id == n)))


def submit_modal(desk: Desk, action: str, answers: dict, *, user: str = "USUP"):
    view = desk.modal_from(action, 1, user=user)
    values = state_values({(block, "input"): value for block, value in answers.items()})
    response = count("odd input", desk.submit(view, values, user=user))
    desk.settle(1)  # nothing left to send when the test ends
    return response


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    body = response.json() if response.text else {}
    assert ERROR_ID not in response.text, response.text
    return body.get("errors", {})


@pytest.fixture
def claimed(desk: Desk) -> Desk:
    assert desk.file("UREQ").status_code == 200
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USUP")
    return desk


def test_nul_bytes_in_every_intake_field_are_removed_on_both_databases(desk):
    nul = {
        "organisation": plain_text_input("Acme\x00 Corp"),
        "namespace": plain_text_input("acme-corp\x00"),
        "projects": plain_text_input("acme-corp/back\x00end"),
        "groups": plain_text_input("acme-corp/\x00platform"),
        "users": plain_text_input("@jdoe\x00-acme"),
        "summary": plain_text_input("A token\x00 was used."),
        "event_other": plain_text_input("odd\x00 logins"),
    }
    view = desk.open_intake("UREQ")
    response = count("odd input", desk.submit(view, intake_answers(**nul), view_id="V\x00NUL"))
    assert errors_of(response) == {}
    assert response.json()["response_action"] == "update"
    assert "Filed as *case 1*" in response.text
    case = case_row(desk)
    assert (case.organisation, case.namespace, case.summary) == (
        "Acme Corp",
        "acme-corp",
        "A token was used.",
    )
    assert "\x00" not in case.intake_view_id
    desk.settle(1)


def test_nul_bytes_in_case_modals_are_removed_and_a_finding_of_only_nul_is_refused(claimed):
    desk = claimed
    saved = submit_modal(desk, "case_add_finding", {"text": plain_text_input("se\x00en")})
    assert errors_of(saved) == {}
    empty = errors_of(submit_modal(desk, "case_add_finding", {"text": plain_text_input("\x00")}))
    assert empty == {"text": "Write what you found."}
    assert findings(desk) == ["seen"]
    artefacts = {
        "artefact_description": plain_text_input("Sign-in\x00 events"),
        "artefact_count": plain_text_input("42"),
        "artefact_location": plain_text_input("gs://evidence/\x00case-1/"),
        "artefact_checksum": plain_text_input(f"sha256:\x00{BAG_DIGEST}"),
        "redacted": checkboxes(["redacted"]),
    }
    assert errors_of(submit_modal(desk, "case_submit_review", artefacts)) == {}
    case = case_row(desk)
    assert (case.artefact_location, case.artefact_checksum) == (
        "gs://evidence/case-1/",
        BAG_DIGEST,
    )


@pytest.mark.parametrize("typed", ["²", "¹²³", "4²", "9999999999", "-1", "4 2"])
def test_an_entry_count_that_is_not_a_plain_number_gets_a_field_error(claimed, typed):
    artefacts = {
        "artefact_description": plain_text_input("Sign-in events"),
        "artefact_count": plain_text_input(typed),
        "artefact_location": plain_text_input("gs://evidence/case-1/"),
        "artefact_checksum": plain_text_input(f"sha256:{BAG_DIGEST}"),
        "redacted": checkboxes(["redacted"]),
    }
    before = case_facts(claimed)
    errors = errors_of(submit_modal(claimed, "case_submit_review", artefacts))
    assert list(errors) == ["artefact_count"]
    assert "whole number" in errors["artefact_count"]
    assert case_facts(claimed) == before


def test_a_finding_over_the_limit_is_refused_saying_the_limit(claimed):
    desk = claimed
    modal = desk.modal_from("case_add_finding", 1, user="USUP")
    limit = next(b for b in modal["blocks"] if b.get("block_id") == "text")["element"]["max_length"]
    errors = errors_of(
        submit_modal(desk, "case_add_finding", {"text": plain_text_input("x" * (limit + 1))})
    )
    assert errors == {"text": f"At most {limit:,} characters, please (this has {limit + 1:,})."}
    assert findings(desk) == []
    exact = errors_of(
        submit_modal(desk, "case_add_finding", {"text": plain_text_input("y" * limit)})
    )
    assert exact == {}
    assert findings(desk) == ["y" * limit]


@pytest.mark.parametrize("typed", ["²", "¹²³", "#²", "1\x00", "\x00"])
def test_case_status_with_odd_digits_or_nul_answers_without_an_error_id(desk, typed):
    assert desk.file("UREQ").status_code == 200
    desk.settle(1)
    response = count("odd input", desk.command("ULEAD", "/case-status", typed))
    assert response.status_code == 200
    assert ERROR_ID not in response.text
    assert_no_leak(response.text, "the reply")
    if typed == "1\x00":
        assert "Case 1" in response.json()["text"]


def test_a_nul_in_a_hand_over_target_or_button_value_is_refused_cleanly(claimed):
    desk = claimed
    answer = submit_modal(
        desk, "case_hand_over", {"user": {"type": "users_select", "selected_user": "USUP2\x00"}}
    )
    assert ERROR_ID not in answer.text
    clicked = count("odd input", desk.click("case_claim", case_value(1) + "\x00", user="USIRT"))
    assert clicked.status_code == 200
    assert case_row(desk).owner_id == "USUP"
