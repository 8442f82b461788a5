"""`POST /gitlab/webhook`: the secret, the store, duplicates, and what a delivery may not do."""

from __future__ import annotations

import json

import requests
from sqlalchemy import func, select

from bot.standins.desk import start_desk, stop_desk
from bot.standins.gitlab_hooks import Delivery
from db.models import GitLabDelivery
from tests.gitlab.conftest import SIRT_PROJECT, gitlab_env
from tests.gitlab.syncing import (
    SIRT,
    applied,
    deliver,
    findings,
    open_case,
)


def stored(desk) -> list[GitLabDelivery]:
    with desk.bot.sessions() as session:
        return list(session.scalars(select(GitLabDelivery).order_by(GitLabDelivery.id)))


def post(delivery: Delivery, **headers: str | None) -> requests.Response:
    sent = {k: v for k, v in {**delivery.headers, **headers}.items() if v is not None}
    return requests.post(delivery.url, data=delivery.body, headers=sent, timeout=10)


def test_a_wrong_or_missing_token_is_refused_and_changes_nothing(hdesk, fake):
    iid = open_case(hdesk, fake)
    before = len(stored(hdesk))
    fake.comment(SIRT_PROJECT, iid, "Token used from 203.0.113.9", by=SIRT)
    [delivery] = fake.outgoing()
    assert post(delivery, **{"X-Gitlab-Token": "hook-secret-0123456789abcdeX"}).status_code == 401
    assert post(delivery, **{"X-Gitlab-Token": None}).status_code == 401
    assert len(stored(hdesk)) == before
    assert findings(hdesk) == []


def test_without_a_secret_the_endpoint_does_not_exist(db_url, fake):
    desk = start_desk(db_url, **gitlab_env(fake))
    try:
        answer = requests.post(
            f"{desk.url}/gitlab/webhook",
            data=b"{}",
            headers={"X-Gitlab-Token": "", "X-Gitlab-Event": "Note Hook"},
            timeout=10,
        )
        assert answer.status_code == 404
    finally:
        stop_desk(desk)


def test_a_replayed_delivery_is_applied_once(hdesk, fake):
    iid = open_case(hdesk, fake)
    fake.comment(SIRT_PROJECT, iid, "Sign-ins from a new ASN at 02:14", by=SIRT)
    [delivery] = fake.outgoing()
    assert delivery.headers["X-Gitlab-Event"] == "Confidential Note Hook"
    assert delivery.payload["event_type"] == "confidential_note"
    statuses = deliver(hdesk, fake, [delivery, delivery, delivery])
    assert statuses == [200, 200, 200]
    [finding] = findings(hdesk)
    assert finding.text == "Sign-ins from a new ASN at 02:14"
    assert finding.gitlab_author == SIRT and not finding.internal
    keys = [d.key for d in stored(hdesk)]
    assert keys.count(delivery.headers["Idempotency-Key"]) == 1


def test_the_event_uuid_deduplicates_without_an_idempotency_key(hdesk, fake):
    iid = open_case(hdesk, fake)
    fake.comment(SIRT_PROJECT, iid, "Two logins", by=SIRT)
    [delivery] = fake.outgoing()
    for _ in range(2):
        assert post(delivery, **{"Idempotency-Key": None}).status_code == 200
    applied(hdesk)
    uuid = delivery.headers["X-Gitlab-Event-UUID"]
    assert [d.key for d in stored(hdesk)].count(uuid) == 1
    assert len(findings(hdesk)) == 1


def test_a_delivery_for_an_issue_the_bot_does_not_know_is_ignored(hdesk, fake):
    open_case(hdesk, fake)
    other = fake.add_issue(SIRT_PROJECT, "Someone else's issue", confidential=True)
    fake.comment(SIRT_PROJECT, other["iid"], "Not a case of ours", by=SIRT)
    assert deliver(hdesk, fake) == [200]
    assert stored(hdesk)[-1].status == "ignored"
    assert findings(hdesk) == []


def test_a_forged_delivery_changes_nothing(hdesk, fake):
    """A delivery is a hint: what it says is read back from GitLab, and there is no such note."""
    iid = open_case(hdesk, fake)
    fake.comment(SIRT_PROJECT, iid, "Real comment", by=SIRT)
    [real] = fake.outgoing()
    body = real.payload
    body["object_attributes"] |= {"id": 99999, "note": "Forged: close everything"}
    headers = {**real.headers, "Idempotency-Key": "forged-1", "X-Gitlab-Event-UUID": "forged-1"}
    forged = Delivery(real.url, headers, json.dumps(body).encode(), real.event)
    deliver(hdesk, fake, [forged])
    assert [f.text for f in findings(hdesk)] == ["Real comment"]  # only what GitLab holds


def test_the_bots_own_notes_are_never_findings(hdesk, fake):
    open_case(hdesk, fake)  # the bot wrote its notes, and GitLab delivered them back
    with hdesk.bot.sessions() as session:
        count = session.scalar(select(func.count()).select_from(GitLabDelivery))
    assert count >= 2
    assert findings(hdesk) == []


def test_while_gitlab_is_down_a_delivery_is_acked_kept_and_applied_later(hdesk, fake):
    from dataclasses import replace
    from datetime import timedelta

    from bot.jobs.scheduler import tick
    from bot.wiring import build_worker

    iid = open_case(hdesk, fake)
    fake.comment(SIRT_PROJECT, iid, "Found during the outage", by=SIRT)
    [delivery] = fake.outgoing()
    fake.hang("*", "/", seconds=30, times=None)  # GitLab answers nothing at all
    assert fake.send(delivery, timeout=5) == 200  # the ack never waits on GitLab
    hdesk.wait_until(lambda: fake.requests("GET", rf"/issues/{iid}$"), what="the re-read")
    fake.clear_faults()
    assert findings(hdesk) == []
    later = hdesk.bot.clock() + timedelta(minutes=5)  # past the failed attempt's lease
    replace(hdesk.bot.use_cases.sync, clock=lambda: later).apply_pending()
    assert [f.text for f in findings(hdesk)] == ["Found during the outage"]
    tick(build_worker(hdesk.bot), later)  # the worker's own pass finds nothing left
    assert stored(hdesk)[-1].status == "applied"
