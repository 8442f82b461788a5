"""The event table is append-only; outbox claims hand each message to one drain, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from bot.cases.states import Action, transition
from db import cases as case_repo
from db import outbox
from db.models import Case
from db.session import transaction
from tests.factories import make_case

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_recorded_events_come_back_in_order_with_aware_times(sessions):
    with transaction(sessions) as session:
        case = make_case(session)
        state = None
        for action in (Action.SUBMIT, Action.ACCEPT, Action.CLAIM):
            event = transition(state, action, actor_id="U1", at=NOW)
            case_repo.record(session=session, case=case, event=event)
            state = event.to_state
        case_id = case.id
    with transaction(sessions) as session:
        events = case_repo.history(session=session, case_id=case_id)
        case = case_repo.get(session=session, case_id=case_id)
    assert [e.action for e in events] == ["submit", "accept", "claim"]
    assert [e.to_state for e in events] == ["submitted", "triage", "investigating"]
    assert case.state == "investigating"
    assert all(e.at == NOW and e.at.tzinfo is not None for e in events)


def submitted(sessions) -> Case:
    with transaction(sessions) as session:
        case = make_case(session)
        event = transition(None, Action.SUBMIT, actor_id="U1", at=NOW)
        case_repo.record(session=session, case=case, event=event)
    return case


def test_events_cannot_be_updated_or_deleted_through_the_orm(sessions):
    case = submitted(sessions)
    with pytest.raises(PermissionError), transaction(sessions) as session:
        event = case_repo.history(session=session, case_id=case.id)[0]
        event.actor_id = "rewritten"
    with pytest.raises(PermissionError), transaction(sessions) as session:
        session.delete(case_repo.history(session=session, case_id=case.id)[0])


def test_postgres_refuses_to_rewrite_history_even_in_raw_sql(pg_sessions):
    sessions = pg_sessions
    submitted(sessions)
    with pytest.raises(DBAPIError, match="append-only"), transaction(sessions) as session:
        session.execute(text("UPDATE case_event SET actor_id = 'x'"))
    with pytest.raises(DBAPIError, match="append-only"), transaction(sessions) as session:
        session.execute(text("DELETE FROM case_event"))


def test_a_claimed_message_is_not_claimed_again_until_its_lease_ends(sessions):
    with transaction(sessions) as session:
        case = make_case(session)
        outbox.enqueue(session=session, case_id=case.id, topic="slack", kind="card", now=NOW)
    lease = timedelta(minutes=2)
    with transaction(sessions) as session:
        first = outbox.claim(session=session, topic="slack", owner="a", now=NOW, lease=lease)
    with transaction(sessions) as session:
        second = outbox.claim(session=session, topic="slack", owner="b", now=NOW, lease=lease)
    with transaction(sessions) as session:
        after_lease = outbox.claim(
            session=session,
            topic="slack",
            owner="b",
            now=NOW + lease + timedelta(seconds=1),
            lease=lease,
        )
    assert len(first) == 1 and second == [] and [m.id for m in after_lease] == [first[0].id]
    assert after_lease[0].attempts == 2


def test_a_cases_messages_go_out_one_at_a_time_in_order(sessions):
    with transaction(sessions) as session:
        case = make_case(session)
        for kind in ("card", "dm_receipt", "card"):
            outbox.enqueue(session=session, case_id=case.id, topic="slack", kind=kind, now=NOW)
    order = []
    for _ in range(3):
        with transaction(sessions) as session:
            batch = outbox.claim(
                session=session, topic="slack", owner="a", now=NOW, lease=timedelta(minutes=1)
            )
            assert len(batch) == 1
            order.append(batch[0].kind)
            outbox.mark_sent(session=session, message_ids=[batch[0].id], owner="a", now=NOW)
    assert order == ["card", "dm_receipt", "card"]
    with transaction(sessions) as session:
        assert outbox.backlog(session=session) == {"pending": 0, "parked": 0}


def park_one(sessions) -> None:
    """Queues a card and has its one try fail for good."""
    with transaction(sessions) as session:
        case = make_case(session)
        outbox.enqueue(session=session, case_id=case.id, topic="slack", kind="card", now=NOW)
    with transaction(sessions) as session:
        (message,) = outbox.claim(
            session=session, topic="slack", owner="a", now=NOW, lease=timedelta(minutes=1)
        )
        outbox.mark_failed(
            session=session, message_id=message.id, owner="a", error="boom", retry_at=None
        )


def test_a_message_that_keeps_failing_is_parked_and_counted(sessions):
    park_one(sessions)
    with transaction(sessions) as session:
        assert outbox.backlog(session=session) == {"pending": 0, "parked": 1}
        assert (
            outbox.claim(
                session=session,
                topic="slack",
                owner="a",
                now=NOW + timedelta(days=1),
                lease=timedelta(minutes=1),
            )
            == []
        )


def test_unparking_gives_parked_messages_a_fresh_start(sessions):
    park_one(sessions)
    with transaction(sessions) as session:
        assert outbox.unpark(session=session, now=NOW) == 1
    with transaction(sessions) as session:
        (again,) = outbox.claim(
            session=session, topic="slack", owner="b", now=NOW, lease=timedelta(minutes=1)
        )
        assert again.attempts == 1 and outbox.backlog(session=session)["parked"] == 0


def test_a_parked_message_holds_its_case_back_only_when_its_kind_is_held(sessions):
    park_one(sessions)  # a parked card
    with transaction(sessions) as session:
        case_id = session.scalar(select(Case.id))
        outbox.enqueue(session=session, case_id=case_id, topic="slack", kind="dm_receipt", now=NOW)

    def claim(held_by=()) -> list[str]:
        with transaction(sessions) as session:
            batch = outbox.claim(
                session=session, topic="slack", owner="b", now=NOW, lease=timedelta(0),
                held_by=held_by,
            )  # fmt: skip
            return [row.kind for row in batch]

    assert claim(held_by={"card"}) == []  # waits behind the parked card, untried
    assert claim() == ["dm_receipt"]  # nothing held: a parked row is passed over
