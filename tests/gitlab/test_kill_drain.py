"""The draining process killed with SIGKILL at random points: still one issue, every note once.

Each round starts `python -m bot tick` (every scheduled job once, the GitLab drain among them)
as a real process against the desk's database and a slow fake GitLab, and kills it with
SIGKILL a random moment later: between a claim and its send, mid-request, between a write
GitLab carried out and the `sent` mark that never came. Each round runs (`--now`) just past
the drain's lease after the last, so rows leased by a killed run are free again, as after a
real crash; a last run, left alone, finishes what is left.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.delivery.lease import LEASE
from bot.standins.workspace import settings_env
from tests.e2e.test_casework import text
from tests.gitlab.conftest import gitlab_env, pending
from tests.gitlab.test_faults import assert_mirrored_once, file_cases

ROOT = Path(__file__).resolve().parents[2]
KILLS = 20
CASES = 8
WORKED = (1, 2, 3, 4)  # claimed, with two findings each


def _tick_env(desk, db_url: str, fake) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(settings_env(desk.slack, db_url))
    env.update(gitlab_env(fake))
    env.update({"PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"})
    return env


def _tick(env: dict[str, str], at: datetime, cwd: Path, stderr=subprocess.DEVNULL):
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "tick", "--now", at.isoformat()],
        env=env,
        cwd=cwd,  # a temporary directory: no developer's .env is read
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )


def _wait_for_gitlab(fake, process: subprocess.Popen, seen: int, timeout: float = 60.0) -> None:
    """Until the run makes its first GitLab call (or ends); starting a `python -m bot` process
    on a loaded machine can take more than 10 s."""
    deadline = time.monotonic() + timeout
    while len(fake.requests()) == seen and process.poll() is None:
        assert time.monotonic() < deadline, "the tick never reached GitLab"
        time.sleep(0.005)


@pytest.mark.slow
@pytest.mark.parametrize("empty_db_url", ["sqlite"], indirect=True)
def test_a_drain_killed_at_random_points_still_mirrors_each_case_once(
    gdesk, fake, db_url, tmp_path
):
    sessions = gdesk.bot.sessions
    file_cases(gdesk, CASES)
    for n in WORKED:
        gdesk.press("case_claim", n, user="USUP")
        for k in (1, 2):
            gdesk.fill("case_add_finding", n, text(f"finding {k} on case {n}"), user="USUP")
    queued = pending(sessions)
    # submit, accept and the card's link; claim and findings
    assert queued == 3 * CASES + 3 * len(WORKED)

    fake.hang("*", r"/projects/", seconds=0.1, times=None)  # slow enough to die mid-drain
    rng = random.Random(20240611)
    env = _tick_env(gdesk, db_url, fake)
    at = datetime.now(UTC)
    left = [queued]
    for _ in range(KILLS):
        at += LEASE + timedelta(minutes=1)  # past the leases of the run killed before
        seen = len(fake.requests())
        process = _tick(env, at, tmp_path)
        # Killing it while it still starts up proves little: wait for its first GitLab call.
        _wait_for_gitlab(fake, process, seen)
        time.sleep(rng.uniform(0.0, 0.8))
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL, "the run ended before its kill"
        left.append(pending(sessions))
    assert left[-1] < queued, f"pending after each kill: {left}"

    fake.clear_faults()
    at += LEASE + timedelta(minutes=1)
    finished = _tick(env, at, tmp_path, stderr=subprocess.PIPE)
    _, errors = finished.communicate(timeout=60)
    assert finished.returncode == 0, errors
    assert pending(sessions) == 0, "the run left alone finishes what the killed ones left"
    assert_mirrored_once(sessions, fake, CASES)
