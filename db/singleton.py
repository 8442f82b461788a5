"""Jobs that one worker runs at a time, however many workers share the Postgres database.

Most jobs claim their rows, so two workers running one at once is harmless. A few are better
run by one worker at a time: the GitLab reconcile reads every issue changed since its last
pass (two at once double the API calls and race to store the pass's mark), and the retention
purge and cadence sweep walk the whole table. Each takes a Postgres session advisory lock
(`pg_try_advisory_lock`) on a connection of its own, held while the job runs: a worker that
finds it taken skips its turn, and a worker that dies drops its connection and so the lock.
(A transaction-level lock would end with the job's first short transaction; session locks
need a direct connection or session pooling, not PgBouncer's transaction pooling.)

SQLite needs none of this: one process runs the jobs there (`db.single_writer`).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

NAMESPACE = 7061131  # the first key of the pair; the migrations lock on 7061130


def job_key(name: str) -> int:
    """A stable 32-bit signed key for a job's name."""
    return zlib.crc32(name.encode()) - 2**31


class Singletons:
    """`hold(name)` yields whether this process may run the job `name` now."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        if self.engine.dialect.name != "postgresql":
            yield True
            return
        keys = {"space": NAMESPACE, "key": job_key(name)}
        with self.engine.connect() as connection:
            got = connection.scalar(text("SELECT pg_try_advisory_lock(:space, :key)"), keys)
            connection.commit()  # the lock is the session's: no transaction stays open
            if not got:
                log.debug("job %s is running in another worker; skipped", name)
                yield False
                return
            try:
                yield True
            finally:
                try:
                    connection.execute(text("SELECT pg_advisory_unlock(:space, :key)"), keys)
                    connection.commit()
                except Exception:  # closing the connection ends the session, and its lock
                    log.warning("could not release the lock of job %s", name, exc_info=True)
                    connection.invalidate()
