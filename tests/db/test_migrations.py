"""Migrations upgrade an empty database, downgrade to nothing, and upgrade again."""

from __future__ import annotations

from sqlalchemy import inspect

from db import migrate
from db.models import Base
from db.session import make_engine


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
