"""The Slack sender over the recording Notifier: what a step queued reaches whom, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.app.filing import Filing, Requester
from bot.cases.model import Limits
from bot.delivery.drain import Drain
from bot.delivery.kinds import Topic
from bot.delivery.notifier import RecordingNotifier
from bot.delivery.slack import SlackSender, card_metadata
from db.models import OutboxMessage
from db.session import transaction
from tests.factories import NOW, intake

TRIAGE, LEADS = "C0TRIAGE", "C0LEADS"


def _drain(sessions, notifier: RecordingNotifier) -> Drain:
    sender = SlackSender(notifier, triage_channel=TRIAGE, leads_channel=LEADS)
    return Drain(sessions=sessions, topic=Topic.SLACK, send=sender, clock=lambda: NOW, owner="t")


def _file(sessions) -> int:
    filing = Filing(sessions=sessions, clock=lambda: NOW, limits=Limits())
    requester = Requester(user_id="UREQ", team_id="T0")
    return filing.submit_intake(intake=intake(), requester=requester, view_id="V1").case.number


def test_a_filing_posts_the_card_to_triage_and_the_receipt_to_the_requester(sessions):
    number, notifier = _file(sessions), RecordingNotifier()
    assert _drain(sessions, notifier).run() == 2
    card, receipt = notifier.posts
    assert (card.channel_id, card.metadata) == (TRIAGE, card_metadata(number))
    assert receipt.channel_id == "D-UREQ" and f"Case {number} filed" in receipt.message["text"]


def test_a_retried_post_that_already_went_out_is_not_posted_again(sessions):
    _file(sessions)
    notifier = RecordingNotifier()
    _drain(sessions, notifier).run()
    with transaction(sessions) as session:  # as if the process died after posting
        session.execute(update(OutboxMessage).values(status="pending", sent_at=None, attempts=1))
        session.execute(update(OutboxMessage).values(available_at=NOW - timedelta(seconds=1)))
    _drain(sessions, notifier).run()
    assert len(notifier.posts) == 2


def test_nothing_goes_to_a_triage_channel_shared_outside(sessions):
    _file(sessions)
    notifier = RecordingNotifier(external={TRIAGE})
    _drain(sessions, notifier).run(max_rounds=1)
    assert [p.channel_id for p in notifier.posts] == []  # the card waits; the receipt behind it
    with transaction(sessions) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "card"))
        assert [row.status for row in rows] == ["pending"]
