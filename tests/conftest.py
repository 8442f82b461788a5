"""Shared fixtures: a real database per test (SQLite and Postgres), and the fakes.

Database tests take the `db_url` fixture, which runs each test twice: on a fresh SQLite file
and on the Postgres named by TEST_DATABASE_URL (emptied first). Without TEST_DATABASE_URL the
Postgres run is skipped with a notice; in CI (CI=true) a missing or unreachable Postgres fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, MetaData, text
from sqlalchemy.exc import OperationalError

from db import migrate
from db.session import make_engine, make_session_factory

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _reset_postgres(engine: Engine) -> None:
    """Drops everything the bot created, so each test starts from an empty database."""
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS case_event_append_only ON case_event")
        metadata = MetaData()
        metadata.reflect(connection)
        metadata.drop_all(connection)
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS case_event_append_only()")


def _postgres_or_skip() -> str:
    if not POSTGRES_URL:
        if IN_CI:
            pytest.fail("CI runs every database test on Postgres: set TEST_DATABASE_URL")
        pytest.skip("Postgres run skipped: set TEST_DATABASE_URL (make test does)")
    try:
        engine = make_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except OperationalError as error:
        if IN_CI:
            pytest.fail(f"Postgres at TEST_DATABASE_URL is unreachable: {error}")
        pytest.skip(f"Postgres unreachable: {error}")
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database of each kind, with nothing migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    url = _postgres_or_skip()
    engine = make_engine(url)
    _reset_postgres(engine)
    engine.dispose()
    yield url


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """A database of each kind, migrated to head."""
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine)
    engine.dispose()
    return empty_db_url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine):
    return make_session_factory(engine)


@pytest.fixture
def pg_sessions() -> Iterator[object]:
    """Sessions on a migrated Postgres only, for what only Postgres does (triggers, SKIP LOCKED)."""
    url = _postgres_or_skip()
    engine = make_engine(url)
    _reset_postgres(engine)
    migrate.upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()
