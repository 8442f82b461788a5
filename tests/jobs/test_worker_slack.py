"""The worker's jobs against the served bot and the fake Slack, at chosen instants.

No live scheduler and no frozen clock here: each run is `tick` at an instant passed in (the
drains use it too), and button clicks go over HTTP at the real time, as Slack sends them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.__main__ import _start_worker, main
from bot.delivery.kinds import Notice
from bot.jobs.scheduler import tick
from bot.standins.desk import Desk, start_desk, stop_desk
from bot.standins.slack_payloads import plain_text_input
from bot.standins.workspace import LEADS, TRIAGE, WORK, settings_env
from bot.wiring import build_worker
from db.models import Case, Finding, OutboxMessage
from messages.ids import ActionId, case_value
from tests.jobs.seed import casework, file_case, handler

DUE_TEXT = "a customer update is due"
MINUTE = timedelta(minutes=1)


@pytest.fixture
def desk(db_url: str) -> Iterator[Desk]:
    desk = start_desk(db_url)
    yield desk
    stop_desk(desk)
    assert desk.slack.validation_errors == []
    assert desk.slack.internal_errors == []


def sessions(desk: Desk):
    return desk.bot.sessions


def reminders(desk: Desk, user: str = "UREQ") -> list[dict]:
    return [m for m in desk.slack.dms_to(user) if DUE_TEXT in m.get("text", "")]


def press_on(desk: Desk, message: dict, action: ActionId, case_id: int, user: str) -> None:
    """Clicks a button of a DM the bot sent, as Slack sends it, and waits for the effects."""
    response = desk.click(
        action.value,
        case_value(case_id),
        user=user,
        channel=message["channel"],
        message_ts=message["ts"],
    )
    assert response.status_code == 200, response.text
    desk.settle(case_id)


def test_contacts_are_reminded_in_their_own_mornings(desk):
    desk.slack.add_user("ULAX", tz="America/Los_Angeles")
    filed = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # Thu 09:00 Auckland, Wed 12:00 LA
    file_case(sessions(desk), filed, requester="UAKL", tz="Europe/London")
    file_case(sessions(desk), filed, requester="ULAX", tz="Europe/London")
    jobs = build_worker(desk.bot)
    la_nine, auckland_nine = (datetime(2026, 11, 26, h, tzinfo=UTC) for h in (17, 20))
    for now, la, auckland in (
        (filed + MINUTE, 0, 0),
        (la_nine - MINUTE, 0, 0),
        (la_nine, 1, 0),
        (auckland_nine - MINUTE, 1, 0),
        (auckland_nine, 1, 1),
        (auckland_nine + timedelta(hours=1), 1, 1),
    ):
        tick(jobs, now)
        assert (len(reminders(desk, "ULAX")), len(reminders(desk, "UAKL"))) == (la, auckland), now


def test_a_friday_evening_case_is_reminded_monday_nine_by_the_tick_command(
    desk, db_url, monkeypatch, tmp_path
):
    case_id = file_case(sessions(desk), datetime(2026, 11, 27, 18, 0, tzinfo=UTC))
    monkeypatch.chdir(tmp_path)  # no .env from the working directory
    for name, value in settings_env(desk.slack, db_url).items():
        monkeypatch.setenv(name, value)
    assert main(["tick", "--now", "2026-11-30T08:59:00+00:00"]) == 0
    assert reminders(desk) == []
    assert main(["tick", "--now", "2026-11-30T09:00:00Z"]) == 0
    assert main(["tick", "--now", "2026-11-30T10:00:00+01:00"]) == 0  # the same instant
    [dm] = reminders(desk)
    assert f"case {case_id}*" in dm["blocks"][0]["text"]["text"]
    assert main(["tick", "--now", "Monday"]) == 2


def test_update_sent_restarts_the_clock_and_snooze_asks_again_later(desk):
    now = datetime.now(UTC)
    case_id = file_case(sessions(desk), now - timedelta(days=3))
    jobs = build_worker(desk.bot)
    tick(jobs, now)
    [dm] = reminders(desk)  # one DM after days of silence, not one per missed slot

    press_on(desk, dm, ActionId.SNOOZE_1H, case_id, "UREQ")
    desk.wait_until(lambda: not reminders(desk), what="the reminder to be replaced")
    assert ":zzz:" in desk.slack.dms_to("UREQ")[-1]["text"]
    tick(jobs, now + timedelta(minutes=30))
    assert reminders(desk) == []
    tick(jobs, now + timedelta(minutes=62))
    [dm] = reminders(desk)

    told = "Told them the token's use is being traced."
    answers = {"summary": plain_text_input(told)}
    at = {"channel": dm["channel"], "message_ts": dm["ts"]}
    response = desk.fill(ActionId.UPDATE_SENT.value, case_id, answers, user="UREQ", **at)
    assert response.status_code == 200 and response.text == "", response.text
    desk.wait_until(lambda: not reminders(desk), what="the reminder to be replaced")
    with sessions(desk)() as session:
        row = session.get(Case, case_id)
        assert row.last_customer_update_at > now - MINUTE and row.next_update_due_at is None
    status = desk.command("UREQ", "/case-status", str(case_id), channel="DUREQ").json()
    assert told in str(status["blocks"])  # the line is shown with the update in /case-status
    tick(jobs, now + timedelta(minutes=63))
    assert reminders(desk) == []
    tick(jobs, now + timedelta(days=5))
    assert len(reminders(desk)) == 1


def test_someone_else_cannot_press_update_sent(desk):
    now = datetime.now(UTC)
    case_id = file_case(sessions(desk), now - timedelta(days=3))
    tick(build_worker(desk.bot), now)
    [dm] = reminders(desk)
    press_on(desk, dm, ActionId.UPDATE_SENT, case_id, "UREQ2")
    refusals = desk.wait_until(lambda: desk.slack.ephemerals_to("UREQ2"), what="the refusal")
    assert "Only the requester" in refusals[-1]["text"]
    assert len(reminders(desk)) == 1


def test_the_owner_is_nudged_once_and_the_button_adds_a_finding(desk):
    filed = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    case_id = file_case(sessions(desk), filed)
    casework(sessions(desk), filed + MINUTE).claim(case_id, handler("USUP"))
    jobs = build_worker(desk.bot)
    for hour in (7, 8, 9):
        tick(jobs, datetime(2026, 11, 30, hour, tzinfo=UTC))
    [nudge] = [m for m in desk.slack.dms_to("USUP") if "progress note" in m["text"]]
    view = desk.modal_from(ActionId.ADD_FINDING.value, case_id, user="USUP")
    desk.submit(view, {"text": {"input": plain_text_input("Sign-ins pulled")}}, user="USUP")

    def logged() -> bool:
        with sessions(desk)() as session:
            return session.scalar(select(Finding.text).where(Finding.case_id == case_id))

    assert desk.wait_until(logged, what="the finding") == "Sign-ins pulled"
    assert nudge["channel"] != TRIAGE


def test_escalation_goes_to_the_private_leads_channel_once(desk):
    case_id = file_case(sessions(desk), datetime(2026, 11, 27, 18, 0, tzinfo=UTC))
    jobs = build_worker(desk.bot)
    for now in ("2026-11-30T13:00Z", "2026-11-30T13:01Z", "2026-11-30T18:00Z"):
        tick(jobs, datetime.fromisoformat(now))
    [escalation] = desk.slack.messages_in(LEADS)
    assert f"Case {case_id}: customer update overdue" in escalation["text"]
    assert "acme-corp" not in str(escalation)  # no paths, names or free text


def test_escalation_is_held_back_when_the_leads_channel_is_not_private(db_url):
    desk = start_desk(db_url, LEADS_CHANNEL=WORK)
    try:
        case_id = file_case(sessions(desk), datetime(2026, 11, 27, 18, 0, tzinfo=UTC))
        tick(build_worker(desk.bot), datetime(2026, 11, 30, 14, tzinfo=UTC))
        assert desk.slack.messages_in(WORK) == []
        with sessions(desk)() as session:
            held = session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.case_id == case_id, OutboxMessage.kind == Notice.ESCALATION
                )
            ).one()
        assert held.status == "pending" and "not private" in held.last_error
    finally:
        stop_desk(desk)


def test_serve_runs_the_worker_in_process_when_asked(db_url):
    desk = start_desk(db_url, SERVE_RUNS_WORKER="true")
    try:
        assert _start_worker(replace(desk.bot.settings, serve_runs_worker=False), desk.bot) is None
        file_case(sessions(desk), datetime.now(UTC) - timedelta(days=3))
        # The card goes out first: a sweep skips a case whose row another transaction holds
        # (the card's ts being stored) and reminds it a minute later, past this test's wait.
        desk.bot.delivery.slack_drain.run()
        worker = _start_worker(desk.bot.settings, desk.bot)
        try:
            # The sweep and the Slack drain start together; a sweep that queued something
            # has the drain run again at once, well before its next turn 15 s later.
            desk.wait_until(
                lambda: reminders(desk), timeout=10, what="the in-process worker's reminder"
            )
        finally:
            worker.shutdown(wait=True)
    finally:
        stop_desk(desk)


def test_tick_without_now_runs_at_the_clock(desk, db_url, monkeypatch, tmp_path):
    # Only the one-shot `tick` runs under the frozen clock: no scheduler thread, no Bolt request.
    case_id = file_case(sessions(desk), datetime(2026, 11, 27, 18, 0, tzinfo=UTC))
    monkeypatch.chdir(tmp_path)
    for name, value in settings_env(desk.slack, db_url).items():
        monkeypatch.setenv(name, value)
    with freeze_time("2026-11-30 08:59:59+00:00"):
        assert main(["tick"]) == 0
    assert reminders(desk) == []
    with freeze_time("2026-11-30 09:00:00+00:00"):
        assert main(["tick"]) == 0
    [dm] = reminders(desk)
    assert f"case {case_id}*" in dm["blocks"][0]["text"]["text"]
