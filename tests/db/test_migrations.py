"""Migrations upgrade an empty database, downgrade to nothing, and upgrade again."""

from __future__ import annotations

from sqlalchemy import inspect, select

from db import migrate, outbox
from db.models import Base, CaseEvent, OutboxMessage
from db.session import make_engine, make_session_factory, transaction
from tests.factories import NOW, make_case


def test_upgrade_downgrade_upgrade(empty_db_url):
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert {"info_case", "case_event", "outbox_message"} <= set(inspect(engine).get_table_names())

    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_the_migrated_schema_matches_the_models(db_url):
    """Every table and column of the models exists after migrating (no drift)."""
    engine = make_engine(db_url)
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert {c.name for c in table.columns} == columns, table.name
    engine.dispose()


def test_migrating_twice_changes_nothing(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_queued_outbox_rows_get_their_operation_and_recipient(empty_db_url):
    """Rows queued before 0005 say what GitLab operation and Slack recipient they are."""
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine, "0004")
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        case = make_case(session)
        events = {}
        for action, state in (("submit", None), ("accept", "submitted"), ("record_gap", "shared")):
            row = CaseEvent(
                case_id=case.id, at=NOW, actor_id="U1", action=action, from_state=state,
                to_state="triage", data={},
            )  # fmt: skip
            session.add(row)
            session.flush()
            events[action] = row.id
        queued = [("gitlab", "event", {"event_id": events[a]}) for a in events]
        queued += [("slack", "card", {}), ("slack", "dm_approved", {})]
        for topic, kind, payload in queued:
            outbox.enqueue(
                session=session, case_id=case.id, topic=topic, kind=kind, now=NOW, payload=payload
            )
    migrate.upgrade(engine)
    with transaction(sessions) as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(r.kind, r.payload.get("to")) for r in rows] == [
            ("open_issue", None),
            ("note", None),
            ("gap_note", None),
            ("card", "triage"),
            ("dm_approved", "relay"),
        ]
    engine.dispose()
