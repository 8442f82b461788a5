"""The cadence sweep on a real database: which cases it picks, and that it picks each once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.app import steps as sweep_module
from bot.app.cadence import Cadence, CadencePolicy
from bot.app.reminders import CadenceSweep
from bot.cases.errors import NotAllowed
from bot.config import load_settings
from bot.delivery.kinds import Notice
from bot.wiring import cadence_policy
from db.models import Case
from tests.jobs.seed import (
    bulk_due_cases,
    case,
    casework,
    count,
    file_case,
    fixed,
    handler,
    relay,
    rows,
    sweep,
)

FRI_EVENING = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)  # London is on UTC in November
MON_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def test_acceptance_starts_the_clock_and_the_sweep_computes_the_due_time(sessions):
    case_id = file_case(sessions, FRI_EVENING)
    row = case(sessions, case_id)
    assert row.state == "triage"
    assert row.last_customer_update_at == FRI_EVENING
    assert row.next_update_due_at is None  # "to compute": the sweep knows the time zone

    sweep(sessions).run(FRI_EVENING + MINUTE)
    assert case(sessions, case_id).next_update_due_at == MON_9


def test_a_friday_evening_case_is_reminded_on_monday_at_nine_once(sessions):
    case_id = file_case(sessions, FRI_EVENING)
    job = sweep(sessions)
    for now in (FRI_EVENING + MINUTE, MON_9 - MINUTE):
        job.run(now)
    assert rows(sessions, Notice.REMINDER) == []

    for now in (MON_9, MON_9 + MINUTE, MON_9 + timedelta(hours=1)):
        job.run(now)
    [reminder] = rows(sessions, Notice.REMINDER)
    assert reminder.case_id == case_id and reminder.topic == "slack"
    assert reminder.payload == {"to": "relay", "due_at": MON_9.isoformat()}
    assert case(sessions, case_id).reminded_due_at == MON_9


def test_the_relay_contacts_slack_zone_wins_over_the_requesters(sessions):
    filed = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # Thu 09:00 in Auckland, Wed 12:00 in LA
    auckland = file_case(sessions, filed, requester="UAKL", tz="Europe/London")
    los_angeles = file_case(sessions, filed, requester="ULAX", tz="Europe/London")
    zones = {"UAKL": "Pacific/Auckland", "ULAX": "America/Los_Angeles"}
    sweep(sessions, zones).run(filed)
    # +12 h is 21:00 Thursday in Auckland and midnight in LA: both move to their 09:00.
    assert case(sessions, auckland).next_update_due_at == datetime(2026, 11, 26, 20, tzinfo=UTC)
    assert case(sessions, los_angeles).next_update_due_at == datetime(2026, 11, 26, 17, tzinfo=UTC)


def test_the_requesters_zone_stands_in_when_slack_cannot_answer(sessions):
    case_id = file_case(sessions, FRI_EVENING, tz="America/New_York")

    def broken(user_id: str) -> str:
        raise OSError("Slack is down")

    CadenceSweep(sessions=sessions, policy=CadencePolicy(), tz_of=broken).run(FRI_EVENING)
    assert case(sessions, case_id).next_update_due_at == datetime(2026, 11, 30, 14, tzinfo=UTC)


def test_public_holidays_of_the_configured_country_are_skipped(sessions):
    christmas_eve = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)
    case_id = file_case(sessions, christmas_eve)
    policy = cadence_policy(load_settings({"HOLIDAY_COUNTRY": "GB"}, dotenv_path=None))
    assert policy.is_holiday(date(2026, 12, 28))  # Boxing Day falls on Saturday: Monday off
    sweep(sessions, policy=policy).run(christmas_eve)
    assert case(sessions, case_id).next_update_due_at == datetime(2026, 12, 29, 9, tzinfo=UTC)


def test_catch_up_after_downtime_sends_one_reminder_not_one_per_missed_slot(sessions):
    case_id = file_case(sessions, FRI_EVENING)
    sweep(sessions).run(FRI_EVENING + timedelta(days=10))
    assert [r.case_id for r in rows(sessions, Notice.REMINDER)] == [case_id]


def test_an_update_sent_restarts_the_clock(sessions):
    case_id = file_case(sessions, FRI_EVENING)
    job = sweep(sessions)
    job.run(MON_9)
    updated_at = MON_9 + timedelta(minutes=30)
    Cadence(sessions=sessions, clock=fixed(updated_at)).record_customer_update(
        case_id, relay(), "Told them we're on it"
    )
    row = case(sessions, case_id)
    assert row.last_customer_update_at == updated_at and row.next_update_due_at is None

    job.run(updated_at + MINUTE)
    assert case(sessions, case_id).next_update_due_at == datetime(2026, 12, 1, 9, tzinfo=UTC)
    job.run(datetime(2026, 12, 1, 8, 59, tzinfo=UTC))
    assert len(rows(sessions, Notice.REMINDER)) == 1
    job.run(datetime(2026, 12, 1, 9, tzinfo=UTC))
    assert len(rows(sessions, Notice.REMINDER)) == 2


def test_only_the_relay_contact_records_an_update_or_snoozes(sessions):
    case_id = file_case(sessions, FRI_EVENING)
    cadence = Cadence(sessions=sessions, clock=fixed(MON_9))
    with pytest.raises(NotAllowed):
        cadence.record_customer_update(case_id, relay("USTRANGER"))
    with pytest.raises(NotAllowed):
        cadence.snooze(case_id, relay("USTRANGER"), 1)
    assert case(sessions, case_id).last_customer_update_at == FRI_EVENING


def test_a_snooze_holds_the_reminder_back_then_sends_it_once_more(sessions):
    case_id = file_case(sessions, FRI_EVENING)
    job = sweep(sessions)
    job.run(MON_9)
    until = Cadence(sessions=sessions, clock=fixed(MON_9 + MINUTE)).snooze(case_id, relay(), 2)
    assert until == MON_9 + MINUTE + timedelta(hours=2)
    job.run(until - MINUTE)
    assert len(rows(sessions, Notice.REMINDER)) == 1
    for now in (until, until + MINUTE, until + timedelta(hours=1)):
        job.run(now)
    assert len(rows(sessions, Notice.REMINDER)) == 2


def test_a_snooze_before_the_reminder_only_delays_it(sessions):
    case_id = file_case(sessions, FRI_EVENING)
    Cadence(sessions=sessions, clock=fixed(MON_9 - timedelta(minutes=30))).snooze(
        case_id, relay(), 1
    )
    job = sweep(sessions)
    job.run(MON_9)
    assert rows(sessions, Notice.REMINDER) == []
    job.run(MON_9 + timedelta(minutes=30))
    assert len(rows(sessions, Notice.REMINDER)) == 1


def test_escalation_happens_once_after_the_margin(sessions):
    case_id = file_case(sessions, FRI_EVENING)
    job = sweep(sessions)
    job.run(MON_9 + timedelta(hours=4))  # exactly at the margin: not yet
    assert rows(sessions, Notice.ESCALATION) == []
    for minutes in (1, 2, 60, 600):
        job.run(MON_9 + timedelta(hours=4, minutes=minutes))
    [escalation] = rows(sessions, Notice.ESCALATION)
    assert escalation.case_id == case_id
    assert len(rows(sessions, Notice.REMINDER)) == 1


def test_the_owner_is_nudged_once_when_the_update_nears_and_nothing_was_logged(sessions):
    quiet = file_case(sessions, FRI_EVENING)
    busy = file_case(sessions, FRI_EVENING)
    unowned = file_case(sessions, FRI_EVENING)
    work = casework(sessions, FRI_EVENING + MINUTE)
    for case_id in (quiet, busy):
        work.claim(case_id, handler())
    casework(sessions, FRI_EVENING + timedelta(hours=1)).add_finding(busy, handler(), "Found it")
    job = sweep(sessions)
    job.run(MON_9 - timedelta(hours=2, minutes=1))  # outside the 2-hour lead
    assert rows(sessions, Notice.NUDGE) == []
    for now in (MON_9 - timedelta(hours=2), MON_9 - timedelta(hours=1), MON_9, MON_9 + MINUTE):
        job.run(now)
    assert [r.case_id for r in rows(sessions, Notice.NUDGE)] == [quiet]
    assert unowned not in [r.case_id for r in rows(sessions, Notice.NUDGE)]


def test_no_reminders_outside_triage_to_approved(sessions):
    pending_legal = file_case(sessions, FRI_EVENING, exception="A court order")
    withdrawn = file_case(sessions, FRI_EVENING)
    casework(sessions, FRI_EVENING + MINUTE).withdraw(withdrawn, relay(), "Not needed")
    assert case(sessions, withdrawn).next_update_due_at is None
    with sessions.begin() as session:  # even a due time left behind is ignored
        session.execute(update(Case).where(Case.id == withdrawn).values(next_update_due_at=MON_9))
    job = sweep(sessions)
    for now in (MON_9, MON_9 + timedelta(days=3)):
        job.run(now)
    for kind in (Notice.REMINDER, Notice.NUDGE, Notice.ESCALATION):
        assert rows(sessions, kind) == []
    assert case(sessions, pending_legal).next_update_due_at is None


def test_a_sweep_killed_half_way_loses_and_doubles_nothing(sessions, monkeypatch):
    bulk_due_cases(sessions, 300, due=MON_9)
    real_enqueue, calls = sweep_module.outbox.enqueue, []

    def dies_midway(**kwargs):
        calls.append(kwargs["case_id"])
        if len(calls) == 150:
            raise RuntimeError("worker killed")
        return real_enqueue(**kwargs)

    monkeypatch.setattr(sweep_module.outbox, "enqueue", dies_midway)
    with pytest.raises(RuntimeError):
        sweep(sessions, batch=100).run(MON_9)
    assert count(sessions, Notice.REMINDER) == (100, 100)  # the first batch committed, whole

    monkeypatch.setattr(sweep_module.outbox, "enqueue", real_enqueue)
    sweep(sessions, batch=100).run(MON_9 + MINUTE)
    sweep(sessions, batch=100).run(MON_9 + 2 * MINUTE)
    assert count(sessions, Notice.REMINDER) == (300, 300)


def test_every_running_clock_gets_a_due_time_however_many_batches_it_takes(sessions):
    bulk_due_cases(sessions, 250, due=MON_9)
    with sessions.begin() as session:  # 240 running clocks to (re)time, 10 ended cases
        session.execute(update(Case).values(next_update_due_at=None))
        session.execute(update(Case).where(Case.id > 240).values(state="closed"))
    assert sweep(sessions, batch=100).schedule(FRI_EVENING) == (240, 0)
    with sessions() as session:
        timed = {c.id: c.next_update_due_at for c in session.query(Case)}
    assert all(timed[n] is not None for n in range(1, 241))
    assert [timed[n] for n in range(241, 251)] == [None] * 10
    assert sweep(sessions, batch=100).schedule(FRI_EVENING) == (0, 0)
