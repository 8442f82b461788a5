"""The worker's scheduler: job options, a graceful stop, and `python -m bot worker` on SIGTERM.

The scheduler runs on the real clock (never under a frozen one); the jobs here are stand-ins
that record their runs, so nothing waits for a timer to come round.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.jobstores.memory import MemoryJobStore

from bot.jobs.scheduler import INTERVALS, Jobs, run_worker, start_scheduler, stop_scheduler, tick
from bot.standins.slack_api import FakeSlack
from db import migrate
from db.session import make_engine

ROOT = Path(__file__).resolve().parents[2]


class Recorder:
    """A job that records each run and takes `seconds` to do it."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds, self.started, self.finished = seconds, [], []
        self.running = threading.Event()

    def run(self, now: datetime) -> int:
        self.started.append(now)
        self.running.set()
        time.sleep(self.seconds)
        self.finished.append(now)
        return 0


def test_jobs_run_one_at_a_time_coalesced_from_an_unshared_memory_store():
    jobs = Jobs(sweep=Recorder(), purge=Recorder(), slack_drain=None)
    scheduler = start_scheduler(jobs, lambda: datetime.now(UTC))
    try:
        assert isinstance(scheduler._jobstores["default"], MemoryJobStore)
        scheduled = {job.id: job for job in scheduler.get_jobs()}
        assert set(scheduled) == set(INTERVALS)
        for job in scheduled.values():
            assert (job.max_instances, job.coalesce) == (1, True)
            assert job.misfire_grace_time >= 600
            assert job.trigger.interval.total_seconds() == INTERVALS[job.id]
    finally:
        stop_scheduler(scheduler)


def test_a_stop_lets_the_running_job_finish_and_starts_no_other():
    sweep = Recorder(seconds=0.5)
    stop = threading.Event()
    jobs = Jobs(sweep=sweep, purge=Recorder(), slack_drain=None)
    worker = threading.Thread(target=run_worker, args=(jobs, lambda: datetime.now(UTC), stop))
    worker.start()
    assert sweep.running.wait(5)
    stop.set()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert len(sweep.started) == len(sweep.finished) == 1


def test_tick_runs_every_job_and_reports_one_that_failed():
    class Broken:
        def run(self, now: datetime) -> int:
            raise RuntimeError("boom")

    purge = Recorder()
    now = datetime(2026, 11, 30, 9, tzinfo=UTC)
    results = tick(Jobs(sweep=Broken(), purge=purge, slack_drain=None), now)
    assert results["cadence"] == "failed" and purge.finished == [now]


def test_the_worker_command_stops_cleanly_on_sigterm(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    with FakeSlack() as slack:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GITLAB_"))},
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_API_URL": slack.base_url,
            "LEADS_CHANNEL": "C0LEADS",
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "bot", "worker"],
            cwd=tmp_path,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(worker.stderr), daemon=True)
        reader.start()
        deadline = time.monotonic() + 60  # a process starting on a loaded machine
        while not any("worker started" in line for line in lines):
            assert worker.poll() is None and time.monotonic() < deadline, lines
            time.sleep(0.05)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
        reader.join(timeout=5)
    assert any("worker stopped" in line for line in lines), lines
