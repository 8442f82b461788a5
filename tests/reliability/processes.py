"""`python -m bot serve|worker|tick` as subprocesses of a test, configured like a deployment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_env(settings: dict[str, str], **extra: str) -> dict[str, str]:
    """The test's environment without its Slack or GitLab settings, then `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GITLAB_"))}
    return {**env, **settings, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO", **extra}


class Bot:
    """One `python -m bot <args>` process, its output kept; `url` when it serves."""

    def __init__(self, env: dict[str, str], cwd: Path, *args: str, port: int | None = None):
        if port is not None:
            env = {**env, "PORT": str(port)}
        self.url = f"http://127.0.0.1:{port}" if port is not None else ""
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            cwd=cwd,  # a temporary directory: no developer's .env is read
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.reader = threading.Thread(
            target=lambda: self.lines.extend(self.process.stdout), daemon=True
        )
        self.reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, words: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(words in line for line in self.lines):
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.05)

    def wait_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, self.output()
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.05)

    def finish(self, timeout: float = 60) -> int:
        code = self.process.wait(timeout=timeout)
        self.reader.join(timeout=5)
        return code

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.finish()
