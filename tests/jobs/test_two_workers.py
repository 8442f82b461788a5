"""Two workers sweeping and draining one database at once: every reminder exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from bot.delivery.drain import Drain
from bot.delivery.kinds import Notice
from db.models import OutboxMessage
from tests.jobs.seed import bulk_due_cases, count, fixed, sweep

DUE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
CASES = 1000


def _together(*jobs) -> None:
    """Runs the jobs in threads released at the same moment; re-raises the first failure."""
    start, failures = threading.Barrier(len(jobs)), []

    def run(job) -> None:
        try:
            start.wait()
            job()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures


def _two_workers(sessions) -> Counter[int]:
    bulk_due_cases(sessions, CASES, due=DUE)
    now = DUE + timedelta(minutes=1)
    _together(*(lambda: sweep(sessions, batch=50).run(now) for _ in range(2)))
    assert count(sessions, Notice.REMINDER) == (CASES, CASES)

    sent: Counter[int] = Counter()
    lock = threading.Lock()

    class Counting:
        def load(self, session: Session, batch: list[OutboxMessage]) -> list[None]:
            return [None] * len(batch)

        def send(self, message: OutboxMessage, loaded: None) -> None:
            with lock:
                sent[message.case_id] += 1

    drains = [
        Drain(sessions=sessions, topic="slack", send=Counting(), clock=fixed(now), owner=f"w-{n}")
        for n in range(2)
    ]
    _together(*(drain.run for drain in drains))
    return sent


def test_two_workers_on_postgres_send_each_due_reminder_once(pg_sessions):
    sent = _two_workers(pg_sessions)
    assert len(sent) == CASES and set(sent.values()) == {1}


def test_two_workers_on_sqlite_send_each_due_reminder_once(sessions):
    if sessions.kw["bind"].dialect.name != "sqlite":
        pytest.skip("the Postgres run is the test above")
    sent = _two_workers(sessions)
    assert len(sent) == CASES and set(sent.values()) == {1}
