"""Load held: 200 cases submitted by 20 concurrent clients while GitLab flaps and one worker is
killed and restarted: every case stored once, every issue once, every reminder once.

One served bot (GitLab configured, its listeners mirroring in the background as in production)
and a `python -m bot worker` subprocess on the same database. While 20 clients each file 10
cases, the fake GitLab goes down and up every 0.3 s and now and then answers 429; the worker is
started during the load, killed with SIGKILL while it holds outbox leases (waiting for the
answer to a post the fake Slack has carried out and holds for 3 s) and started again. After the load
GitLab stays up, the drains run to completion (jumping past back-offs and the dead worker's
leases), and `python -m bot tick --now <a time every first update is due>` runs twice.

The load runs once (module fixture, ~15 s); each test checks one promise. Postgres (a sibling
database `<TEST_DATABASE_URL db>_load_held`) when TEST_DATABASE_URL is set, else SQLite.
"""

from __future__ import annotations

import collections
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.delivery.drain import MAX_DELAY
from bot.delivery.kinds import Notice
from bot.standins.desk import start_desk, stop_desk
from bot.standins.gitlab_api import FakeGitLab
from bot.standins.slack_payloads import plain_text_input
from bot.standins.slack_requests import SlackSender
from bot.standins.workspace import LEADS, SECRET, TEAM, TRIAGE, WORK, intake_answers, settings_env
from db.models import Case, OutboxMessage
from db.session import transaction
from tests.gitlab.conftest import GAP_PROJECT, SIRT_PROJECT, drain_all, gitlab_env
from tests.reliability.conftest import migrated_url
from tests.reliability.processes import Bot

ROOT = Path(__file__).resolve().parents[2]
CLIENTS, PER_CLIENT = 20, 10
CASES = CLIENTS * PER_CLIENT
REQUESTERS = ("UREQ", "UREQ2", "UAKL")
BACKGROUND = ("intake-filer", "courier", "gitlab-mirror-run")  # the served bot's own threads

pytestmark = [pytest.mark.slow, pytest.mark.alone]


# -- the database ------------------------------------------------------------------------------
def _load_database(tmp_path: Path) -> str:
    """Postgres (several processes write) in a sibling database of its own; else SQLite."""
    try:
        return migrated_url("postgres", tmp_path, sibling="load_held")
    except pytest.skip.Exception:
        return migrated_url("sqlite", tmp_path)


# -- the moving parts --------------------------------------------------------------------------
def _flap(fake: FakeGitLab, stop: threading.Event) -> None:
    """GitLab down and up every 0.3 s; every fourth time up, two 429s on issue calls."""
    cycle = 0
    while not stop.is_set():
        fake.down()
        stop.wait(0.3)
        fake.up()
        cycle += 1
        if cycle % 4 == 0:
            fake.rate_limit("*", r"/issues", retry_after=1, times=2)
        stop.wait(0.3)
    fake.clear_faults()


def _client(url: str, slack, number: int, filed: list[str], failures: list[str]) -> None:
    """One person's Slack client filing PER_CLIENT cases, each through its own modal."""
    sender = SlackSender(url, SECRET)
    user = REQUESTERS[number % len(REQUESTERS)]
    try:
        for n in range(PER_CLIENT):
            org = f"Loadorg {number:02d}x{n:02d}"
            try:
                trigger = slack.issue_trigger(user)
                response = sender.command(
                    "/info-request",
                    "",
                    user_id=user,
                    team_id=TEAM,
                    channel_id=WORK,
                    trigger_id=trigger,
                    response_url=slack.new_response_url(user, channel_id=WORK),
                )
                assert response.status_code == 200, response.text
                opened = slack.wait_for(
                    "views.open", lambda args, t=trigger: args.get("trigger_id") == t, timeout=20
                )
                view = slack.get_view(opened.response["view"]["id"])
                answers = intake_answers(organisation=plain_text_input(org))
                response = sender.view_submission(view, answers, user_id=user, team_id=TEAM)
                assert response.status_code == 200 and "errors" not in response.text, (
                    response.status_code,
                    response.text,
                )
                filed.append(org)
            except Exception as error:
                failures.append(f"{org}: {error!r}"[:2000])
    finally:
        sender.close()


def _drain_slack(bot) -> None:
    """Delivers every queued Slack message, jumping past back-offs (cards, receipts)."""
    clock = datetime.now(UTC)
    for _ in range(20):
        replace(bot.delivery.slack_drain, clock=lambda at=clock: at).run()
        if _count(bot.sessions, topic="slack", status="pending") == 0:
            return
        clock += timedelta(seconds=MAX_DELAY + 1)


def _count(sessions, **where: str) -> int:
    with sessions() as session:
        query = select(func.count()).select_from(OutboxMessage)
        for column, value in where.items():
            query = query.where(getattr(OutboxMessage, column) == value)
        return session.scalar(query)


