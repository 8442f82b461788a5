"""The pacer on a clock of its own: slots per channel and per method, long waits sent back,
and a 429 holding its key until Retry-After."""

from __future__ import annotations

import pytest

from bot.delivery.drain import Retry
from bot.delivery.pacing import Pacer, Rate


class Clock:
    """A clock that only moves when the pacer sleeps (or the test says)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def pacer(clock: Clock, **rates: Rate) -> Pacer:
    table = {"chat.postMessage": Rate(1.0, 5), "chat.update": Rate.per_minute(50), **rates}
    return Pacer(table, clock=clock, sleep=clock.sleep)


def test_posts_to_a_channel_go_in_a_burst_then_one_a_second():
    clock = Clock()
    paced = pacer(clock)
    started = clock.now
    for _ in range(10):
        paced.take("chat.postMessage", "C1")
    # Four of Slack's burst of five went at once (one is kept in hand, for calls bunched up
    # on their way), then one a second: six more in six seconds.
    assert clock.slept == [pytest.approx(1.0)] * 6
    assert clock.now - started == pytest.approx(6.0)


def test_channels_are_paced_apart_and_other_methods_by_their_tier():
    clock = Clock()
    paced = pacer(clock)
    for _ in range(4):
        paced.take("chat.postMessage", "C1")
    paced.take("chat.postMessage", "C2")  # another channel has its own burst
    for _ in range(49):
        paced.take("chat.update", "C1")  # Tier 3: fifty a minute, at once if need be
    assert clock.slept == []
    paced.take("chat.update", "C2")  # one method, one bucket, whatever the channel
    assert clock.slept == [pytest.approx(60 / 50)]


def test_a_long_wait_is_sent_back_with_its_time_and_keeps_no_slot():
    clock = Clock()
    paced = pacer(clock, **{"chat.postMessage": Rate(1.0, 1)})
    paced.take("chat.postMessage", "C1")
    paced.max_sleep = 0.5
    with pytest.raises(Retry) as sent_back:
        paced.take("chat.postMessage", "C1")  # the next slot is 1 s off
    assert sent_back.value.after == pytest.approx(1.0) and sent_back.value.refund
    assert clock.slept == []
    assert paced.wait_for("chat.postMessage", "C1") == pytest.approx(1.0)  # nothing reserved


def test_a_429_holds_its_channel_until_retry_after_for_everyone():
    clock = Clock()
    paced = pacer(clock)
    paced.told_to_wait("chat.postMessage", "C1", 3.0)
    assert paced.wait_for("chat.postMessage", "C1") == pytest.approx(3.0)
    assert paced.wait_for("chat.postMessage", "C2") == 0.0
    paced.max_sleep = 10.0
    paced.take("chat.postMessage", "C1")
    paced.take("chat.postMessage", "C1")  # then one at a time: no burst right after a 429
    assert clock.slept == [pytest.approx(3.0), pytest.approx(1.0)]


def test_a_429_while_a_caller_waits_for_its_slot_holds_that_caller_too():
    clock = Clock()
    paced = pacer(clock, **{"chat.postMessage": Rate(1.0, 1)})

    def sleep(seconds: float) -> None:
        if not clock.slept:  # another thread's post is refused meanwhile
            paced.told_to_wait("chat.postMessage", "C1", 2.0)
        clock.sleep(seconds)

    paced._sleep = sleep
    paced.take("chat.postMessage", "C1")
    paced.take("chat.postMessage", "C1")  # its slot was 1 s off; the 429 says 2 s
    assert clock.slept == [pytest.approx(1.0), pytest.approx(1.0)]


def test_a_429_on_a_method_it_does_not_pace_still_holds_it():
    clock = Clock()
    paced = pacer(clock)
    paced.take("chat.getPermalink", "C1")  # no known limit: passes
    paced.told_to_wait("chat.getPermalink", "C1", 2.0)
    paced.max_sleep = 1.0
    with pytest.raises(Retry):
        paced.take("chat.getPermalink", "C1")
    paced.max_sleep = 5.0
    paced.take("chat.getPermalink", "C1")
    paced.take("chat.getPermalink", "C1")  # once the block has passed: at once again
    assert clock.slept == [pytest.approx(2.0)]


def test_threads_share_the_slots():
    import threading

    clock = Clock()
    paced = Pacer(
        {"chat.postMessage": Rate(1.0, 2)}, max_sleep=100, clock=clock, sleep=lambda s: None
    )

    def post() -> None:
        for _ in range(5):
            paced.take("chat.postMessage", "C1")

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Twenty posts on a clock that never moved, none lost to a race: the next slot is 20 s
    # off (one a second; of a burst of two, one is kept in hand).
    assert paced.wait_for("chat.postMessage", "C1") == pytest.approx(20.0)
