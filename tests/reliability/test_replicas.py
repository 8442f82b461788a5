"""Several replicas behave as one bot: two `serve` and two `worker` processes on one Postgres.

Signed filings alternate between the two `serve` replicas (each a command that opens the
intake modal, then its submission), as a load balancer would send them, with the fake GitLab
configured. Mid-burst the fake Slack starts holding each post's answer for 3 s after carrying
it out, a second worker is started (its first drain claims the backlog) and is SIGKILLed while
it holds leases. Afterwards: every case has its card, its receipt DM and its GitLab issue, none
twice, and the killed worker's rows were sent by the others within a minute (the replicas run
with a 10 s lease, OUTBOX_LEASE_SECONDS, to keep the test short).

Postgres only (a sibling database `<TEST_DATABASE_URL db>_replicas`): on SQLite a second
`serve` is refused (test_single_writer.py).
"""

from __future__ import annotations

import collections
import re
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.standins.gitlab_api import FakeGitLab
from bot.standins.slack_api import FakeSlack
from bot.standins.slack_payloads import plain_text_input
from bot.standins.slack_requests import SlackSender
from bot.standins.workspace import (
    SECRET,
    TEAM,
    TRIAGE,
    WORK,
    intake_answers,
    populate,
    settings_env,
)
from db.models import Case, OutboxMessage
from db.session import make_engine, make_session_factory
from tests.conftest import POSTGRES_URL
from tests.gitlab.conftest import GAP_PROJECT, SIRT_PROJECT, gitlab_env
from tests.reliability.conftest import migrated_url
from tests.reliability.processes import Bot, bot_env, free_port

pytestmark = pytest.mark.slow

CLIENTS, PER_CLIENT = 4, 6
CASES = CLIENTS * PER_CLIENT
REQUESTERS = ("UREQ", "UREQ2", "UAKL")
LEASE_SECONDS = 10


def _file(servers: list[Bot], slack: FakeSlack, number: int, filed: list[str], failed: list[str]):
    """One person filing PER_CLIENT cases, each request to the next replica in turn."""
    user = REQUESTERS[number % len(REQUESTERS)]
    senders = [SlackSender(server.url, SECRET) for server in servers]
    turn = number
    try:
        for n in range(PER_CLIENT):
            org = f"Replica org {number:02d}x{n:02d}"
            try:
                trigger = slack.issue_trigger(user)
                response = senders[turn % 2].command(
                    "/info-request",
                    "",
                    user_id=user,
                    team_id=TEAM,
                    channel_id=WORK,
                    trigger_id=trigger,
                    response_url=slack.new_response_url(user, channel_id=WORK),
                )
                turn += 1
                assert response.status_code == 200, response.text
                opened = slack.wait_for(
                    "views.open", lambda args, t=trigger: args.get("trigger_id") == t, timeout=20
                )
                view = slack.get_view(opened.response["view"]["id"])
                answers = intake_answers(organisation=plain_text_input(org))
                response = senders[turn % 2].view_submission(
                    view, answers, user_id=user, team_id=TEAM
                )
                turn += 1
                assert response.status_code == 200 and "errors" not in response.text, response.text
                filed.append(org)
            except Exception as error:
                failed.append(f"{org}: {error!r}"[:2000])
    finally:
        for sender in senders:
            sender.close()


def _leased_by(sessions, pid: int) -> list[int]:
    """The rows process `pid` holds a live lease on now."""
    with sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage.id).where(
                    OutboxMessage.lease_owner.like(f"%:{pid}:%"),
                    OutboxMessage.status == "pending",
                    OutboxMessage.lease_until > datetime.now(UTC),
                )
            )
        )


def _wait(condition, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
    return found


def _unsent(sessions, ids: list[int] | None = None) -> int:
    with sessions() as session:
        query = select(func.count()).where(OutboxMessage.status != "sent")
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(ids))
        return session.scalar(query.select_from(OutboxMessage))


def _per_case(texts, pattern: str) -> collections.Counter[int]:
    return collections.Counter(
        int(found.group(1)) for text_ in texts if (found := re.search(pattern, text_))
    )


