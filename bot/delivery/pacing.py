"""Keeping delivery inside Slack's rate limits, so a burst of filings is paced, not refused.

Slack lets an app post about one message a second into a channel (after a short burst) and
calls each other method a number of times a minute per workspace (its tier); beyond that it
answers 429 with a Retry-After. One `Pacer` per process, shared by every thread that delivers
(the couriers, the worker's drains, the Home tabs), hands out the next free slot of each key
(a post: its channel; a Home tab: its person; any other method: the method): a short wait is
slept, a long one raises the drain's `Retry(after=...)`, so the row goes back to the outbox
with its attempt refunded instead of holding a courier. A 429 blocks its key until its
Retry-After for every thread (`told_to_wait`): nothing asks Slack again for that key before,
a caller already asleep for its slot included. (The Slack notifier then waits a short
Retry-After out here and tries again; a long one sends the row back.)

The pacing is per process, not shared across processes through the database: a second
process (the worker beside `serve`) keeps its own slots, and the two together may go over for
a moment; Slack then answers 429, which each honours (the other process learns of it from
its own 429). Sharing the slots (a `slack_pace` row per key, its next slot reserved with one
UPDATE ... RETURNING) would cost a table, a migration and a database round trip per Slack
call, for a case that is rare: the worker drains only what the couriers left.

Each key is a GCRA token bucket: `due` is when the bucket will be empty again; a call may go
once `due - burst tolerance` has come. The pacer keeps one token of each burst in hand, so
calls bunched up on the way to Slack still find one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.delivery.drain import Retry


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int = 1

    @classmethod
    def per_minute(cls, calls: int) -> Rate:
        """A Web API tier: `calls` a minute, all of them at once if need be."""
        return cls(calls / 60.0, calls)


TIER_1, TIER_2, TIER_3, TIER_4 = (Rate.per_minute(n) for n in (1, 20, 50, 100))
POSTS = Rate(1.0, 5)  # chat.postMessage, per channel

# Slack's published limits of the methods delivery calls (STACK-FACTS 1.7).
SLACK_RATES: Mapping[str, Rate] = {
    "chat.postMessage": POSTS,
    "chat.update": TIER_3,
    "conversations.history": TIER_3,
    "conversations.open": TIER_3,
    "conversations.info": TIER_3,
    "views.publish": TIER_4,
    "users.info": TIER_4,
    "usergroups.users.list": TIER_2,
}
# Methods limited per channel or per person rather than per workspace.
KEYED = frozenset({"chat.postMessage", "views.publish"})

MAX_SLEEP = 5.0  # a wait longer than this goes back to the outbox instead
EPSILON = 1e-6  # a wait shorter than this is a rounding error, not worth a sleep


class Pacer:
    """The next free slot of each key, for every thread of the process."""

    def __init__(
        self,
        rates: Mapping[str, Rate] = SLACK_RATES,
        *,
        max_sleep: float = MAX_SLEEP,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rates, self.max_sleep = dict(rates), max_sleep
        self._clock, self._sleep = clock, sleep
        self._due: dict[tuple[str, str], float] = {}  # when each bucket is empty again
        self._blocked: dict[tuple[str, str], float] = {}  # a 429's Retry-After, as a time
        self._lock = threading.Lock()

    def take(self, method: str, key: str = "") -> None:
        """Waits for the method's next slot; raises `Retry(after=...)` when that is far off.

        A method without a known rate passes at once, unless a 429 blocked it.
        """
        rate, slot = self.rates.get(method), self._slot(method, key)
        with self._lock:
            now = self._clock()
            block = self._blocked.get(slot)
            ready = block or now
            if rate is not None:
                interval = 1.0 / rate.per_second
                due = max(self._due.get(slot, now), now)
                ready = max(ready, due - _tolerance(rate))
            wait = self._allowed(method, ready - now)
            if rate is not None:
                self._due[slot] = max(due, now + wait) + interval
        while wait > EPSILON:
            self._sleep(wait)
            with self._lock:  # a 429 while it slept holds this slot too: no call before
                now, latest = self._clock(), self._blocked.get(slot)
                told = latest is not None and latest != block
                wait = self._allowed(method, latest - now) if told and latest else 0.0
                block = latest

    def _allowed(self, method: str, wait: float) -> float:
        """The wait if it is short; raises `Retry` when it is too long to sleep."""
        if wait > self.max_sleep:
            raise Retry(f"{method} paced: next slot in {wait:.1f}s", after=wait)
        return max(wait, 0.0)

    def told_to_wait(self, method: str, key: str, seconds: float) -> None:
        """Slack answered 429: nothing for this key before `seconds` from now, and then one
        call at a time (its bucket is taken to be empty then)."""
        rate, slot = self.rates.get(method), self._slot(method, key)
        with self._lock:
            until = self._clock() + seconds
            self._blocked[slot] = max(self._blocked.get(slot, until), until)
            if rate is not None:
                empty = until + _tolerance(rate)
                self._due[slot] = max(self._due.get(slot, empty), empty)

    def wait_for(self, method: str, key: str = "") -> float:
        """Seconds until the key's next slot (0: free now), for reports and tests."""
        rate, slot = self.rates.get(method), self._slot(method, key)
        with self._lock:
            now = self._clock()
            ready = self._blocked.get(slot, now)
            if rate is not None:
                due = self._due.get(slot, now)
                ready = max(ready, due - _tolerance(rate))
            return max(ready - now, 0.0)

    @staticmethod
    def _slot(method: str, key: str) -> tuple[str, str]:
        return (method, key if method in KEYED else "")


def _tolerance(rate: Rate) -> float:
    """How far ahead of the steady rate a burst may run: one call less than Slack's burst,
    a token kept in hand so that calls bunched up on their way (network, a busy machine) do
    not arrive faster than Slack refills."""
    return max(rate.burst - 2, 0) / rate.per_second
