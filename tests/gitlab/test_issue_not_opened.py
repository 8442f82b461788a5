"""GitLab keeps refusing a case's issue: the owner (if any) and the leads are told once, the
case's notes wait instead of being parked with it, and follow in order once it is unparked."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from bot.app.operations import Operations
from bot.delivery.drain import MAX_ATTEMPTS
from bot.standins.workspace import LEADS
from db import outbox
from db.models import OutboxMessage
from db.session import transaction
from tests.e2e.test_casework import click
from tests.gitlab.conftest import Clock, drain_all
from tests.gitlab.test_faults import assert_mirrored_once

TOLD = "the GitLab issue could not be opened"


def park_the_issue(desk, fake) -> Clock:
    fake.fail("POST", r"/issues$", status=503, times=None)
    clock = drain_all(desk.bot.delivery.gitlab_drain, rounds=MAX_ATTEMPTS * 3)
    # What the parking queued goes out when it was queued (the drain's clock ran ahead).
    replace(desk.bot.delivery.slack_drain, clock=clock).run()
    return clock


def told(messages) -> list[dict]:
    return [m for m in messages if TOLD in m.get("text", "")]


def gitlab_rows(desk) -> list[tuple[str, str, int]]:
    with transaction(desk.bot.sessions) as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == "gitlab").order_by(OutboxMessage.id)
        )
        return [(row.kind, row.status, row.attempts) for row in rows]


def test_owner_and_leads_are_told_once_and_the_notes_follow_the_unparked_issue(gdesk, fake):
    desk = gdesk
    desk.file("UREQ")
    desk.wait_for_card(1)
    click(desk, "case_claim", "USUP")
    clock = park_the_issue(desk, fake)

    assert gitlab_rows(desk) == [
        ("open_issue", "parked", MAX_ATTEMPTS),
        ("note", "pending", 0),  # accepted: waits, never tried, never parked
        ("card_link", "pending", 0),
        ("note", "pending", 0),  # claimed
    ]
    [dm] = told(desk.slack.dms_to("USUP"))
    assert "case 1" in dm["blocks"][0]["text"]["text"]
    assert len(told(desk.slack.messages_in(LEADS))) == 1
    assert told(desk.slack.dms_to("UREQ")) == []

    # Later drains try nothing more and tell nobody again.
    clock.advance(3600)
    replace(desk.bot.delivery.gitlab_drain, clock=clock).run()
    replace(desk.bot.delivery.slack_drain, clock=clock).run()
    assert len(told(desk.slack.dms_to("USUP"))) == 1
    assert len(told(desk.slack.messages_in(LEADS))) == 1
    assert gitlab_rows(desk)[0] == ("open_issue", "parked", MAX_ATTEMPTS)

    fake.clear_faults()  # the operator fixed GitLab, then ran `python -m bot unpark`
    assert Operations(desk.bot.sessions, lambda: datetime.now(UTC)).unpark() == 1
    drain_all(desk.bot.delivery.gitlab_drain)
    assert_mirrored_once(desk.bot.sessions, fake, 1)  # the issue, then every note in order


def test_a_case_nobody_has_claimed_is_told_to_the_leads_only(gdesk, fake):
    desk = gdesk
    desk.file("UREQ")
    desk.wait_for_card(1)
    park_the_issue(desk, fake)

    assert len(told(desk.slack.messages_in(LEADS))) == 1
    for person in ("UREQ", "USUP", "USUP2"):
        assert told(desk.slack.dms_to(person)) == []
    with transaction(desk.bot.sessions) as session:
        assert outbox.backlog(session=session, topic="slack") == {"pending": 0, "parked": 0}
