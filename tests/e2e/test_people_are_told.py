"""Everyone a case waits on is told, and acts from where they are: the requester from their DMs
and App Home (never the triage channel), Legal and the reviewers from DMs that follow each
decision, the relay contact's role handed on, a lead reassigning a stuck case.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.jobs.scheduler import tick
from bot.standins.desk import Desk
from bot.standins.slack_payloads import plain_text_input, static_select
from bot.standins.workspace import TEAM, TRIAGE, intake_answers
from bot.wiring import build_worker
from db.models import Case, CaseEvent
from db.session import reading
from messages.ids import ActionId, case_value
from tests.e2e.test_casework import ARTEFACTS
from tests.factories import BAG_DIGEST

A = ActionId
EXCEPTION = {"plan": static_select("trial"), "exception": plain_text_input("Renewal signed")}


def row(desk: Desk, n: int = 1) -> Case:
    with reading(desk.bot.sessions) as session:
        case = session.get(Case, n)
        assert case is not None
        return case


def history(desk: Desk, n: int = 1) -> list[str]:
    with reading(desk.bot.sessions) as session:
        query = select(CaseEvent.action).where(CaseEvent.case_id == n).order_by(CaseEvent.id)
        return list(session.scalars(query))


def buttons(message: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in message.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def dm(desk: Desk, user: str, words: str) -> dict[str, Any]:
    """The latest version of the DM to `user` containing `words`."""
    return desk.wait_for_dm(user, words)


def im(desk: Desk, user: str) -> str:
    """The person's DM with the bot, where they type a command."""
    return desk.slack.open_im(user).id


def where(message: dict[str, Any]) -> dict[str, str]:
    return {"channel": message["channel"], "message_ts": message["ts"]}


def press_in(desk: Desk, message: dict[str, Any], action: ActionId, user: str, n: int = 1):
    """Clicks a button of a DM the bot sent, and waits for what it caused."""
    assert action.value in buttons(message), (action, buttons(message))
    desk.press(action.value, n, user=user, **where(message))


def fill_in(desk, message, action: ActionId, user: str, answers: dict, n: int = 1):
    assert action.value in buttons(message), (action, buttons(message))
    return desk.fill(action.value, n, answers, user=user, **where(message))


def home(desk: Desk, user: str) -> dict[str, Any]:
    homes = [v for v in desk.slack.views_for(user) if v.get("type") == "home"]
    assert homes, f"{user} has no App Home"
    return homes[-1]


def press_on_home(desk: Desk, user: str, action: ActionId, n: int = 1) -> None:
    """Clicks a button on the person's App Home, as Slack sends it (no response_url)."""
    view = home(desk, user)
    assert action.value in buttons(view), (action, buttons(view))
    response = desk.sender.block_action(
        action.value,
        case_value(n),
        user_id=user,
        team_id=TEAM,
        view=view,
        trigger_id=desk.slack.issue_trigger(user),
    )
    assert response.status_code == 200, response.text
    desk.settle(n)


def pick(user: str) -> dict[str, Any]:
    return {"user": {"type": "users_select", "selected_user": user}}


def text(value: str) -> dict[str, Any]:
    return {"text": plain_text_input(value)}


def test_a_requester_outside_the_triage_channel_takes_a_case_from_filing_to_shared(desk):
    desk.file("UREQ")
    receipt = dm(desk, "UREQ", "Case 1 filed")
    assert {A.RELAY_HAND_OVER, A.WITHDRAW, A.UPDATE_SENT} <= set(buttons(receipt))
    desk.press(A.CLAIM.value, 1, user="USUP")
    desk.fill(A.REQUEST_RESCOPE.value, 1, text("Name the two users that matter"), user="USUP")

    rescope = dm(desk, "UREQ", "re-scope requested")  # the edit, from the DM
    edit = desk.modal_from(A.EDIT_SCOPE.value, 1, user="UREQ", **where(rescope))
    desk.submit(edit, intake_answers(users=plain_text_input("jdoe-acme")), user="UREQ")
    desk.settle(1)
    assert row(desk).users == ["jdoe-acme"] and row(desk).state == "investigating"

    desk.fill(A.COST_NOTICE.value, 1, text("Two extra days of search"), user="USUP")
    assert A.COST_CONFIRMED.value in buttons(dm(desk, "UREQ", "tell the customer about the cost"))
    press_on_home(desk, "UREQ", A.COST_CONFIRMED)  # the confirmation, from the App Home
    assert not row(desk).cost_notice_pending

    desk.fill(A.SUBMIT_REVIEW.value, 1, ARTEFACTS, user="USUP")
    asked = {user: dm(desk, user, "artefacts to review") for user in ("USEC", "ULEGAL")}
    press_in(desk, asked["USEC"], A.APPROVE, "USEC")
    press_in(desk, dm(desk, "ULEGAL", "artefacts to review"), A.APPROVE, "ULEGAL")

    approved = dm(desk, "UREQ", "approved, share the artefacts")
    press_in(desk, approved, A.MARK_SHARED, "UREQ")
    assert row(desk).state == "shared"
    assert history(desk)[-4:] == [
        "review_approve",
        "review_approve",
        "review_complete",
        "mark_shared",
    ]
    assert desk.slack.ephemerals_to("UREQ") == []  # nothing was refused on the way
    clicks = [c for c in desk.slack.calls() if c.method == "views.open"]
    assert clicks  # the modals the requester needed opened from DMs


