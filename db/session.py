"""Engine and sessions: one engine per process, one short transaction per use case."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **options: Any) -> Engine:
    """An engine tuned for the bot: SQLite in WAL mode with a busy timeout, Postgres pooled.

    Statement parameters are kept out of error messages: they carry customers' personal data,
    and errors end up in logs.
    """
    options.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 15}, **options
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **options)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself so writers take the lock up front (no upgrade deadlock).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    # 512 KiB of page cache per connection, not SQLite's 2 MiB: a burst of requests holds a
    # dozen connections, and the operating system caches the file for all of them anyway.
    cursor.execute("PRAGMA cache_size=-512")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Readers take no lock up front (WAL lets them run beside the one writer).
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


READ_ONLY = "bot_read_only"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with _writers(factory), factory() as session, session.begin():
        yield session


_WRITERS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_WRITERS_GUARD = threading.Lock()


def _writers(factory: sessionmaker[Session]) -> AbstractContextManager[object]:
    """On SQLite, the process's writers take turns on a lock of their own.

    SQLite has one writer at a time, and a writer that finds the database locked polls in
    sleeps of up to 100 ms (the busy handler), so under load the lock sits free while
    everyone sleeps. Queued on a Python lock instead, the next writer starts the moment the
    last one commits. Other processes (a worker beside `serve`) still meet at SQLite's lock.
    """
    engine = factory.kw.get("bind")
    if engine is None or engine.dialect.name != "sqlite":
        return nullcontext()
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(engine, threading.RLock())


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for reads only: on SQLite it does not queue behind writers for the lock."""
    with factory() as session, session.begin():
        session.connection(execution_options={READ_ONLY: True})
        yield session
