"""Migrations upgrade an empty database, downgrade to nothing, and upgrade again."""

from __future__ import annotations

from sqlalchemy import MetaData, Table, inspect, select

from db import migrate
from db.models import Base
from db.session import make_engine
from tests.factories import NOW, case_values


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
    old = MetaData()
    info_case, case_event, outbox = (
        Table(n, old, autoload_with=engine) for n in ("info_case", "case_event", "outbox_message")
    )
    with engine.begin() as connection:
        case_id = connection.execute(
            info_case.insert().values(**case_values())
        ).inserted_primary_key[0]
        events = {}
        for action in ("submit", "accept", "record_gap"):
            events[action] = connection.execute(
                case_event.insert().values(
                    case_id=case_id, at=NOW, actor_id="U1", action=action, to_state="triage",
                    data={},
                )
            ).inserted_primary_key[0]  # fmt: skip
        queued = [("gitlab", "event", {"event_id": events[a]}) for a in events]
        queued += [("slack", "card", {}), ("slack", "dm_approved", {})]
        for topic, kind, payload in queued:
            connection.execute(
                outbox.insert().values(
                    case_id=case_id, topic=topic, kind=kind, payload=payload, status="pending",
                    attempts=0, available_at=NOW, created_at=NOW,
                )
            )  # fmt: skip
    migrate.upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            select(outbox.c.kind, outbox.c.payload).order_by(outbox.c.id)
        ).all()
    assert [(kind, payload.get("to")) for kind, payload in rows] == [
        ("open_issue", None),
        ("note", None),
        ("gap_note", None),
        ("card", "triage"),
        ("dm_approved", "relay"),
    ]
    engine.dispose()
