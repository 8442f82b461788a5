"""A message queued while a drain records its last batch is still sent at once.

A drain marks the batch it sent and claims the next one in one transaction. On Postgres each
statement reads what was committed when it began, so a step committed just after that claim
read (a claim right after a filing) was missed by it; and the step's own delivery, looking
before the drain committed, found its message behind the case's unsent one. Nobody sent it
until the worker's next pass (a served test waited 60 s for a claim's card update in vain).
"""

from __future__ import annotations

import threading

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from bot.delivery.drain import Drain
from db import outbox
from db.models import OutboxMessage
from db.session import transaction
from tests.factories import NOW, make_case


class Recording:
    def __init__(self) -> None:
        self.sent: list[int] = []

    def load(self, session: Session, batch: list[OutboxMessage]) -> list[None]:
        return [None] * len(batch)

    def send(self, message: OutboxMessage, loaded: None) -> None:
        self.sent.append(message.id)


def _queue(sessions, case_id: int) -> None:
    with transaction(sessions) as session:
        outbox.enqueue(session=session, case_id=case_id, topic="slack", kind="dm", now=NOW)


def test_a_step_committed_while_the_last_batch_is_recorded_is_sent_by_the_running_drain(
    pg_sessions,
):
    sessions = pg_sessions
    with transaction(sessions) as session:
        case_id = make_case(session).id
    _queue(sessions, case_id)  # the filing's receipt, say
    sender = Recording()
    # record_every: the batch is recorded by the transaction that claims the next, not before
    drain = Drain(sessions, "slack", sender, lambda: NOW, "courier-1", record_every=3600)
    other = Drain(sessions, "slack", Recording(), lambda: NOW, "courier-2")
    found_by_its_own_delivery: list[int] = []
    main = threading.current_thread()

    def meanwhile(session: Session) -> None:
        """Just before the drain commits "sent" (its claim has read: nothing more), a claim
        commits its DM and its own delivery looks for it."""
        if threading.current_thread() is not main or not sender.sent or found_by_its_own_delivery:
            return

        def the_claim() -> None:
            _queue(sessions, case_id)
            found_by_its_own_delivery.append(other.run(case_id=case_id))

        step = threading.Thread(target=the_claim)
        step.start()
        step.join(timeout=30)

    event.listen(sessions, "before_commit", meanwhile)
    try:
        drain.run(case_id=case_id)
    finally:
        event.remove(sessions, "before_commit", meanwhile)

    assert found_by_its_own_delivery == [0]  # behind the receipt, not yet marked sent
    assert len(sender.sent) == 2  # so the drain that was running sends it
    with transaction(sessions) as session:
        pending = select(func.count()).where(OutboxMessage.status == "pending")
        assert session.scalar(pending) == 0
