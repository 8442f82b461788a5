"""Faults: Slack rate-limiting or failing, and the database failing half-way through a step.
What is safe to retry is retried from the outbox; people are told; no case is half-written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, update

from bot.standins.desk import start_desk, stop_desk
from bot.standins.workspace import TEAM, intake_answers
from db.models import Case, CaseEvent, OutboxMessage
from db.session import transaction
from messages.ids import case_value
from tests.reliability.conftest import assert_no_leak, case_facts, count, what_people_saw


def pending(desk) -> int:
    with transaction(desk.bot.sessions) as session:
        return session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.topic == "slack")
        )


def quiet(desk) -> None:
    """Waits until the couriers are done and no drain holds a Slack row (the listener's own
    attempts are over: a courier between two passes holds no row but will claim one again)."""

    def released() -> bool:
        if not desk.bot.delivery.couriers_idle():
            return False
        with transaction(desk.bot.sessions) as session:
            return not session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "pending", OutboxMessage.lease_until.is_not(None))
            )

    desk.wait_until(released, timeout=10, what="the outbox to be released")


def skip_back_off(desk) -> None:
    past = datetime.now(UTC) - timedelta(seconds=1)
    with transaction(desk.bot.sessions) as session:
        session.execute(update(OutboxMessage).values(available_at=past))


def cards(desk) -> list:
    return [m for m in desk.cards() if "Case 1:" in m.get("text", "")]


# -- Slack faults ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fault",
    [
        {"status": 429, "retry_after": 0, "times": 4},  # beyond the client's 3 quick retries
        {"status": 500, "times": 2},
        {"status": 503, "times": 1},
        {"status": 200, "error": "internal_error", "times": 3},
    ],
    ids=["429 Retry-After", "500", "503", "ok=false internal_error"],
)
def test_a_card_slack_refuses_for_now_stays_queued_and_arrives_once(desk, fault):
    desk.slack.fail_next("chat.postMessage", **fault)
    response = desk.file("UREQ")
    count("faults", response)
    assert "case 1" in str(response.json()), "the requester still learns the case was filed"
    desk.wait_until(lambda: desk.slack.calls("chat.postMessage"), what="a first attempt")
    deadline = time.monotonic() + 15
    while pending(desk) and time.monotonic() < deadline:
        quiet(desk)  # the listener's own attempt (and the client's quick retries) are over
        skip_back_off(desk)
        desk.bot.delivery.slack_drain.run()
        time.sleep(0.05)
    assert pending(desk) == 0
    assert len(cards(desk)) == 1, "the card arrives exactly once"
    desk.wait_for_dm("UREQ", "Case 1 filed")
    assert [f[0] for f in case_facts(desk).values()] == ["triage"]


def test_a_rate_limit_longer_than_the_client_waits_is_honoured_by_the_outbox(desk):
    desk.slack.fail_next("chat.postMessage", status=429, retry_after=120, times=1)
    # The WebClient would sleep 120 s; the outbox should take Retry-After instead. Bound the wait.
    desk.bot.gateway.client.retry_handlers = [
        h for h in desk.bot.gateway.client.retry_handlers if "RateLimit" not in type(h).__name__
    ]
    desk.file("UREQ")
    desk.wait_until(lambda: desk.slack.calls("chat.postMessage"), what="a first attempt")
    quiet(desk)
    with transaction(desk.bot.sessions) as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == "slack").order_by(OutboxMessage.id)
        ).first()
    assert row.status == "pending" and "rate limited" in (row.last_error or "")
    assert row.available_at >= datetime.now(UTC) + timedelta(seconds=100)
    skip_back_off(desk)
    desk.bot.delivery.slack_drain.run()
    assert cards(desk) == []  # the pacer holds the channel too: nothing before Retry-After
    later = time.monotonic() + 121
    desk.bot.pacer._clock = lambda: later  # the two minutes have passed for the pacer too
    skip_back_off(desk)
    desk.bot.delivery.slack_drain.run()
    assert len(cards(desk)) == 1


def test_when_a_case_modal_cannot_open_the_handler_is_told_and_the_case_is_unchanged(desk):
    desk.file("UREQ")
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USUP")
    before = case_facts(desk)
    desk.slack.fail_next("views.open", error="expired_trigger_id")
    response = count("faults", desk.click("case_add_finding", case_value(1), user="USUP"))
    assert response.status_code == 200
    told = desk.wait_until(lambda: desk.slack.ephemerals_to("USUP"), what="a message to USUP")
    assert "didn't open the form" in told[-1]["text"]
    assert_no_leak(what_people_saw(desk), "what the bot showed people")
    assert case_facts(desk) == before


def test_a_rate_limited_modal_button_is_still_acknowledged(desk):
    desk.file("UREQ")
    desk.wait_for_card(1)
    desk.press("case_claim", 1, user="USUP")
    desk.slack.fail_next("views.open", status=429, retry_after=3, times=1)
    response = count("faults", desk.click("case_add_finding", case_value(1), user="USUP"))
    assert response.status_code == 200


def test_a_submission_slack_slows_past_three_seconds_still_gets_the_bots_own_answer(
    rel_db_url, monkeypatch
):
    """Slack takes 3.5 s to say who the person is (asked afresh: the cached answer has
    expired), so the listener acks later than Bolt's 3-second wait. The person still gets the
    bot's own answer, the confirmation, never Bolt's `404 unhandled request` while the filing
    goes on behind it (what one of 200 submissions got on a CPU-loaded machine)."""
    monkeypatch.setattr("bot.slack.gateway.USER_TTL", 0.0)
    desk = start_desk(rel_db_url)
    try:
        view = desk.open_intake("UREQ")
        desk.slack.set_hang("users.info", 3.5)
        response = count("faults", desk.submit(view, intake_answers()))
        assert response.status_code == 200, response.text
        assert filed_number(response) == 1
    finally:
        desk.slack.set_hang("users.info", 0)
        stop_desk(desk)


# -- database faults ---------------------------------------------------------------------------
def fail_outbox_writes(desk):
    """Makes every flush that would write an outbox row fail, as a full disk or lost link would."""

    def before_flush(session, _context, _instances):
        if any(isinstance(row, OutboxMessage) for row in session.new):
            raise RuntimeError("simulated failure writing the outbox")

    event.listen(desk.bot.sessions, "before_flush", before_flush)
    return lambda: event.remove(desk.bot.sessions, "before_flush", before_flush)


def filed_number(response) -> int:
    """The case number the confirmation modal shows (Postgres skips the rolled-back number)."""
    found = re.search(r"Filed as \*case (\d+)\*", json.dumps(response.json()))
    assert found, response.text
    return int(found.group(1))


def rows(desk, model) -> int:
    with transaction(desk.bot.sessions) as session:
        return session.scalar(select(func.count()).select_from(model))


def kept_then_filed(desk, response) -> None:
    """The intake acknowledged before the filing failed is kept, with no trace of a case, and
    the next filing files it first, without anyone submitting it again."""
    body = str(response.json())
    assert response.status_code == 200 and "error id" in body and "is kept" in body
    assert_no_leak(body, "the modal")
    assert (rows(desk, Case), rows(desk, CaseEvent), rows(desk, OutboxMessage)) == (0, 0, 0)
    assert len(desk.bot.use_cases.filing.waiting()) == 1
    second = filed_number(count("faults", desk.file("UREQ")))  # resumes, no restart
    with transaction(desk.bot.sessions) as session:
        numbers = sorted(session.scalars(select(Case.id)))
    assert len(numbers) == 2 and numbers[-1] == second  # the kept one was filed first
    for number in numbers:
        desk.wait_for_card(number)
    assert desk.bot.use_cases.filing.waiting() == []


def test_a_filing_that_fails_half_way_leaves_no_case_and_says_so_with_an_error_id(desk):
    restore = fail_outbox_writes(desk)
    try:
        response = count("faults", desk.file("UREQ"))
    finally:
        restore()
    kept_then_filed(desk, response)


def test_a_claim_that_fails_half_way_changes_nothing_and_the_next_claim_works(desk):
    desk.file("UREQ")
    desk.wait_for_card(1)
    before = case_facts(desk)
    restore = fail_outbox_writes(desk)
    try:
        count("faults", desk.click("case_claim", case_value(1), user="USUP"))
        told = desk.wait_until(lambda: desk.slack.ephemerals_to("USUP"), what="a message")
    finally:
        restore()
    assert "error id" in told[-1]["text"]
    assert case_facts(desk) == before
    desk.press("case_claim", 1, user="USUP")
    assert case_facts(desk)[1][:2] == ("investigating", "USUP")


def test_a_missing_outbox_table_fails_the_filing_cleanly_and_service_resumes(desk):
    engine = desk.bot.sessions.kw["bind"]
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE outbox_message RENAME TO outbox_message_away")
    try:
        response = count("faults", desk.file("UREQ"))
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE outbox_message_away RENAME TO outbox_message")
    kept_then_filed(desk, response)


RESTART_ASKED = os.environ.get("RELIABILITY_PG_RESTART") == "1" or os.environ.get(
    "CI", ""
).lower() in ("1", "true", "yes")


@pytest.mark.slow
@pytest.mark.alone  # every other test's Postgres goes down with it
@pytest.mark.skipif(
    not (RESTART_ASKED and shutil.which("pg_ctlcluster") and Path("/etc/postgresql").is_dir()),
    reason="restarts the Postgres server: only in CI or with RELIABILITY_PG_RESTART=1",
)
@pytest.mark.parametrize("rel_db_url", ["postgres"], indirect=True)
def test_requests_during_a_postgres_restart_fail_cleanly_and_service_resumes(desk):
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    answers = []

    def file_many():  # the acks Slack would get (a filing after its ack may wait for the worker)
        for _ in range(10):
            view = desk.open_intake("UREQ")
            answers.append(
                desk.sender.view_submission(view, intake_answers(), user_id="UREQ", team_id=TEAM)
            )

    worker = threading.Thread(target=file_many)
    worker.start()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        timeout=60,
    )
    worker.join(timeout=60)
    for response in answers:
        count("faults", response)
        assert response.status_code < 500
        assert_no_leak(response.text, "the modal")
    assert "case" in str(count("faults", desk.file("UREQ")).json())
    assert desk.bot.use_cases.filing.waiting() == [], "every acknowledged request is filed"
    for number, facts in case_facts(desk).items():
        assert facts[6] == 2, f"case {number} is half-written"