def test_reviewers_and_legal_get_the_artefacts_in_a_dm_that_follows_each_decision(desk):
    desk.file("UREQ")
    desk.press(A.CLAIM.value, 1, user="USUP")
    desk.fill(A.SUBMIT_REVIEW.value, 1, ARTEFACTS, user="USUP")

    asked = {u: dm(desk, u, "artefacts to review") for u in ("USEC", "USIRTSEC", "ULEGAL")}
    shown = json.dumps(asked["ULEGAL"]["blocks"])
    for fact in ("gs://sirt-evidence/case-1/", BAG_DIGEST, "42", "acme-corp/backend/api"):
        assert fact in shown
    assert "confirmed they are redacted" in shown
    assert "artefacts to review" not in json.dumps(desk.slack.dms_to("USUP"))  # the handler
    for message in asked.values():
        assert buttons(message) == [A.APPROVE.value, A.REJECT.value]

    press_in(desk, asked["USEC"], A.APPROVE, "USEC")
    legal = dm(desk, "ULEGAL", "artefacts to review")
    assert "approved by <@USEC>" in json.dumps(legal["blocks"])
    assert buttons(legal) == [A.APPROVE.value, A.REJECT.value]  # Legal's approval still open

    fill_in(desk, legal, A.REJECT, "ULEGAL", text("Redact the other tenant's IP"))
    assert row(desk).state == "investigating"
    for user in ("USEC", "USIRTSEC", "ULEGAL"):
        settled = dm(desk, user, "artefacts to review")
        assert buttons(settled) == [], user  # nobody acts on a stale ask
        assert "Nothing waits on you" in json.dumps(settled["blocks"])
    press_in_stale = desk.click(A.APPROVE.value, case_value(1), user="USEC", **where(legal))
    assert press_in_stale.status_code == 200
    desk.settle(1)
    assert row(desk).state == "investigating"


def test_legal_is_asked_in_a_dm_with_the_justification_and_decides_from_it(desk):
    desk.file("UREQ", **EXCEPTION)
    desk.file("UREQ", **EXCEPTION)
    desk.wait_for_card(2)
    first = dm(desk, "ULEGAL", "Case 1: exception to decide")
    shown = json.dumps(first["blocks"])
    assert "Renewal signed" in shown and "acme-corp" in shown
    assert buttons(first) == [A.LEGAL_APPROVE.value, A.LEGAL_DENY.value]

    press_in(desk, first, A.LEGAL_APPROVE, "ULEGAL")
    assert row(desk, 1).state == "triage"
    assert buttons(dm(desk, "ULEGAL", "Case 1: exception to decide")) == []

    second = dm(desk, "ULEGAL", "Case 2: exception to decide")
    fill_in(desk, second, A.LEGAL_DENY, "ULEGAL", text("Not a paying customer"), n=2)
    assert row(desk, 2).state == "rejected"
    assert buttons(dm(desk, "ULEGAL", "Case 2: exception to decide")) == []


def test_case_status_shows_the_request_to_legal_in_a_dm_and_never_in_a_channel(desk):
    desk.file("UREQ", **EXCEPTION)
    desk.wait_for_card(1)
    in_dm = desk.command("ULEGAL", "/case-status", "1", channel=im(desk, "ULEGAL")).json()
    assert "Renewal signed" in json.dumps(in_dm) and "acme-corp/backend/api" in json.dumps(in_dm)
    in_channel = desk.command("ULEGAL", "/case-status", "1", channel=TRIAGE).json()
    assert "Renewal signed" not in json.dumps(in_channel)
    assert "acme-corp/backend/api" not in json.dumps(in_channel)
    assert "in your DM with the bot" in json.dumps(in_channel)
    outsider = desk.command("USUP", "/case-status", "1", channel=im(desk, "USUP")).json()
    assert "visible to its participants" in outsider["text"]


