"""`python -m bench.replicas [--db sqlite|postgres|both] [--quick]`: cold start and replicas.

Two figures:

- "`serve` start to first acknowledged request": from starting `python -m bot serve` on a
  migrated database to the answer of its first signed request (an `/info-request`, sent the
  moment `/healthz` answers). Slack retries an event at 3 s and a person's modal waits no
  longer, so a replica that restarts (a deploy, a crash) must be answering within 2 s.
  Judged on the median of the starts, the slowest shown beside it: on this shared machine one
  start in a loaded run took 5.2 s while the others took 1.2-1.5 s, and fifteen more starts
  under the same load took 0.76-1.39 s; a stall of the host is not the bot's start.
- "filings per second, 2 `serve` replicas vs 1" (Postgres only; SQLite allows one `serve`):
  the same burst of intake submissions against one replica, then, on a fresh database,
  alternating between two. Reported, not judged (both replicas share this machine's cores);
  afterwards the cases and their cards are counted: none lost, none twice.
"""

from __future__ import annotations

import argparse
import collections
import compileall
import logging
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from bench.databases import Target, available
from bench.report import Figure, median, not_measured, render, settle_heap
from bench.served import ROOT, Served, bot_env, filed, free_port
from bot.standins.slack_api import FakeSlack
from bot.standins.slack_requests import SlackSender
from bot.standins.workspace import SECRET, TEAM, TRIAGE, WORK, intake_answers, populate

log = logging.getLogger("bench")
CLIENTS = 8
REQUESTERS = ("UREQ", "UREQ2")


# GitLab configured as in production (nothing calls it at start); nothing listens there.
GITLAB = {
    "GITLAB_URL": "http://127.0.0.1:9",
    "GITLAB_TOKEN": "glpat-bench",
    "GITLAB_SIRT_PROJECT": "sirt/tracker",
    "GITLAB_GAP_PROJECT": "product/audit-events",
}


def _serve(slack: FakeSlack, url: str, **extra: str) -> tuple[Served, float]:
    """Starts `serve` and waits for /healthz, polling every 5 ms; (served, seconds)."""
    env = {**bot_env(slack, url, free_port()), **extra}
    out = Path(tempfile.mkstemp(prefix="bench-", suffix=".log")[1])
    started = time.perf_counter()
    with out.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, stdout=sink, stderr=sink
        )
    served = Served(process, f"http://127.0.0.1:{env['PORT']}", out)
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited:\n{served.log_tail()}")
        try:
            if requests.get(f"{served.url}/healthz", timeout=1).ok:
                return served, time.perf_counter() - started
        except requests.ConnectionError:
            time.sleep(0.005)
        if time.perf_counter() - started > 30:
            served.stop()
            raise RuntimeError(f"serve did not start:\n{served.log_tail()}")


def _command(slack: FakeSlack, served: Served, user: str = "UREQ") -> requests.Response:
    """An `/info-request`, answered once the modal it opens is open."""
    trigger = slack.issue_trigger(user)
    with SlackSender(served.url, SECRET) as sender:
        response = sender.command(
            "/info-request", "", user_id=user, team_id=TEAM, channel_id=WORK,
            trigger_id=trigger, response_url=slack.new_response_url(user, channel_id=WORK),
        )  # fmt: skip
    slack.wait_for("views.open", lambda args: args.get("trigger_id") == trigger, timeout=10)
    return response


def _compile_bytecode() -> None:
    """A deployed bot starts from compiled modules: pip compiles what it installs, and Python
    caches a checkout's on its first import unless PYTHONDONTWRITEBYTECODE is set. Where it is
    set (as on the machine these figures come from), every start compiled the bot's hundred
    or so modules again, about 0.2 s of a 0.7-0.9 s start. The start is measured as deployed."""
    for package in ("bot", "db", "messages"):
        compileall.compile_dir(ROOT / package, quiet=1)


def cold_start(url: str, runs: int) -> tuple[list[float], list[float]]:
    """Seconds from start to /healthz and to the first acknowledged signed request (timed
    when the answer arrives; the modal it opens is waited for before the next start)."""
    healthy, acked = [], []
    _compile_bytecode()
    with FakeSlack() as slack:
        populate(slack)
        for _ in range(runs):
            settle_heap()
            started = time.perf_counter()
            served, up = _serve(slack, url, **GITLAB)
            try:
                trigger = slack.issue_trigger("UREQ")
                with SlackSender(served.url, SECRET) as sender:
                    response = sender.command(
                        "/info-request", "", user_id="UREQ", team_id=TEAM, channel_id=WORK,
                        trigger_id=trigger,
                        response_url=slack.new_response_url("UREQ", channel_id=WORK),
                    )  # fmt: skip
                acked.append(time.perf_counter() - started)
                healthy.append(up)
                if response.status_code != 200:
                    raise RuntimeError(f"first request answered {response.status_code}")
                slack.wait_for("views.open", lambda a, t=trigger: a.get("trigger_id") == t)
            finally:
                served.stop()
    return healthy, acked


