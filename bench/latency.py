"""Acknowledgement latency, submit-to-card, and the memory of the served processes.

Twenty clients send correctly signed Slack requests at once, as a busy afternoon would, to
the bare app and to `python -m bot serve` in turn (one is idle while the other is measured).
The fake Slack runs in this process and stamps each call it receives, which gives the moment
a triage card arrived.

The two take turns in rounds, and a percentile is taken in each round, then the median of
the rounds' is kept: on a shared two-core machine a stall of half a second or more (another
tenant's CPU, the host's) lands now and then on one round of one side, and would otherwise
be that side's whole p99.
"""

from __future__ import annotations

import secrets
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from bench.report import percentile, settle_heap
from bench.served import Served, bot_has_command, filed, start_bare, start_bot
from bot.standins.slack_api import FakeSlack
from bot.standins.slack_requests import SlackSender
from bot.standins.workspace import SECRET, TEAM, TRIAGE, WORK, intake_answers, populate
from db.models import OutboxMessage
from db.session import make_engine, make_session_factory

CLIENTS = 20
LONE = 20  # submissions sent one at a time on a quiet desk
# Rounds a side, taken in turn. A round's percentiles swing widely on a loaded two-core
# machine (p50 30-120 ms for the same server, round to round, with a busy loop per core),
# so the median of ten rounds still moved a ratio by a third from run to run: thirty
# command rounds and twelve submission rounds.
COMMAND_ROUNDS = 30  # each of 20 clients x a quarter of `per_client` commands
SUBMISSION_ROUNDS = 12  # each of 20 clients x a fifth of `per_client` submissions
REQUESTERS = ("UREQ", "UREQ2")


@dataclass
class Timings:
    command: list[float] = field(default_factory=list)
    submission: list[float] = field(default_factory=list)
    command_rounds: list[list[float]] = field(default_factory=list)
    submission_rounds: list[list[float]] = field(default_factory=list)
    sent_at: dict[str, float] = field(default_factory=dict)  # view id -> wall time sent
    refused: list[str] = field(default_factory=list)  # answers other than a 200 ack
    burst_seconds: float = 0.0


@dataclass
class HttpResult:
    command: Timings
    bare: Timings
    card: list[float]
    lone_card: list[float]  # submit to card with the desk otherwise quiet, one at a time
    burst_seconds: float  # from the first to the last submission of the burst being acked
    serve_mb: float
    worker_mb: float | None
    worker_note: str


def _hammer(url: str, per_client: int, request: Callable[[SlackSender, int], None]) -> list[float]:
    """Each of CLIENTS threads sends `per_client` requests back to back; returns latencies."""
    settle_heap()
    start = threading.Barrier(CLIENTS)

    def client(index: int) -> list[float]:
        sender, samples = SlackSender(url, SECRET), []
        try:
            start.wait()
            for n in range(per_client):
                samples.append(request(sender, index * per_client + n))
        finally:
            sender.close()
        return samples

    with ThreadPoolExecutor(CLIENTS) as pool:
        return [s for samples in pool.map(client, range(CLIENTS)) for s in samples]