def test_the_relay_role_is_handed_over_and_reminders_and_the_cost_notice_follow(desk):
    desk.file("UREQ")
    receipt = dm(desk, "UREQ", "Case 1 filed")
    refused = fill_in(desk, receipt, A.RELAY_HAND_OVER, "UREQ", pick("USUP"))
    assert "can't relay to customers" in json.dumps(refused.json())
    assert row(desk).relay_contact_id == "UREQ"

    fill_in(desk, receipt, A.RELAY_HAND_OVER, "UREQ", pick("UREQ2"))
    assert row(desk).relay_contact_id == "UREQ2"
    taken = dm(desk, "UREQ2", "you relay it to the customer now")
    assert "<@UREQ>" in json.dumps(taken["blocks"])
    dm(desk, "UREQ", "the relay role was handed over")

    desk.press(A.CLAIM.value, 1, user="USUP")
    desk.fill(A.COST_NOTICE.value, 1, text("Two extra days of search"), user="USUP")
    dm(desk, "UREQ2", "tell the customer about the cost")
    assert not [m for m in desk.slack.dms_to("UREQ") if "cost" in m.get("text", "")]

    jobs = build_worker(desk.bot)
    tick(jobs, datetime.now(UTC) + timedelta(days=5))
    reminder = dm(desk, "UREQ2", "a customer update is due")
    assert "Two extra days of search" in json.dumps(reminder["blocks"])  # until confirmed
    assert A.COST_CONFIRMED.value in buttons(reminder)
    assert not [m for m in desk.slack.dms_to("UREQ") if "update is due" in m.get("text", "")]
    press_in(desk, reminder, A.COST_CONFIRMED, "UREQ2")
    assert history(desk)[-1] == "cost_confirmed"


def test_a_lead_hands_over_the_relay_role_from_case_status(desk):
    desk.file("UREQ")
    desk.wait_for_card(1)
    status = desk.command("ULEAD", "/case-status", "1", channel=im(desk, "ULEAD")).json()
    assert A.RELAY_HAND_OVER.value in buttons(status)
    view = desk.modal_from(A.RELAY_HAND_OVER.value, 1, user="ULEAD", channel=im(desk, "ULEAD"))
    desk.submit(
        view, {"user": {"input": {"type": "users_select", "selected_user": "UAKL"}}}, user="ULEAD"
    )
    desk.settle(1)
    assert row(desk).relay_contact_id == "UAKL"
    dm(desk, "UAKL", "you relay it to the customer now")
    dm(desk, "UREQ", "the relay role was handed over")
    desk.click(A.RELAY_HAND_OVER.value, case_value(1), user="USUP", channel=im(desk, "USUP"))
    told = desk.wait_until(lambda: desk.slack.ephemerals_to("USUP"), what="the refusal")
    assert "Only the requester, the relay contact or a lead" in told[-1]["text"]


@pytest.mark.parametrize("state", ["investigating", "rescope_requested", "in_review"])
def test_a_lead_reassigns_a_stuck_case_and_both_owners_are_told(desk, state):
    desk.file("UREQ")
    desk.press(A.CLAIM.value, 1, user="USUP")
    if state == "rescope_requested":
        desk.fill(A.REQUEST_RESCOPE.value, 1, text("Narrower, please"), user="USUP")
    if state == "in_review":
        desk.fill(A.SUBMIT_REVIEW.value, 1, ARTEFACTS, user="USUP")
    assert row(desk).state == state

    status = desk.command("ULEAD", "/case-status", "1", channel=im(desk, "ULEAD")).json()
    assert A.HAND_OVER.value in buttons(status)
    desk.fill(A.HAND_OVER.value, 1, pick("USUP2"), user="ULEAD", channel=im(desk, "ULEAD"))
    assert row(desk).owner_id == "USUP2" and row(desk).state == state
    given = dm(desk, "USUP2", "was handed to you")
    assert "<@ULEAD>" in json.dumps(given["blocks"]) and buttons(given)  # the case's buttons
    assert "acme-corp/backend/api" in json.dumps(given["blocks"])  # and the request itself
    mine = desk.command("USUP2", "/case-status", "1", channel=im(desk, "USUP2")).json()
    assert "acme-corp/backend/api" in json.dumps(mine)
    away = dm(desk, "USUP", "was handed to someone else")
    assert "<@USUP2>" in json.dumps(away["blocks"])


def test_the_requester_withdraws_from_the_app_home(desk):
    desk.file("UREQ")
    desk.settle(1)
    press_on_home(desk, "UREQ", A.WITHDRAW)  # opens the reason modal on the click's trigger
    modal = desk.wait_until(
        lambda: [v for v in desk.slack.views_for("UREQ") if v.get("callback_id") == "withdraw"],
        what="the withdraw modal",
    )[-1]
    desk.submit(modal, {"text": {"input": plain_text_input("Customer found it")}}, user="UREQ")
    desk.settle(1)
    assert row(desk).state == "withdrawn"
    assert A.WITHDRAW.value not in buttons(home(desk, "UREQ"))


def test_a_refusal_of_a_click_on_the_app_home_comes_as_a_dm(desk):
    desk.file("UREQ")
    desk.settle(1)
    desk.press(A.CLAIM.value, 1, user="USUP")
    # The requester's Home shows Withdraw; another requester cannot press it for them.
    view = home(desk, "UREQ")
    response = desk.sender.block_action(
        A.WITHDRAW.value, case_value(1), user_id="UREQ2", team_id=TEAM, view=view
    )
    assert response.status_code == 200
    told = desk.wait_for_dm("UREQ2", "Only the requester or a lead")
    assert told
    assert row(desk).state == "investigating"
