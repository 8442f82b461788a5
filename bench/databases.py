"""The databases the benchmarks write to: never the test suite's.

SQLite files live in a temporary directory of the run; Postgres uses its own databases
(`bench` for the big desk, `bench_<name>` beside it, created when missing) on the server the
tests use, so the two never collide.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from db import migrate
from db.session import make_engine

POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
)
TABLES = ("outbox_message", "case_finding", "case_event", "processed_event", "info_case")


@dataclass
class Target:
    """One database kind; `fresh(name)` hands out an empty, migrated database."""

    kind: str  # "sqlite" or "postgres"
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench-")))

    def fresh(self, name: str) -> str:
        """The URL of an empty database at the schema's head revision."""
        if self.kind == "sqlite":
            path = self.workdir / f"{name}.sqlite"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            url = f"sqlite:///{path}"
        else:  # the big desk in `bench`, the others beside it (`bench_small`, ...)
            base = make_url(POSTGRES_URL)
            url = POSTGRES_URL if name == "big" else _named(base, f"{base.database}_{name}")
            _create_postgres_database(url)
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            if self.kind == "postgres":
                with engine.begin() as connection:
                    connection.execute(
                        text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
                    )
        finally:
            engine.dispose()
        return url


def _named(base: URL, database: str) -> str:
    return base.set(database=database).render_as_string(hide_password=False)


def _create_postgres_database(url: str) -> None:
    """Creates the benchmark database when missing, through the server's `postgres` database."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def available(kind: str) -> str | None:
    """None when the database kind can be used here, else why not."""
    if kind == "sqlite":
        return None
    try:
        _create_postgres_database(POSTGRES_URL)
    except Exception as error:  # no server: the SQLite figures still stand on their own
        return f"Postgres unreachable ({type(error).__name__})"
    return None


def engine_for(url: str) -> Engine:
    return make_engine(url)