def _held(sessions, pid: int, deadline: float) -> dict[str, int]:
    """Waits until the worker `pid` holds a live lease; its leased rows by topic then."""
    until = time.monotonic() + deadline
    owned = OutboxMessage.lease_owner.like(f"%:{pid}%")
    while True:
        with sessions() as session:
            held = dict(
                session.execute(
                    select(OutboxMessage.topic, func.count())
                    .where(owned, OutboxMessage.status == "pending")
                    .where(OutboxMessage.lease_until > datetime.now(UTC))
                    .group_by(OutboxMessage.topic)
                ).all()
            )
        if held or time.monotonic() > until:
            return held
        time.sleep(0.01)


def _posted_unrecorded(desk, pid: int) -> int:
    """Rows the killed worker still leased whose post Slack had already carried out."""
    posted = [call.args.get("metadata") or {} for call in desk.slack.calls("chat.postMessage")]
    payloads = [m.get("event_payload") or {} for m in posted if isinstance(m, dict)]
    cards = {p["case"] for p in payloads if "case" in p}
    dms = {p["outbox"] for p in payloads if "outbox" in p}
    with desk.bot.sessions() as session:
        leased = session.execute(
            select(OutboxMessage.id, OutboxMessage.case_id, OutboxMessage.kind).where(
                OutboxMessage.lease_owner.like(f"%:{pid}%"),
                OutboxMessage.status == "pending",
                OutboxMessage.topic == "slack",
            )
        ).all()
    return sum((case in cards) if kind == "card" else (row in dms) for row, case, kind in leased)


def _dm_posts(slack, since: int) -> list[dict]:
    return [
        call.args
        for call in slack.calls("chat.postMessage")[since:]
        if call.args.get("channel") not in (TRIAGE, LEADS)
    ]


def _per_case(texts, pattern: str) -> collections.Counter[int]:
    """How many of the messages name each case (by `pattern`, one number group)."""
    return collections.Counter(
        int(found.group(1)) for text_ in texts if (found := re.search(pattern, text_))
    )


