"""A signed case-modal submission sent again, byte for byte, within Slack's five minutes: the
replay is answered as the first delivery was and changes nothing, for every modal that writes.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from bot.standins.desk import Desk
from bot.standins.slack_payloads import checkboxes, plain_text_input, state_values, static_select
from bot.standins.slack_requests import SlackSender
from bot.standins.workspace import SECRET, intake_answers
from db.models import Case, CaseEvent, Finding, OutboxMessage
from db.session import transaction
from tests.factories import BAG_DIGEST
from tests.reliability.conftest import count

DELIVERIES = 3


def send_and_keep(desk: Desk, monkeypatch, send: Callable[[], requests.Response]):
    """Sends a request; returns its answer and a way to post the very same signed bytes."""
    captured: list[tuple[bytes | str, dict]] = []
    real = desk.sender.post_raw

    def recording(body, headers):
        captured.append((body, headers))
        return real(body, headers)

    with monkeypatch.context() as patch:
        patch.setattr(desk.sender, "post_raw", recording)
        first = count("replays", send())
    body, headers = captured[-1]
    return first, lambda: count("replays", real(body, headers))


def totals(desk: Desk, n: int = 1) -> tuple[int, int, int, str]:
    """Events, findings and queued messages of case n, and its state."""
    with transaction(desk.bot.sessions) as session:

        def rows(model) -> int:
            return session.scalar(select(func.count()).select_from(model).where(model.case_id == n))

        state = session.get(Case, n).state
        return rows(CaseEvent), rows(Finding), rows(OutboxMessage), state


def submit(desk: Desk, action: str, answers: dict, *, user: str, n: int = 1):
    view = desk.modal_from(action, n, user=user)
    values = state_values({(block, "input"): value for block, value in answers.items()})
    return lambda: desk.submit(view, values, user=user)


def assert_once(desk: Desk, monkeypatch, send, *, n: int = 1) -> None:
    """The first delivery changes the case; replays get the same answer and change nothing."""
    before = totals(desk, n)
    first, replay = send_and_keep(desk, monkeypatch, send)
    desk.settle(n)
    after = totals(desk, n)
    assert after != before, "the first delivery did nothing"
    assert first.status_code == 200 and "errors" not in first.text, first.text
    replays = [replay() for _ in range(DELIVERIES - 1)]
    assert [(a.status_code, a.text) for a in replays] == [(200, first.text)] * len(replays)
    desk.settle(n)
    assert totals(desk, n) == after


ARTEFACTS = {
    "artefact_description": plain_text_input("Sign-in events"),
    "artefact_count": plain_text_input("42"),
    "artefact_location": plain_text_input("gs://evidence/case-1/"),
    "artefact_checksum": plain_text_input(f"sha256:{BAG_DIGEST}"),
    "redacted": checkboxes(["redacted"]),
}


def text(value: str) -> dict:
    return {"text": plain_text_input(value)}


def test_every_case_modal_acts_once_however_often_its_submission_arrives(desk, monkeypatch):
    assert desk.file("UREQ").status_code == 200
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USUP")

    once = lambda send: assert_once(desk, monkeypatch, send)  # noqa: E731
    once(submit(desk, "case_add_finding", text("Seen from 203.0.113.9"), user="USUP"))
    once(submit(desk, "case_cost_notice", text("Told them it takes a week"), user="USUP"))
    once(submit(desk, "case_request_rescope", text("Name the two users"), user="USUP"))
    edit = desk.modal_from("case_edit_scope", 1, user="UREQ")
    once(lambda: desk.submit(edit, intake_answers(), user="UREQ"))
    once(submit(desk, "case_hand_over", {"user": _user("USUP2")}, user="USUP"))
    once(submit(desk, "case_submit_review", ARTEFACTS, user="USUP2"))
    once(submit(desk, "case_reject", text("Another customer's project is in it"), user="USEC"))
    desk.fill("case_submit_review", 1, ARTEFACTS, user="USUP2")
    desk.press("case_approve", 1, user="USEC")
    desk.press("case_approve", 1, user="ULEGAL")
    desk.press("case_mark_shared", 1, user="UREQ")
    once(submit(desk, "case_close_gap", {"no_gap": plain_text_input("Covered")}, user="USUP2"))
    assert totals(desk)[3] == "closed"
    with transaction(desk.bot.sessions) as session:
        assert [f.text for f in session.scalars(select(Finding))] == ["Seen from 203.0.113.9"]
    assert len([m for m in desk.slack.dms_to("UREQ") if "re-scope" in m["text"]]) == 1
    assert len([m for m in desk.slack.dms_to("USUP2") if "handed" in m["text"]]) == 1


@pytest.mark.parametrize("step", ["withdraw", "legal deny"])
def test_ending_modals_act_once_too(desk, monkeypatch, step):
    exception = {"plan": static_select("free"), "exception": plain_text_input("Key customer")}
    assert desk.file("UREQ", **exception).status_code == 200
    desk.wait_for_card(1)
    if step == "withdraw":
        send = submit(desk, "case_withdraw", text("Solved by the customer"), user="UREQ")
    else:
        send = submit(desk, "case_legal_deny", text("Not a paying customer"), user="ULEGAL")
    assert_once(desk, monkeypatch, send)
    assert totals(desk)[3] in ("withdrawn", "rejected")


def _user(user_id: str) -> dict:
    return {"type": "users_select", "selected_user": user_id}


def test_three_deliveries_at_once_still_add_one_finding(desk, monkeypatch):
    assert desk.file("UREQ").status_code == 200
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USUP")
    view = desk.modal_from("case_add_finding", 1, user="USUP")
    values = state_values({("text", "input"): plain_text_input("Seen twice?")})
    captured: list = []
    with monkeypatch.context() as patch:
        patch.setattr(desk.sender, "post_raw", lambda b, h: captured.append((b, h)))
        desk.submit(view, values, user="USUP")
    body, headers = captured[0]
    senders = [SlackSender(desk.url, SECRET) for _ in range(DELIVERIES)]
    with ThreadPoolExecutor(DELIVERIES) as pool:
        answers = list(pool.map(lambda s: count("replays", s.post_raw(body, headers)), senders))
    for sender in senders:
        sender.close()
    assert [(a.status_code, a.text) for a in answers] == [(200, "")] * DELIVERIES
    desk.settle(1)
    with transaction(desk.bot.sessions) as session:
        assert [f.text for f in session.scalars(select(Finding))] == ["Seen twice?"]
