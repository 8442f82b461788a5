"""Processes under test: `python -m bot serve|worker` and the bare baseline app.

Each runs as its own process on a free local port, configured through the environment like
a deployment, pointed at the fake Slack; `peak_rss_mb` reads the kernel's high-water mark.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import select

from bot.standins.slack_api import FakeSlack
from bot.standins.workspace import settings_env
from db.models import Case
from db.session import make_engine, make_session_factory

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen
    url: str
    log: Path

    def peak_rss_mb(self) -> float:
        """VmHWM: the most resident memory the process ever had."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM in /proc status")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.unlink(missing_ok=True)

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def filed(database_url: str, view_ids: list[str], timeout: float = 60) -> list[tuple[str, int]]:
    """(view id, case number) of each submission once filed: `serve` files after the ack,
    so this waits until every one is a case, or `timeout` seconds."""
    engine = make_engine(database_url)
    query = select(Case.intake_view_id, Case.id).where(Case.intake_view_id.in_(view_ids))
    deadline = time.monotonic() + timeout
    try:
        while True:
            with make_session_factory(engine)() as session:
                rows = [(view, case) for view, case in session.execute(query)]
            if len(rows) >= len(set(view_ids)) or time.monotonic() > deadline:
                return rows
            time.sleep(0.1)
    finally:
        engine.dispose()


def bot_env(slack: FakeSlack, database_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GITLAB_"))}
    env.update(settings_env(slack, database_url))
    env.update({"PORT": str(port), "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"})
    return env


def start(module_args: list[str], env: dict[str, str], *, http: bool = True) -> Served:
    """Starts `python -m <module_args>`; with `http`, waits until it answers /healthz."""
    log = Path(tempfile.mkstemp(prefix="bench-", suffix=".log")[1])
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", *module_args], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    served = Served(process, f"http://127.0.0.1:{env['PORT']}", log)
    deadline = time.monotonic() + 30
    while http and time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{' '.join(module_args)} exited:\n{served.log_tail()}")
        try:
            if requests.get(f"{served.url}/healthz", timeout=1).ok:
                return served
        except requests.ConnectionError:
            time.sleep(0.1)
    if http:
        served.stop()
        raise RuntimeError(f"{' '.join(module_args)} did not start:\n{served.log_tail()}")
    return served


def start_bot(command: str, slack: FakeSlack, database_url: str) -> Served:
    return start(
        ["bot", command], bot_env(slack, database_url, free_port()), http=command == "serve"
    )


def start_bare(slack: FakeSlack, database_url: str) -> Served:
    return start(["bench.bare_app"], bot_env(slack, database_url, free_port()))


def bot_has_command(name: str) -> bool:
    from bot.__main__ import COMMANDS

    return name in COMMANDS
