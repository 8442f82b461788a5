"""A drain's short lease: a slow but alive drain keeps its rows, a dead one's are taken over."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.delivery.drain import Drain
from db import outbox
from db.models import OutboxMessage
from db.session import transaction
from tests.jobs.seed import file_case

LEASE = timedelta(seconds=0.6)


def now() -> datetime:
    return datetime.now(UTC)


class Held:
    """A sender whose first send waits until the test lets it go; counts every send."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.started, self.go = threading.Event(), threading.Event()

    def load(self, session: Session, batch: list[OutboxMessage]) -> list[None]:
        return [None] * len(batch)

    def send(self, message: OutboxMessage, loaded: None) -> None:
        self.started.set()
        self.go.wait(30)
        self.sent.append(message.id)


def _leases(sessions) -> list[datetime | None]:
    with sessions() as session:
        rows = session.scalars(select(OutboxMessage.lease_until).where(OutboxMessage.topic == "x"))
        return [at.replace(tzinfo=UTC) if at and at.tzinfo is None else at for at in rows]


def _queue(sessions, count: int) -> None:
    case_id = file_case(sessions, now())
    with transaction(sessions) as session:
        for _ in range(count):
            outbox.enqueue(session=session, case_id=case_id, topic="x", kind="k", now=now())


def _drain(sessions, sender, owner: str) -> Drain:
    return Drain(sessions=sessions, topic="x", send=sender, clock=now, owner=owner, lease=LEASE)


def test_a_slow_drain_keeps_its_rows_and_nothing_is_sent_twice(sessions):
    _queue(sessions, 1)
    slow, other = Held(), Held()
    other.go.set()
    runner = threading.Thread(target=_drain(sessions, slow, "slow").run)
    runner.start()
    assert slow.started.wait(10)
    first = _leases(sessions)[0]
    assert first is not None
    deadline = time.monotonic() + 10  # until the first lease has run out, renewed meanwhile
    while not (now() > first + LEASE and (_leases(sessions)[0] or first) > first + LEASE):
        assert time.monotonic() < deadline, _leases(sessions)
        time.sleep(0.02)
    assert _drain(sessions, other, "other").run() == 0
    slow.go.set()
    runner.join(10)
    assert other.sent == [] and len(slow.sent) == 1
    assert _leases(sessions) == [None]


def test_a_dead_drains_rows_are_taken_over_once_its_lease_runs_out(sessions):
    _queue(sessions, 3)
    with transaction(sessions) as session:  # a drain that claimed, then died
        taken = outbox.claim(session=session, topic="x", owner="dead", now=now(), lease=LEASE)
    assert len(taken) == 1  # one case: its oldest row first
    other = Held()
    other.go.set()
    assert _drain(sessions, other, "other").run() == 0  # still leased
    deadline = time.monotonic() + 10
    while not _drain(sessions, other, "other").run():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert len(other.sent) == 3 and len(set(other.sent)) == 3
