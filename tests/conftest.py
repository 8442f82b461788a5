"""Shared fixtures: a real database per test (SQLite and Postgres), and the fakes.

Database tests take the `db_url` fixture, which runs each test twice: on a fresh SQLite file
and on the Postgres named by TEST_DATABASE_URL (emptied first). Without TEST_DATABASE_URL the
Postgres run is skipped with a notice; in CI (CI=true) a missing or unreachable Postgres fails.

Under pytest-xdist (`-n 2`) each worker empties and migrates a database of its own,
`<db>_gw0`, `<db>_gw1`..., created on first use and dropped with its siblings (the
reliability tests' `<db>_gw0_reliability`...) when the worker's session ends.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, MetaData, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from db import migrate
from db.session import make_engine, make_session_factory

# No property test asserts how fast it runs: Hypothesis's per-example deadline (200 ms) and
# its too-slow health check fail a correct test on a loaded machine. Timing is for bench/.
settings.register_profile(
    "suite", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("suite")

SHARED_URL = os.environ.get("TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1... under pytest-xdist


def _worker_url(url: str) -> str:
    """The database this process tests on: the given one, or under xdist `<db>_<worker>`."""
    if not url or not WORKER:
        return url
    base = make_url(url)
    return base.set(database=f"{base.database}_{WORKER}").render_as_string(hide_password=False)


POSTGRES_URL = _worker_url(SHARED_URL)
_created: list[str] = []  # the worker's own database, once created


def _admin(url: str) -> Engine:
    return make_engine(url, isolation_level="AUTOCOMMIT")


def _create_worker_database() -> None:
    """Creates this worker's database (an old one left by a killed run is emptied anyway)."""
    if _created or POSTGRES_URL == SHARED_URL:
        return
    name = make_url(POSTGRES_URL).database
    admin = _admin(SHARED_URL)
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    _created.append(str(name))


@pytest.fixture(scope="session", autouse=True)
def _worker_databases() -> Iterator[None]:
    """Drops the worker's database and its siblings when the worker is done."""
    yield
    if not _created:
        return
    admin = _admin(SHARED_URL)
    try:
        with admin.connect() as connection:
            names = connection.scalars(
                text("SELECT datname FROM pg_database WHERE datname = :name OR datname LIKE :like"),
                {"name": _created[0], "like": _created[0].replace("_", r"\_") + r"\_%"},
            ).all()
            for name in names:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


# -- the reliability campaign's request counts, summed over the xdist workers ----------------
CAMPAIGN = "tests.reliability.conftest"


def pytest_sessionfinish(session: pytest.Session) -> None:
    campaign = sys.modules.get(CAMPAIGN)
    if campaign is not None and hasattr(session.config, "workeroutput"):
        session.config.workeroutput["campaign"] = (dict(campaign.SENT), dict(campaign.HELD))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    sent, held = getattr(node, "workeroutput", {}).get("campaign", ({}, {}))
    if sent or held:
        from tests.reliability import conftest as campaign

        campaign.SENT.update(sent)
        campaign.HELD.update(held)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    campaign = sys.modules.get(CAMPAIGN)
    if campaign is not None:
        campaign.summary(terminalreporter)


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
        _create_worker_database()
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
