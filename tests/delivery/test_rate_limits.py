"""A burst of filings against a Slack that enforces its rate limits: every card and every
receipt goes out exactly once, every 429 is waited out, and the cards go up before anyone's
Home tab is refreshed.

The fake Slack enforces tighter limits than Slack's (5 posts a second per channel after a
burst of 3), so the tests stay short; the bot's pacer is told the same limits, or looser ones
when a test wants Slack to refuse.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app.filing import Filing, Requester
from bot.cases.model import Limits
from bot.delivery.drain import Drain, Retry
from bot.delivery.kinds import Notice, To, Topic
from bot.delivery.letters import Letter
from bot.delivery.notifier import RecordingNotifier
from bot.delivery.pacing import Rate
from bot.delivery.slack import SlackSender as DeliverySender
from bot.standins.desk import Desk, start_desk, stop_desk, wait_until
from bot.standins.slack_api import FakeSlack
from bot.standins.slack_requests import SlackSender
from bot.standins.workspace import SECRET, TEAM, TRIAGE, intake_answers
from db.models import OutboxMessage
from tests.factories import NOW, intake

FILERS = ("UREQ", "UREQ2", "UAKL")
CASES = 30
FAKE_POSTS = Rate(5.0, 3)  # what the fake Slack allows per channel in these tests


@pytest.fixture
def desk(db_url: str) -> Iterator[Desk]:
    desk = start_desk(db_url, SLACK_PACED="true")  # as against Slack itself
    yield desk
    stop_desk(desk)
    assert desk.slack.validation_errors == []
    assert desk.slack.internal_errors == []


def limit(desk: Desk, *, bot_posts: Rate = FAKE_POSTS) -> None:
    """The fake enforces 5 posts a second per channel after 3; the bot paces at `bot_posts`."""
    desk.slack.enforce_rate_limits(posts_per_second=5.0, post_burst=3)
    desk.bot.pacer.rates["chat.postMessage"] = bot_posts


@contextlib.contextmanager
def worker(desk: Desk) -> Iterator[None]:
    """The worker's Slack drain and the Home tabs after it, run often (the worker runs them
    every 15 s): what a 429 sent back to the outbox goes out from here once its Retry-After
    has passed."""
    stop = threading.Event()

    def drain() -> None:
        while not stop.wait(0.2):
            desk.bot.delivery.slack_drain.run()
            desk.bot.homes.refresh()

    thread = threading.Thread(target=drain, name="test-worker", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)


def file_burst(desk: Desk) -> None:
    """CASES filings over HTTP from three people at once, each submission a new modal."""
    views = {user: desk.open_intake(user) for user in FILERS}

    def client(user: str) -> None:
        with SlackSender(desk.url, SECRET) as sender:
            for n in range(CASES // len(FILERS)):
                response = sender.view_submission(
                    views[user], intake_answers(), user_id=user, team_id=TEAM,
                    view_id=f"V{user}{n:03d}",
                )  # fmt: skip
                assert response.status_code == 200 and "errors" not in response.text

    with ThreadPoolExecutor(len(FILERS)) as pool:
        list(pool.map(client, FILERS))


def posted(slack: FakeSlack) -> list[dict[str, Any]]:
    """Every post Slack accepted, in the order it accepted them."""
    return [c.args for c in slack.calls("chat.postMessage") if c.status == 200]


def cards(slack: FakeSlack) -> list[str]:
    return [str(a.get("text")) for a in posted(slack) if a.get("channel") == TRIAGE]


def receipts(slack: FakeSlack) -> list[str]:
    return [str(a.get("text")) for a in posted(slack) if "filed" in str(a.get("text"))]


def wait_for_everything(desk: Desk, timeout: float = 60) -> None:
    def done() -> bool:
        return len(cards(desk.slack)) >= CASES and len(receipts(desk.slack)) >= CASES

    wait_until(done, timeout, what=f"{CASES} cards and receipts", detail=desk.slack.dump_calls)
    desk.settle(timeout=timeout)


def assert_each_once(desk: Desk) -> None:
    up, told = cards(desk.slack), receipts(desk.slack)
    assert len(up) == len(set(up)) == CASES  # no card twice, none missing
    assert len(told) == len(set(told)) == CASES
    assert len(desk.cards()) == CASES  # what the triage channel shows
    assert desk.slack.rate_limits is not None
    assert desk.slack.rate_limits.violations == []  # no call before its Retry-After


def test_a_burst_of_filings_is_paced_within_the_limits_and_each_message_goes_once(desk):
    limit(desk)
    with worker(desk):
        file_burst(desk)
        wait_for_everything(desk)
    assert_each_once(desk)


def test_when_slack_refuses_more_than_expected_its_retry_after_is_waited_out(desk):
    limit(desk, bot_posts=Rate(20.0, 10))  # the bot thinks Slack allows four times as much
    desk.slack.fail_next("chat.postMessage", status=429, retry_after=1, times=2)
    with worker(desk):
        file_burst(desk)
        wait_for_everything(desk)
    assert_each_once(desk)
    limits = desk.slack.rate_limits
    assert limits is not None and limits.refused_total("chat.postMessage") > 2


def test_a_429_after_the_card_went_up_does_not_put_it_up_twice(desk):
    limit(desk)
    desk.bot.pacer.max_sleep = 0.5  # a Retry-After of 1 s sends the row back to the outbox
    desk.slack.fail_next("chat.getPermalink", status=429, retry_after=1)
    with worker(desk):
        desk.file("UREQ")
        wait_until(lambda: receipts(desk.slack), 30, what="the receipt after the card")
        desk.settle(timeout=30)
    assert len(cards(desk.slack)) == 1 and len(desk.cards()) == 1
    assert desk.slack.calls("conversations.history")  # the retry looked for it first
    assert desk.slack.rate_limits is not None and desk.slack.rate_limits.violations == []


def test_every_card_in_hand_goes_up_before_any_home_tab(desk):
    limit(desk)
    filing = desk.bot.use_cases.filing
    numbers = [
        filing.submit_intake(
            intake=intake(), requester=Requester(FILERS[n % 3], TEAM), view_id=f"VH{n:03d}"
        ).case.number
        for n in range(CASES)
    ]
    for number in numbers:  # as the listeners hand them over after their acks
        desk.bot.delivery.deliver(number)
    wait_for_everything(desk)
    calls = [c for c in desk.slack.calls() if c.status == 200]
    last_card = max(
        i for i, c in enumerate(calls)
        if c.method == "chat.postMessage" and c.args.get("channel") == TRIAGE
    )  # fmt: skip
    first_home = [c.method for c in calls].index("views.publish")
    assert last_card < first_home
    published = {c.args["user_id"] for c in desk.slack.calls("views.publish")}
    assert set(FILERS) <= published


class RefusesOnce(RecordingNotifier):
    """Slack that answers one post with a 429 (the `refuse`-th), as a busy workspace does."""

    def __init__(self, refuse: int) -> None:
        super().__init__()
        self.refuse, self.calls = refuse, 0

    def post(self, channel_id: str, message: dict[str, Any], metadata: dict[str, Any]) -> str:
        self.calls += 1
        if self.calls == self.refuse:
            raise Retry("rate limited (ratelimited)", after=1.0)
        return super().post(channel_id, message, metadata)


def test_a_429_on_the_second_legal_dm_sends_neither_dm_twice():
    notifier = RefusesOnce(refuse=2)
    sender = DeliverySender(
        notifier, triage_channel=TRIAGE, leads_channel=None,
        members=lambda group: ["ULEGAL", "ULEGAL2"],
    )  # fmt: skip
    ask = Letter(
        case_id=1, notice=Notice.LEGAL_ASK, to=To.LEGAL, user_id=None,
        message={"text": "An exception waits on your decision"},
    )  # fmt: skip
    row = OutboxMessage(id=7, attempts=1, created_at=datetime.now(UTC))
    with pytest.raises(Retry) as told:
        sender.send(row, ask)
    assert not told.value.refund  # a DM went out: the next attempt counts as a retry
    row.attempts = 2
    sender.send(row, ask)  # it looks for each DM before posting it
    assert sorted(p.channel_id for p in notifier.posts) == ["D-ULEGAL", "D-ULEGAL2"]


def test_a_row_whose_lease_ran_out_while_the_batch_was_paced_is_given_back(sessions):
    filing = Filing(sessions=sessions, clock=lambda: NOW, limits=Limits())
    for n in range(2):
        filing.submit_intake(intake=intake(), requester=Requester("UREQ", TEAM), view_id=f"V{n}")
    clock = [NOW]

    class SlowSlack(RecordingNotifier):
        def post(self, channel_id, message, metadata):
            clock[0] += timedelta(seconds=115)  # paced: the first card took most of the lease
            return super().post(channel_id, message, metadata)

    notifier = SlowSlack()
    sender = DeliverySender(notifier, triage_channel=TRIAGE, leads_channel=None)
    drain = Drain(sessions=sessions, topic=Topic.SLACK, send=sender, clock=lambda: clock[0],
                  owner="t")  # fmt: skip
    drain.run(max_rounds=1)  # one batch: both cards claimed, one sent
    assert len(notifier.posts) == 1
    with sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "card")).all()
    waiting = [row for row in rows if row.status == "pending"]
    assert len(waiting) == 1 and waiting[0].attempts == 0 and waiting[0].lease_until is None
    drain.run()  # the next batch sends it, once
    assert sorted(p.metadata["event_payload"]["case"] for p in notifier.posts if p.channel_id
                  == TRIAGE) == [1, 2]  # fmt: skip