def _burst(
    servers: list[Served], view: dict[str, Any], total: int, tag: str
) -> tuple[float, list[str]]:
    """`total` submissions from CLIENTS threads, request n to replica n mod len(servers)."""

    def client(index: int) -> list[str]:
        senders = [SlackSender(s.url, SECRET) for s in servers]
        sent = []
        try:
            for n in range(index, total, CLIENTS):
                view_id = f"V{tag}{n:05d}{secrets.token_hex(3).upper()}"
                response = senders[n % len(servers)].view_submission(
                    view, intake_answers(), user_id=REQUESTERS[n % 2], team_id=TEAM,
                    view_id=view_id,
                )  # fmt: skip
                if response.status_code == 200 and "errors" not in response.text:
                    sent.append(view_id)
        finally:
            for sender in senders:
                sender.close()
        return sent

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        sent = [v for views in pool.map(client, range(CLIENTS)) for v in views]
    return time.perf_counter() - started, sent


def _counted(slack: FakeSlack, url: str, sent: list[str], timeout: float = 120) -> str:
    """Waits for the filings' cards; "" when each filing is one case with one card, else
    what is off."""
    rows = filed(url, sent)
    mine = {f"Case {case_id}" for _, case_id in rows}
    deadline = time.monotonic() + timeout
    while True:
        cards = collections.Counter(
            str(m.get("text", "")).split(":")[0] for m in slack.messages_in(TRIAGE)
        )
        if mine <= cards.keys() or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    problems = []
    if len(rows) != len(sent) or len({view for view, _ in rows}) != len(sent):
        problems.append(f"{len(rows)} cases for {len(sent)} filings")
    if missing := len(mine - cards.keys()):
        problems.append(f"{missing} cards missing")
    if doubled := sum(n > 1 for n in cards.values()):
        problems.append(f"{doubled} cards posted twice")
    return "; ".join(problems)


def throughput(fresh: Any, replicas: int, total: int) -> tuple[float, str]:
    """Filings per second through `replicas` serve processes; and what was lost or doubled."""
    url = fresh(f"replicas{replicas}")
    with FakeSlack() as slack:
        populate(slack)
        servers = [_serve(slack, url)[0] for _ in range(replicas)]
        try:
            _command(slack, servers[0])
            view = slack.get_view(slack.wait_for("views.open").response["view"]["id"])
            _burst(servers, view, CLIENTS * 2, f"W{replicas}")  # warm-up: connections, caches
            seconds, sent = _burst(servers, view, total, f"R{replicas}")
            problems = _counted(slack, url, sent)
        finally:
            for server in servers:
                server.stop()
    return len(sent) / seconds, problems


def figures(target: Target, quick: bool = False) -> list[Figure]:
    """The cold start on `target`'s kind; on Postgres, one replica against two."""
    kind = target.kind
    healthy, acked = cold_start(target.fresh("cold"), 3 if quick else 5)
    first = median(acked)
    rows = [
        Figure(
            kind, "`serve` start to first acknowledged request", f"{first:.2f} s",
            "—", None, "< 2 s", first < 2.0,
            note=f"median of {len(acked)}, slowest {max(acked):.2f} s; "
            f"/healthz after {median(healthy):.2f} s",
        )
    ]  # fmt: skip
    name = "filings per second, 2 `serve` replicas vs 1"
    if kind != "postgres":
        return [*rows, not_measured(kind, name, "reported", "SQLite allows one `serve`")]
    total = 80 if quick else 200
    one, lost_one = throughput(target.fresh, 1, total)
    two, lost_two = throughput(target.fresh, 2, total)
    problems = "; ".join(p for p in (lost_one, lost_two) if p)
    rows.append(
        Figure(
            kind, name, f"{two:.0f} /s", f"{one:.0f} /s", two / one, "reported",
            None if not problems else False,
            note=problems or f"{total} filings each; every one a case with one card",
        )
    )  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="fewer starts and filings")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    rows: list[Figure] = []
    for kind in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        if reason := available(kind):
            log.warning("[%s] skipped: %s", kind, reason)
            continue
        target = Target(kind)
        try:
            rows += figures(target, args.quick)
        finally:
            shutil.rmtree(target.workdir, ignore_errors=True)
    print(render(rows))
    return 1 if any(f.ok is False for f in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