def _command(
    slack: FakeSlack,
    timings: Timings,
    text: str = "",
    command: str = "/info-request",
    user: str = "",
):
    def send(sender: SlackSender, n: int) -> float:
        who = user or REQUESTERS[n % len(REQUESTERS)]
        trigger = slack.issue_trigger(who)
        reply_to = slack.new_response_url(who, channel_id=WORK)
        started = time.perf_counter()
        response = sender.command(
            command, text, user_id=who, team_id=TEAM, channel_id=WORK,
            trigger_id=trigger, response_url=reply_to,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            timings.refused.append(f"{command}: {response.status_code}")
        return elapsed

    return send


def _submission(view: dict[str, Any], timings: Timings, tag: str):
    answers = intake_answers()

    def send(sender: SlackSender, n: int) -> float:
        view_id = f"V{tag}{n:05d}{secrets.token_hex(3).upper()}"
        timings.sent_at[view_id] = time.time()
        started = time.perf_counter()
        response = sender.view_submission(
            view, answers, user_id=REQUESTERS[n % 2], team_id=TEAM, view_id=view_id
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or "errors" in response.text:
            # Bolt answers 404 when a listener did not ack in time: Slack shows an error.
            timings.refused.append(f"submission: {response.status_code}")
            timings.sent_at.pop(view_id, None)
        return elapsed

    return send


def by_round(rounds: list[list[float]], fraction: float) -> float:
    """The median over the rounds of each round's percentile."""
    return statistics.median(percentile(samples, fraction) for samples in rounds)


def commands(servers: dict[str, Served], slack: FakeSlack, per_client: int) -> dict[str, Timings]:
    """`/info-request` from 20 clients, the servers taking turns round by round."""
    timings = {name: Timings() for name in servers}
    for server in servers.values():
        _hammer(server.url, 1, _command(slack, Timings()))  # warm-up: connections, caches
    each = max(1, per_client // 4)
    for _ in range(COMMAND_ROUNDS):
        for name, server in servers.items():
            samples = _hammer(server.url, each, _command(slack, timings[name]))
            timings[name].command += samples
            timings[name].command_rounds.append(samples)
    return timings


def submissions(
    servers: dict[str, Served], view: dict[str, Any], per_client: int, url: str
) -> dict[str, Timings]:
    """Intake submissions from 20 clients (each a new case), the servers taking turns round
    by round; after each of the bot's rounds its filings and deliveries are let finish, so
    they do not slow the baseline's next round down."""
    timings = {name: Timings() for name in servers}
    for name, server in servers.items():
        _hammer(server.url, 1, _submission(view, Timings(), f"{name.upper()}W"))
    each = max(1, per_client // 5)
    for round_ in range(SUBMISSION_ROUNDS):
        for name, server in servers.items():
            into = timings[name]
            started = time.perf_counter()
            samples = _hammer(server.url, each, _submission(view, into, f"{name.upper()}{round_}"))
            into.burst_seconds += time.perf_counter() - started
            into.submission += samples
            into.submission_rounds.append(samples)
        filed(url, list(timings["bot"].sent_at))
        _wait_for_quiet(url)
    return timings


def lone_cards(server: Served, slack: FakeSlack, view: dict[str, Any], url: str) -> list[float]:
    """Submit to card for submissions one at a time, each after the last one's card arrived.

    It starts once the burst's deliveries (receipts after the cards) are all out.
    """
    _wait_for_quiet(url)
    delays = []
    with SlackSender(server.url, SECRET) as sender:
        for n in range(LONE):
            timings = Timings()
            _submission(view, timings, f"LONE{n}")(sender, n)
            delays += card_delays(slack, url, timings)
    return delays


def _wait_for_quiet(url: str, timeout: float = 120) -> None:
    engine = make_engine(url)
    pending = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.topic == "slack", OutboxMessage.status == "pending")
    )
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with make_session_factory(engine)() as session:
                if not session.scalar(pending):
                    return
            time.sleep(0.2)
    finally:
        engine.dispose()


def card_delays(slack: FakeSlack, database_url: str, timings: Timings) -> list[float]:
    """Seconds from each submission to its triage card at the fake Slack."""
    case_of = dict(filed(database_url, list(timings.sent_at)))
    deadline = time.monotonic() + 30
    while True:
        arrived = {}
        for call in slack.calls("chat.postMessage"):
            if call.args.get("channel") == TRIAGE:
                text = str(call.args.get("text", ""))
                if text.startswith("Case ") and ":" in text:
                    arrived.setdefault(text[5 : text.index(":")], call.time)
        delays = [
            arrived[str(case_of[view])] - sent
            for view, sent in timings.sent_at.items()
            if view in case_of and str(case_of[view]) in arrived
        ]
        if len(delays) == len(timings.sent_at) or time.monotonic() > deadline:
            return delays
        time.sleep(0.2)


def run(database_url: str, per_client: int, worker_seconds: float) -> HttpResult:
    slack = FakeSlack().start()
    populate(slack)
    bot = start_bot("serve", slack, database_url)
    bare = start_bare(slack, database_url)
    try:
        view = _open_intake(bot, slack)
        servers = {"bare": bare, "bot": bot}
        turns = commands(servers, slack, per_client)
        base, mine = turns["bare"], turns["bot"]
        sent = submissions(servers, view, per_client, database_url)
        for timings, name in ((base, "bare"), (mine, "bot")):
            done = sent[name]
            timings.submission, timings.submission_rounds = done.submission, done.submission_rounds
            timings.sent_at, timings.burst_seconds = done.sent_at, done.burst_seconds
            timings.refused += done.refused
        cards = card_delays(slack, database_url, mine)
        lone = lone_cards(bot, slack, view, database_url)
        lead = {"command": "/case-status", "user": "ULEAD"}
        _hammer(bot.url, 2, _command(slack, mine, **lead))
        _hammer(bot.url, 1, _command(slack, mine, "mine", **lead))
        serve_mb = bot.peak_rss_mb()
    finally:
        bot.stop()
        bare.stop()
    worker_mb, note = _worker_memory(slack, database_url, worker_seconds)
    slack.stop()
    return HttpResult(mine, base, cards, lone, mine.burst_seconds, serve_mb, worker_mb, note)


def _open_intake(bot: Served, slack: FakeSlack) -> dict[str, Any]:
    """The intake modal as the bot opens it; every submission fills in this view."""
    with SlackSender(bot.url, SECRET) as sender:
        _command(slack, Timings(), user="UREQ")(sender, 0)
    call = slack.wait_for("views.open")
    return slack.get_view(call.response["view"]["id"])


def _worker_memory(slack: FakeSlack, url: str, seconds: float) -> tuple[float | None, str]:
    if not bot_has_command("worker"):
        return None, "`python -m bot worker` not present yet"
    worker = start_bot("worker", slack, url)
    try:
        time.sleep(seconds)
        if worker.process.poll() is not None:
            return None, f"worker exited: {worker.log_tail(5)}"
        return worker.peak_rss_mb(), ""
    finally:
        worker.stop()