@pytest.fixture(scope="module")
def load(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """Runs the load once; the tests below each look at one promise."""
    tmp_path = tmp_path_factory.mktemp("load_held")
    started = time.monotonic()
    url = _load_database(tmp_path)
    fake = FakeGitLab().start()
    fake.add_project(SIRT_PROJECT)
    fake.add_project(GAP_PROJECT)
    desk = start_desk(url, **gitlab_env(fake))
    desk.slack.trigger_ttl = 30.0  # 20 clients at once: a modal may open later than 3 s
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GITLAB_"))},
        **settings_env(desk.slack, url),
        **gitlab_env(fake),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "INFO",
    }
    stop_flapping = threading.Event()
    flapper = threading.Thread(target=_flap, args=(fake, stop_flapping), daemon=True)
    filed: list[str] = []
    failures: list[str] = []
    clients = [
        threading.Thread(target=_client, args=(desk.url, desk.slack, n, filed, failures))
        for n in range(CLIENTS)
    ]
    workers: list[Bot] = []
    facts: dict[str, Any] = {}
    try:
        flapper.start()
        for client in clients:
            client.start()
        deadline = time.monotonic() + 60
        while len(filed) + len(failures) < CASES // 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        # The kill lands between a Slack post and its outbox row being marked sent: Slack
        # carries out each post, then holds its answer for 3 s.
        desk.slack.set_hang("chat.postMessage", 3.0, after=True)
        workers.append(Bot(env, tmp_path, "worker"))
        workers[0].wait_for("worker started", timeout=60)
        pid = workers[0].process.pid
        facts["held"] = _held(desk.bot.sessions, pid, 60)
        deadline = time.monotonic() + 60  # its first post, held for 3 s: kill it then
        while not _posted_unrecorded(desk, pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        workers[0].process.send_signal(signal.SIGKILL)
        assert workers[0].finish() == -signal.SIGKILL
        facts["posted_unrecorded"] = _posted_unrecorded(desk, pid)
        desk.slack.set_hang("chat.postMessage", 0)
        workers.append(Bot(env, tmp_path, "worker"))
        workers[1].wait_for("worker started", timeout=60)
        for client in clients:
            client.join(timeout=120)
        facts["load_seconds"] = time.monotonic() - started
        stop_flapping.set()
        flapper.join(timeout=5)
        workers[1].process.send_signal(signal.SIGTERM)
        assert workers[1].finish() == 0, workers[1].output()
        assert failures == [], failures[:5]
        facts["filed"] = sorted(filed)

        # The served bot files what it acknowledged and its couriers and mirror thread finish
        # (each call has a timeout); only then may drains on a jumped clock run, or they would
        # take rows those still hold on the real one and send them a second time.
        desk.bot.stop(timeout=120)
        assert [t.name for t in threading.enumerate() if t.name in BACKGROUND] == []
        _drain_slack(desk.bot)  # a card put up now queues its link for GitLab
        drain_all(desk.bot.delivery.gitlab_drain)
        _drain_slack(desk.bot)
        sessions = desk.bot.sessions
        facts["unsent"] = _count(sessions, status="pending") + _count(sessions, status="parked")
        with transaction(sessions) as session:
            facts["cases"] = session.execute(
                select(Case.id, Case.organisation, Case.intake_view_id, Case.gitlab_issue_url)
            ).all()
        facts["issues"] = fake.issues(SIRT_PROJECT)
        facts["gap_issues"] = fake.issues(GAP_PROJECT)
        facts["notes"] = {
            issue["iid"]: [n["body"] for n in fake.notes(SIRT_PROJECT, issue["iid"])]
            for issue in facts["issues"]
        }
        facts["cards"] = _per_case((m.get("text", "") for m in desk.cards()), r"Case (\d+):")
        facts["receipts"] = _per_case(
            (m.get("text", "") for user in REQUESTERS for m in desk.slack.dms_to(user)),
            r"^Case (\d+) filed:",
        )

        # A sweep at an instant every first update is due, then the same sweep again.
        due = (datetime.now(UTC) + timedelta(days=14)).isoformat()
        for run in ("first", "second"):
            before = len(desk.slack.calls("chat.postMessage"))
            tick = Bot(env, tmp_path, "tick", "--now", due)
            # A tick sending 200 reminders took over 60 s with a busy loop on each core.
            assert tick.finish(timeout=300) == 0, tick.output()
            facts[f"{run}_posts"] = _dm_posts(desk.slack, before)
            with sessions() as session:
                facts[f"{run}_rows"] = session.execute(
                    select(OutboxMessage.case_id, OutboxMessage.status).where(
                        OutboxMessage.kind == Notice.REMINDER
                    )
                ).all()
        requests_ = fake.requests()
        facts["summary"] = (
            f"{CASES} cases by {CLIENTS} clients in {facts['load_seconds']:.1f} s, "
            f"{len(requests_)} GitLab requests "
            f"({sum(r.status in (429, 503) for r in requests_)} answered 429/503), "
            f"{time.monotonic() - started:.1f} s in all, on {make_url(url).get_backend_name()}; "
            f"worker killed holding leases on {facts['held']}, "
            f"{facts['posted_unrecorded']} of them posted but not yet recorded"
        )
        print(f"\nload held: {facts['summary']}")
        yield facts
    finally:
        stop_flapping.set()
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.kill()
                worker.finish()
        for client in clients:
            client.join(timeout=30)
        fake.clear_faults()
        stop_desk(desk)
        fake.stop()
    assert desk.slack.validation_errors == []
    # The killed worker drops its connection to Slack mid-call; anything else is a fake's bug.
    dropped = ("BrokenPipeError", "ConnectionResetError")
    assert [
        e for e in desk.slack.internal_errors if not e.strip().splitlines()[-1].startswith(dropped)
    ] == []
    assert fake.server_errors == []


def test_every_case_is_stored_once(load):
    assert load["unsent"] == 0
    cases = load["cases"]
    assert len(cases) == CASES
    assert sorted(c.organisation for c in cases) == load["filed"]
    assert len({c.intake_view_id for c in cases}) == CASES


def test_every_case_has_one_confidential_issue_and_each_note_once(load):
    by_case: collections.Counter[int] = collections.Counter()
    for issue in load["issues"]:
        found = re.findall(r"info-request-bot:case-(\d+)\b", issue["description"])
        assert len(found) == 1, issue["description"]
        by_case[int(found[0])] += 1
        assert issue["confidential"] is True
    assert {case: n for case, n in by_case.items() if n > 1} == {}
    cases = load["cases"]
    assert set(by_case) == {c.id for c in cases}
    assert {c.gitlab_issue_url for c in cases} == {i["web_url"] for i in load["issues"]}
    for notes in load["notes"].values():
        found = (re.findall(r"info-request-bot:(?:event|card)-\d+", body) for body in notes)
        markers = [m for each in found for m in each]
        assert len(markers) == len(set(markers)) == len(notes) >= 1, notes
    assert load["gap_issues"] == []


def test_every_due_reminder_is_queued_and_sent_once(load):
    ids = {c.id for c in load["cases"]}
    rows = load["first_rows"]
    assert sorted(case for case, _ in rows) == sorted(ids)
    assert {status for _, status in rows} == {"sent"}
    assert _per_case(
        (p.get("text", "") for p in load["first_posts"]), r"^Case (\d+): a customer update is due"
    ) == (collections.Counter(ids))
    assert load["second_rows"] == rows
    assert load["second_posts"] == []


def test_every_card_and_receipt_is_posted_once(load):
    assert load["posted_unrecorded"] > 0, "the kill must land between a post and its record"
    ids = {c.id for c in load["cases"]}
    assert load["cards"] == collections.Counter(ids)
    assert load["receipts"] == collections.Counter(ids)
