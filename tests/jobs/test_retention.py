"""The retention purge blanks personal data of long-ended cases, records it, keeps the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, select

from bot.app.filing import Filing, Requester
from bot.app.retention import RetentionPurge, blank_value
from bot.cases.model import Limits
from db import cases as case_repo
from db.models import PERSONAL_FIELDS, Case, Finding
from tests.factories import intake
from tests.jobs.seed import casework, file_case, handler, relay

FILED = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
ENDED = FILED + timedelta(days=1)
NINETY_DAYS = timedelta(days=90)


def _columns(sessions, case_id: int) -> dict:
    with sessions() as session:
        row = session.get(Case, case_id)
        return {attr.key: getattr(row, attr.key) for attr in inspect(Case).column_attrs}


def _ended_case_with_a_finding(sessions) -> int:
    case_id = file_case(sessions, FILED)
    casework(sessions, FILED + timedelta(hours=1)).claim(case_id, handler())
    casework(sessions, FILED + timedelta(hours=2)).add_finding(
        case_id, handler(), "jdoe signed in from 203.0.113.7"
    )
    casework(sessions, ENDED).withdraw(case_id, relay(), "The customer withdrew the request")
    return case_id


def test_purge_blanks_personal_fields_and_findings_and_nothing_else(sessions):
    case_id = _ended_case_with_a_finding(sessions)
    open_case = file_case(sessions, FILED)
    before = _columns(sessions, case_id)
    purge = RetentionPurge(sessions=sessions, retention=NINETY_DAYS)

    assert purge.run(ENDED + NINETY_DAYS - timedelta(minutes=1)) == 0
    now = ENDED + NINETY_DAYS
    assert purge.run(now) == 1

    after = _columns(sessions, case_id)
    for name in PERSONAL_FIELDS:
        assert after[name] == blank_value(name), name
    assert any(before[name] for name in PERSONAL_FIELDS)
    assert after["purged_at"] == now and after["updated_at"] == now
    untouched = set(before) - set(PERSONAL_FIELDS) - {"purged_at", "updated_at"}
    assert {k: after[k] for k in untouched} == {k: before[k] for k in untouched}

    with sessions() as session:
        assert session.scalars(select(Finding.text).where(Finding.case_id == case_id)).all() == [""]
        history = case_repo.history(session=session, case_id=case_id)
        assert history[-1].action == "purge" and history[-1].actor_id == "bot"
        assert [e.action for e in history[:-1]] == [
            "submit",
            "accept",
            "claim",
            "add_finding",
            "withdraw",
        ]
    assert _columns(sessions, open_case)["summary"]  # open cases are never purged


def test_purge_happens_once(sessions):
    case_id = _ended_case_with_a_finding(sessions)
    purge = RetentionPurge(sessions=sessions, retention=NINETY_DAYS)
    later = ENDED + NINETY_DAYS
    assert [purge.run(later), purge.run(later + timedelta(days=1))] == [1, 0]
    with sessions() as session:
        actions = [e.action for e in case_repo.history(session=session, case_id=case_id)]
    assert actions.count("purge") == 1


def test_an_intake_never_filed_is_dropped_once_past_retention(sessions):
    filing = Filing(sessions=sessions, clock=lambda: FILED, limits=Limits())
    window = {"window_start": FILED - timedelta(days=3), "window_end": FILED - timedelta(days=1)}
    filing.receive(intake=intake(**window), requester=Requester("UREQ", "T1"), view_id="VOLD")
    purge = RetentionPurge(sessions=sessions, retention=NINETY_DAYS)
    purge.run(FILED + NINETY_DAYS - timedelta(minutes=1))
    assert filing.waiting() == ["VOLD"], "kept while it may still be filed"
    purge.run(FILED + NINETY_DAYS + timedelta(minutes=1))
    assert filing.waiting() == []
