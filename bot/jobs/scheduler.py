"""The worker: the cadence sweep, the outbox drains and the retention purge, on a timer.

APScheduler 3 runs them in this process with an in-memory job store, never a shared one (its
job stores can't be shared between processes). Running several workers is still safe: every
job claims its rows in the database, so a second worker finds nothing left to do, and the
jobs that walk everything (`SINGLETONS`) run in one worker at a time (`Jobs.exclusive`, a
Postgres advisory lock): another worker skips its turn while one runs them. Each job runs at
most once at a time in a process; missed runs after a pause collapse into one.

`tick` runs every job once at one instant, for operators and tests; the drains then use that
same instant as their clock.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from bot import telemetry
from bot.app.reminders import CadenceSweep
from bot.app.retention import RetentionPurge
from bot.app.sync import Sync
from bot.delivery.drain import Drain

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# name -> seconds between runs, in the order `tick` runs them (reminders go out the same tick).
INTERVALS = {
    "intake": 30,  # intakes acknowledged and not filed (a `serve` died in between)
    "cadence": 60,
    "slack_outbox": 15,
    "gitlab_outbox": 15,
    "retention": 24 * 3600,
    "gitlab_deliveries": 30,  # webhook deliveries stored but not applied (a crash, an outage)
    "gitlab_reconcile": 15 * 60,  # GitLab changes whose deliveries never came
}
# An intake younger than this is `serve`'s to file, right after its ack.
INTAKE_GRACE = timedelta(seconds=30)
# Run by one worker at a time: each reads everything, where the others claim rows.
SINGLETONS = frozenset({"cadence", "retention", "gitlab_reconcile"})
BUSY = "running in another worker"
MISFIRE_GRACE = 3600  # a run delayed by a busy pool or a pause still happens (once)


@dataclass
class Jobs:
    sweep: CadenceSweep
    purge: RetentionPurge
    slack_drain: Drain
    gitlab_drain: Drain | None = None
    after_slack: Callable[[], object] = lambda: None  # the Home tabs, after each Slack drain
    sync: Sync | None = None  # the two-way GitLab sync
    # Files the intakes received before a moment (bot.slack.filer), returns how many.
    file_intakes: Callable[..., int] | None = None
    # Whether this process may run a singleton job now, held while it runs (db.singleton).
    exclusive: Callable[[str], AbstractContextManager[bool]] = lambda name: nullcontext(True)

    def table(self, now: datetime | None = None) -> dict[str, Callable[[datetime], Any]]:
        """Each job as a function of the instant; drains run on `now` when one is given."""
        jobs = self._jobs(now)
        for name in SINGLETONS & jobs.keys():
            jobs[name] = self._alone(name, jobs[name])
        return jobs

    def _alone(self, name: str, job: Callable[[datetime], Any]) -> Callable[[datetime], Any]:
        def run(at: datetime) -> Any:
            with self.exclusive(name) as mine:
                return job(at) if mine else BUSY

        return run

    def _jobs(self, now: datetime | None) -> dict[str, Callable[[datetime], Any]]:

        def drain(which: Drain | None) -> Callable[[datetime], Any]:
            if which is None:
                return lambda at: None
            if now is not None:
                which = replace(which, clock=lambda: now)
            return lambda at: which.run()

        def slack(at: datetime) -> Any:
            sent = drain(self.slack_drain)(at)
            self.after_slack()
            return sent

        sync, file_intakes = self.sync, self.file_intakes

        def intake(at: datetime) -> Any:
            return file_intakes(received_before=at - INTAKE_GRACE) if file_intakes else None

        return {
            "intake": intake,
            "cadence": self.sweep_counted,
            "slack_outbox": slack,
            "gitlab_outbox": drain(self.gitlab_drain),
            "retention": self.purge.run,
            "gitlab_deliveries": lambda at: sync.apply_pending() if sync else None,
            "gitlab_reconcile": lambda at: sync.reconcile(at) if sync else None,
        }

    def sweep_counted(self, at: datetime) -> Any:
        """The cadence sweep, its reminders, nudges and escalations counted for Prometheus."""
        report = self.sweep.run(at)
        counts = {"reminder": report.reminded, "nudge": report.nudged}
        for kind, count in {**counts, "escalation": report.escalated}.items():
            telemetry.REMINDERS.labels(kind).inc(count)
        return report


def tick(jobs: Jobs, now: datetime) -> dict[str, Any]:
    """Runs every job once at `now`; a failing job is logged and the others still run."""
    results: dict[str, Any] = {}
    for name, job in jobs.table(now).items():
        try:
            results[name] = job(now)
        except Exception:
            log.exception("job %s failed at %s", name, now.isoformat())
            results[name] = "failed"
    return results


def start_scheduler(jobs: Jobs, clock: Clock) -> BackgroundScheduler:
    """Starts the jobs on their timers in background threads; first runs happen at once."""
    scheduler = BackgroundScheduler(
        timezone=UTC,
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=len(INTERVALS))},
        job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": MISFIRE_GRACE},
    )
    table = jobs.table()
    sweep = table["cadence"]

    def sweep_then_send(at: datetime) -> Any:
        # What a sweep queued goes out now, not at the Slack drain's next turn.
        report = sweep(at)
        if getattr(report, "queued", 0):
            scheduler.modify_job("slack_outbox", next_run_time=datetime.now(UTC))
        return report

    table["cadence"] = sweep_then_send
    for name, job in table.items():
        scheduler.add_job(
            _timed(name, job, clock),
            "interval",
            seconds=INTERVALS[name],
            id=name,
            name=name,
            next_run_time=datetime.now(UTC),
        )
    scheduler.start()
    log.info("worker started: %s", ", ".join(f"{n} every {s}s" for n, s in INTERVALS.items()))
    return scheduler


def _timed(name: str, job: Callable[[datetime], Any], clock: Clock) -> Callable[[], None]:
    def run() -> None:
        try:
            job(clock())
        except Exception:  # logged here; the scheduler runs it again next time
            log.exception("job %s failed", name)

    return run


def stop_scheduler(scheduler: BackgroundScheduler) -> None:
    """Stops scheduling and waits for the job that is running to finish."""
    if scheduler.running:
        scheduler.shutdown(wait=True)
    log.info("worker stopped")


def run_worker(jobs: Jobs, clock: Clock, stop: threading.Event | None = None) -> int:
    """Runs the jobs until SIGTERM or SIGINT (or `stop` is set), then stops gracefully."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    scheduler = start_scheduler(jobs, clock)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        stop_scheduler(scheduler)
    return 0