@pytest.fixture(scope="module")
def replicas(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """Runs the burst once; each test checks one promise."""
    if not POSTGRES_URL:
        pytest.skip("several replicas need Postgres (set TEST_DATABASE_URL); SQLite refuses them")
    tmp_path = tmp_path_factory.mktemp("replicas")
    url = migrated_url("postgres", tmp_path, sibling="replicas")
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    slack, fake = FakeSlack(trigger_ttl=30.0).start(), FakeGitLab().start()
    populate(slack)
    fake.add_project(SIRT_PROJECT)
    fake.add_project(GAP_PROJECT)
    env = bot_env(
        {**settings_env(slack, url), **gitlab_env(fake)},
        OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
    )
    processes: list[Bot] = []
    facts: dict[str, Any] = {}
    try:
        servers = [Bot(env, tmp_path, "serve", port=free_port()) for _ in range(2)]
        steady = Bot(env, tmp_path, "worker")
        processes += [*servers, steady]
        for server in servers:
            server.wait_healthy()
        steady.wait_for("worker started")
        filed: list[str] = []
        failed: list[str] = []
        clients = [
            threading.Thread(target=_file, args=(servers, slack, n, filed, failed))
            for n in range(CLIENTS)
        ]
        for client in clients:
            client.start()
        _wait(lambda: len(filed) + len(failed) >= CASES // 3, 60, "a third of the burst")
        # Slack carries out each post, then answers 3 s late: a drain holds its leases.
        slack.set_hang("chat.postMessage", 3.0, after=True)
        doomed = Bot(env, tmp_path, "worker")
        processes.append(doomed)
        doomed.wait_for("worker started")
        held = _wait(lambda: _leased_by(sessions, doomed.pid), 20, "the second worker's leases")
        doomed.process.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        assert doomed.finish() == -signal.SIGKILL
        facts["held"] = held
        slack.set_hang("chat.postMessage", 0)
        for client in clients:
            client.join(timeout=120)
        assert failed == [], failed[:5]
        facts["filed"] = sorted(filed)
        _wait(lambda: _unsent(sessions, held) == 0, 60, "the killed worker's rows sent")
        facts["taken_over_seconds"] = time.monotonic() - killed_at
        _wait(lambda: _unsent(sessions) == 0, 60, "every outbox row sent")
        with sessions() as session:
            facts["cases"] = session.execute(
                select(Case.id, Case.organisation, Case.gitlab_issue_url)
            ).all()
        facts["issues"] = fake.issues(SIRT_PROJECT)
        posts = slack.calls("chat.postMessage")
        facts["cards"] = _per_case(
            (p.args.get("text", "") for p in posts if p.args.get("channel") == TRIAGE),
            r"^Case (\d+):",
        )
        facts["receipts"] = _per_case(
            (m.get("text", "") for user in REQUESTERS for m in slack.dms_to(user)),
            r"^Case (\d+) filed:",
        )
        metadata = [p.args.get("metadata") or {} for p in posts]
        facts["dm_rows"] = collections.Counter(
            m["event_payload"]["outbox"]
            for m in metadata
            if isinstance(m, dict) and "outbox" in m.get("event_payload", {})
        )
        print(
            f"\nreplicas: {CASES} cases through 2 serve and 2 workers; the killed worker held "
            f"{len(held)} rows, sent by the others {facts['taken_over_seconds']:.1f} s later"
        )
        yield facts
    finally:
        for process in processes:
            process.stop()
        slack.stop()
        fake.stop()
        engine.dispose()
    assert slack.validation_errors == []
    # The killed worker drops its connection to Slack mid-call; anything else is a fake's bug.
    dropped = ("BrokenPipeError", "ConnectionResetError")
    lasts = [error.strip().splitlines()[-1] for error in slack.internal_errors]
    assert [last for last in lasts if not last.startswith(dropped)] == []
    assert fake.server_errors == []


def test_every_filing_is_one_case(replicas):
    cases = replicas["cases"]
    assert sorted(c.organisation for c in cases) == replicas["filed"]
    assert len(cases) == CASES


def test_every_case_has_its_card_and_receipt_once(replicas):
    ids = {c.id for c in replicas["cases"]}
    assert replicas["cards"] == collections.Counter(ids)
    assert replicas["receipts"] == collections.Counter(ids)
    assert {row: n for row, n in replicas["dm_rows"].items() if n > 1} == {}


def test_every_case_has_one_gitlab_issue(replicas):
    by_case: collections.Counter[int] = collections.Counter()
    for issue in replicas["issues"]:
        found = re.findall(r"info-request-bot:case-(\d+)\b", issue["description"])
        assert len(found) == 1
        by_case[int(found[0])] += 1
    assert by_case == collections.Counter(c.id for c in replicas["cases"])
    assert {c.gitlab_issue_url for c in replicas["cases"]} == {
        i["web_url"] for i in replicas["issues"]
    }


def test_the_killed_workers_rows_are_taken_over_within_a_minute(replicas):
    assert replicas["held"], "the kill must land while the worker holds leases"
    assert replicas["taken_over_seconds"] < 60
