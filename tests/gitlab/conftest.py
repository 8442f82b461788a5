"""The desk wired to a fake GitLab, and a way to drain the mirror without real back-off."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.drain import MAX_DELAY, Drain
from bot.standins.desk import Desk, start_desk, stop_desk
from bot.standins.gitlab_api import FakeGitLab
from db.models import OutboxMessage

SIRT_PROJECT = "gitlab-com/gl-security/sirt/info-requests"
GAP_PROJECT = "gitlab-org/gitlab"


@dataclass
class Clock:
    """A clock that starts now and jumps forward on request (no real waiting)."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def pending(sessions: sessionmaker[Session], status: str = "pending") -> int:
    with sessions() as session:
        return session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.topic == "gitlab", OutboxMessage.status == status)
        )


def drain_all(drain: Drain, *, rounds: int = 40) -> Clock:
    """Runs the drain, jumping past every back-off, until no GitLab row is pending."""
    clock = Clock(datetime.now(UTC))
    driven = replace(drain, clock=clock)
    for _ in range(rounds):
        driven.run()
        if pending(drain.sessions) == 0:
            return clock
        clock.advance(MAX_DELAY + 1)
    return clock


def gitlab_env(fake: FakeGitLab) -> dict[str, str]:
    return {
        "GITLAB_URL": fake.url,
        "GITLAB_TOKEN": fake.token,
        "GITLAB_SIRT_PROJECT": SIRT_PROJECT,
        "GITLAB_GAP_PROJECT": GAP_PROJECT,
    }


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab() as fake:
        fake.add_project(SIRT_PROJECT)
        fake.add_project(GAP_PROJECT)
        yield fake
        assert fake.server_errors == []


def _join_mirror_threads() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("gitlab-mirror-"):
            thread.join(timeout=30)


@pytest.fixture
def gdesk(db_url: str, fake: FakeGitLab) -> Iterator[Desk]:
    """The served bot with GitLab configured; the drain is run by the tests themselves."""
    desk = start_desk(db_url, **gitlab_env(fake))
    # The served bot mirrors in the background once Slack is done; here the tests drive it.
    desk.bot.delivery.mirror_soon = lambda: None
    yield desk
    fake.clear_faults()
    _join_mirror_threads()
    stop_desk(desk)
    assert desk.slack.validation_errors == []
    assert desk.slack.internal_errors == []


@pytest.fixture
def hdesk(db_url: str, fake: FakeGitLab) -> Iterator[Desk]:
    """The served bot with its GitLab project hook (tests.gitlab.syncing)."""
    from tests.gitlab.syncing import start

    desk = start(db_url, fake)
    yield desk
    desk.wait_until(desk.bot.apply_soon.idle, timeout=15, what="the applier to finish")
    # What it queued for Slack is sent before the fake Slack stops: after a long test (the
    # chaos test) on a loaded machine that can take more than the usual few seconds.
    desk.settle(timeout=60)
    _join_mirror_threads()
    stop_desk(desk)
    assert desk.slack.validation_errors == []
    assert desk.slack.internal_errors == []
