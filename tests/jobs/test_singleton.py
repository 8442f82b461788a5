"""The jobs that walk everything run in one worker at a time on Postgres; others skip a turn."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from bot.jobs.scheduler import BUSY, SINGLETONS, Jobs
from bot.standins.desk import wait_until
from db.singleton import NAMESPACE, Singletons, job_key

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_a_job_held_by_one_worker_is_skipped_by_another(pg_sessions):
    engine = pg_sessions.kw["bind"]
    one, two = Singletons(engine), Singletons(engine)  # each holds on a connection of its own
    with one.hold("retention") as mine:
        assert mine
        with two.hold("retention") as theirs:
            assert not theirs
        with two.hold("cadence") as other_job:
            assert other_job
    with two.hold("retention") as now_free:
        assert now_free


def test_a_worker_that_dies_holding_a_job_frees_it(pg_sessions):
    engine = pg_sessions.kw["bind"]
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def dying_worker() -> None:
        with engine.connect() as connection:  # the lock a worker's job takes, then the crash
            connection.exec_driver_sql(
                f"SELECT pg_try_advisory_lock({NAMESPACE}, {job_key('gitlab_reconcile')})"
            )
            held.set()
            release.wait(10)
            connection.invalidate()  # its connection dropped, as when the process dies
        done.set()

    threading.Thread(target=dying_worker, daemon=True).start()
    assert held.wait(10)
    with Singletons(engine).hold("gitlab_reconcile") as mine:
        assert not mine
    release.set()
    assert done.wait(10)

    def taken() -> bool:
        with Singletons(engine).hold("gitlab_reconcile") as mine:
            return mine

    # Postgres frees the lock when the dead connection's server process ends, a moment after
    # its socket closes: the next worker gets it then, not necessarily at once.
    wait_until(taken, timeout=10, what="the dead worker's lock to be freed")


class Purge:
    def __init__(self) -> None:
        self.runs: list[datetime] = []

    def run(self, at: datetime) -> int:
        self.runs.append(at)
        return 0


def test_a_skipped_singleton_job_says_so(pg_sessions):
    purge = Purge()
    jobs = Jobs(
        sweep=None,  # type: ignore[arg-type]
        purge=purge,  # type: ignore[arg-type]
        slack_drain=None,  # type: ignore[arg-type]
        exclusive=Singletons(pg_sessions.kw["bind"]).hold,
    )
    table = jobs.table()
    assert table.keys() >= SINGLETONS
    with Singletons(pg_sessions.kw["bind"]).hold("retention"):  # another worker purging
        assert table["retention"](NOW) == BUSY
    assert purge.runs == []
    assert table["retention"](NOW) == 0
    assert purge.runs == [NOW]
