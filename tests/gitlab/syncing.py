"""The served bot with its GitLab project hook, and the moves of a two-way test."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.standins.desk import Desk, start_desk
from bot.standins.gitlab_api import FakeGitLab
from bot.standins.gitlab_hooks import Delivery
from db.models import Case, Finding, GitLabDelivery
from tests.gitlab.conftest import SIRT_PROJECT, drain_all, gitlab_env

HOOK_SECRET = "hook-secret-0123456789abcdef"
SIRT = "sirt-alice"  # a SIRT engineer in GitLab


def start(db_url: str, fake: FakeGitLab, **env: str) -> Desk:
    desk = start_desk(db_url, GITLAB_WEBHOOK_SECRET=HOOK_SECRET, **gitlab_env(fake), **env)
    desk.bot.delivery.mirror_soon = lambda: None  # the tests run the mirror themselves
    fake.add_hook(
        SIRT_PROJECT,
        f"{desk.url}/gitlab/webhook",
        token=HOOK_SECRET,
        issues_events=True,
        confidential_issues_events=True,
        note_events=True,
        confidential_note_events=True,
    )
    return desk


def applied(desk: Desk) -> None:
    """Waits until every stored delivery was applied and what it caused was delivered."""

    def done() -> bool:
        with desk.bot.sessions() as session:
            waiting = session.scalar(
                select(func.count())
                .select_from(GitLabDelivery)
                .where(GitLabDelivery.status.in_(("pending", "applying")))
            )
        return waiting == 0 and desk.bot.apply_soon.idle()

    desk.wait_until(done, what="the GitLab deliveries to be applied")
    desk.settle()


def deliver(desk: Desk, fake: FakeGitLab, deliveries: list[Delivery] | None = None) -> list[int]:
    """Sends GitLab's deliveries (all it made, by default), applies them, runs the mirror
    until nothing is left (its writes' own deliveries included)."""
    statuses = []
    for _ in range(10):
        batch = fake.outgoing() if deliveries is None else deliveries
        statuses += [fake.send(d) for d in batch]
        applied(desk)
        drain_all(desk.bot.delivery.gitlab_drain)
        if deliveries is not None or not batch:
            return statuses
    raise AssertionError("deliveries never stopped: a loop")


def open_case(desk: Desk, fake: FakeGitLab, *, claim: bool = True) -> int:
    """A case filed (and claimed), its issue opened; returns the issue's iid."""
    from tests.e2e.test_casework import click

    desk.file("UREQ")
    desk.wait_for_card(1)
    if claim:
        click(desk, "case_claim", "USUP")
    drain_all(desk.bot.delivery.gitlab_drain)
    deliver(desk, fake)
    return case(desk).gitlab_issue_iid


def case(desk: Desk, n: int = 1) -> Case:
    with desk.bot.sessions() as session:
        return session.get(Case, n)


def findings(desk: Desk, n: int = 1) -> list[Finding]:
    with desk.bot.sessions() as session:
        rows = session.scalars(select(Finding).where(Finding.case_id == n).order_by(Finding.id))
        return list(rows)
