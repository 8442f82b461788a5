"""Intake end to end: /info-request over signed HTTP, the modal, the case, the card, the DM."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.standins.slack_payloads import (
    checkboxes,
    datetimepicker,
    multi_static_select,
    plain_text_input,
    radio_buttons,
    static_select,
)
from bot.standins.workspace import OUTSIDE_TEAM, SHARED, TRIAGE, intake_answers
from db.models import Case, CaseEvent, OutboxMessage
from db.session import transaction

NOW = datetime.now(UTC)


def count(desk, model=Case) -> int:
    with transaction(desk.bot.sessions) as session:
        return session.scalar(select(func.count()).select_from(model))


def events_of(desk, case_id: int) -> list[tuple[str, str | None, str]]:
    with transaction(desk.bot.sessions) as session:
        rows = session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        )
        return [(e.action, e.from_state, e.to_state) for e in rows]


def test_a_support_case_from_command_to_card_and_receipt(desk):
    view = desk.open_intake("UREQ")
    assert view["callback_id"] == "intake"
    assert len([b for b in view["blocks"] if b["type"] == "input"]) == 20

    response = desk.submit(view, intake_answers())
    assert response.status_code == 200
    body = response.json()
    assert body["response_action"] == "update"
    assert "*case 1* (Support)" in json.dumps(body["view"])

    card = desk.wait_for_card(1)
    assert card["text"] == "Case 1: Acme Corp — Support, triage"
    claim = [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [e["text"]["text"] for e in claim] == ["Claim", "Decline", "Withdraw"]
    receipt = desk.wait_for_dm("UREQ", "Case 1 filed")
    assert "GitLab Support picks the case up" in json.dumps(receipt["blocks"])
    assert "takes longer" not in json.dumps(receipt["blocks"])
    with transaction(desk.bot.sessions) as session:
        case = session.get(Case, 1)
    assert (case.state, case.route, case.requester_id) == ("triage", "support", "UREQ")
    assert case.users == ["jdoe-acme", "mallory-acme"]
    assert case.card_channel_id == TRIAGE and case.card_ts
    assert events_of(desk, 1) == [("submit", None, "submitted"), ("accept", "submitted", "triage")]


def test_a_sirt_case_with_a_long_window_gets_the_notice(desk):
    ten_days = int((NOW - timedelta(days=10)).timestamp())
    desk.file(window_start=datetimepicker(ten_days), personal_data=radio_buttons("yes"))
    card = desk.wait_for_card(1)
    assert card["text"] == "Case 1: Acme Corp — SIRT, triage"
    assert "takes longer to complete" in json.dumps(card["blocks"])
    receipt = desk.wait_for_dm("UREQ", "Case 1 filed")
    assert "takes longer to complete" in json.dumps(receipt["blocks"])
    assert "Security Incident Response Team" in json.dumps(receipt["blocks"])


def test_an_exception_request_waits_for_legal(desk):
    response = desk.file(
        plan=static_select("trial"), exception=plain_text_input("Renewal signed next week.")
    )
    assert "(SIRT)" in json.dumps(response.json()["view"])
    desk.wait_for_card(1)
    receipt = desk.wait_for_dm("UREQ", "Case 1 filed")
    assert "GitLab Legal reviews the request first" in json.dumps(receipt["blocks"])
    assert events_of(desk, 1)[-1] == ("refer_to_legal", "submitted", "pending_legal")
    card = desk.wait_for_card(1)
    assert "pending legal" in card["text"]
    buttons = [
        e["text"]["text"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["Approve exception", "Deny exception", "Withdraw"], "no Claim yet"


OUTSIDE = plain_text_input("rival-corp/secrets")
REFUSALS = {
    "self-managed": ({"deployment": radio_buttons("self_managed")}, "deployment", "self-managed"),
    "not owned": ({"ownership": checkboxes([])}, "ownership", "legal subpoena"),
    "project outside": ({"projects": OUTSIDE}, "projects", "account the customer owns"),
    "group outside": ({"groups": OUTSIDE}, "groups", "account the customer owns"),
    "free plan": ({"plan": static_select("free")}, "plan", "Premium or Ultimate"),
    "over a month": (
        {"window_start": datetimepicker(int((NOW - timedelta(days=40)).timestamp()))},
        "window_start",
        "one calendar month",
    ),
    "end before start": (
        {"window_end": datetimepicker(int((NOW - timedelta(days=5)).timestamp()))},
        "window_end",
        "end after it starts",
    ),
    "end in future": (
        {"window_end": datetimepicker(int((NOW + timedelta(days=1)).timestamp()))},
        "window_end",
        "future",
    ),
    "malformed date": (
        {"window_start": {"type": "datetimepicker", "selected_date_time": "yesterday"}},
        "window_start",
        "Pick when the window starts",
    ),
    "no resources": (
        {
            "projects": plain_text_input(None),
            "groups": plain_text_input(""),
            "users": plain_text_input(" "),
        },
        "projects",
        "specific resources",
    ),
    "no events": ({"event_types": multi_static_select([])}, "event_types", "specific events"),
    "too many resources": (
        {"users": plain_text_input("\n".join(f"user{i}" for i in range(25)))},
        "projects",
        "more than 20",
    ),
}


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
def test_each_refusal_goes_back_on_its_field_and_stores_nothing(desk, case):
    changes, block, words = case
    response = desk.file(**changes)
    body = response.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [block]
    assert words in body["errors"][block]
    assert count(desk) == 0 and count(desk, CaseEvent) == 0 and count(desk, OutboxMessage) == 0


def refused_command(desk, user, **kwargs):
    response = desk.command(user, **kwargs)
    assert response.status_code == 200
    assert desk.slack.calls("views.open") == []
    assert count(desk) == 0
    return response.json()["text"]


def test_a_command_in_a_channel_shared_outside_is_refused(desk):
    assert "shared outside the company" in refused_command(desk, "UREQ", channel=SHARED)


def test_an_external_user_is_refused(desk):
    text = refused_command(desk, "UEXT", team=OUTSIDE_TEAM)
    assert "only works for members of this workspace" in text


def test_a_guest_is_refused(desk):
    assert "members of this workspace" in refused_command(desk, "UGUEST")


def test_someone_outside_the_requester_groups_cannot_file(desk):
    assert "requester groups" in refused_command(desk, "UNOBODY")


def test_when_slack_cannot_say_who_someone_is_the_bot_refuses(desk):
    desk.slack.fail_next("users.info", status=503)
    assert "couldn't confirm" in refused_command(desk, "UREQ2")


def test_a_submission_from_outside_is_refused_even_with_a_valid_modal(desk):
    view = desk.open_intake("UREQ")
    body = desk.submit(view, intake_answers(), user="UEXT", team=OUTSIDE_TEAM).json()
    assert body["response_action"] == "update" and "Nothing was recorded" in json.dumps(body)
    assert count(desk) == 0


def test_a_forged_signature_and_a_stale_timestamp_get_401(desk):
    view = desk.open_intake("UREQ")
    forged = desk.submit(view, intake_answers(), signature="v0=" + "0" * 64)
    stale = desk.submit(view, intake_answers(), timestamp=int(time.time()) - 6 * 60)
    unsigned = desk.sender.post_raw(
        "command=/info-request&user_id=UREQ", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert [r.status_code for r in (forged, stale, unsigned)] == [401, 401, 401]
    assert count(desk) == 0


def test_a_double_submit_files_one_case(desk):
    view = desk.open_intake("UREQ")
    answers = intake_answers()
    results = []

    def submit():
        results.append(desk.submit(view, answers).json())

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.append(desk.submit(view, answers).json())
    # One case, and every answer names it. (On Postgres the racing inserts may have used up
    # a sequence number first, so it need not be case 1.)
    assert count(desk) == 1 and count(desk, CaseEvent) == 2
    with transaction(desk.bot.sessions) as session:
        number = session.scalar(select(Case.id))
    assert all(f"*case {number}*" in json.dumps(r["view"]) for r in results), results
    desk.wait_for_card(number)
    desk.wait_for_dm("UREQ", f"Case {number} filed")
    desk.settle()  # every listener and delivery is done: a stray duplicate would show
    assert len(desk.slack.calls("chat.postMessage")) == 2  # one card, one receipt


def test_when_the_modal_cannot_open_the_requester_is_told(desk):
    desk.slack.fail_next("views.open", error="expired_trigger_id")
    desk.command("UREQ")
    told = desk.wait_until(lambda: desk.slack.ephemerals_to("UREQ"), what="ephemeral")
    assert "Run /info-request again" in told[0]["text"]


def test_channel_messages_carry_no_personal_data(desk):
    desk.file(
        users=plain_text_input("jdoe-acme\nsecret-user"),
        exception=plain_text_input("Customer's auditor 198.51.100.9 asked."),
        plan=static_select("free"),
    )
    desk.file()
    desk.wait_for_card(2)
    desk.wait_for_dm("UREQ", "Case 2 filed")
    posted = json.dumps(desk.slack.channel_posts())
    assert posted.count("Case ") >= 2
    for secret in (
        "acme-corp/backend/api",
        "acme-corp/platform",
        "jdoe-acme",
        "secret-user",
        "203.0.113.77",
        "198.51.100.9",
        "acme-corp",
        "tickets/4242",
        "auditor",
    ):
        assert secret not in posted, secret
