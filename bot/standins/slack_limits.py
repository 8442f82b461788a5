"""Slack's rate limits, as the fake Slack enforces them when a test or the bench asks.

Off unless `FakeSlack.enforce_rate_limits` is called. Then every Web API call takes a token
from its bucket: `chat.postMessage` one per channel (1 a second after a burst of 5 by
default), `views.publish` one per person, the other methods one per method at their tier's
rate (50 a minute for Tier 3, all of them at once if need be). A call with no token gets
HTTP 429, `Retry-After` in whole seconds (rounded up to when a token is back) and
`{"ok": false, "error": "ratelimited"}`, as Slack answers. Every 429 is counted per method
and key, and a call for a key made before the Retry-After it was given had passed is
recorded as a violation: a client that retries hot shows up there (a call already on its way
when the 429 went out, within `IN_FLIGHT` of it, is not one).
"""

from __future__ import annotations

import collections
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Limit:
    per_second: float
    burst: int = 1


def tier(per_minute: int) -> Limit:
    return Limit(per_minute / 60.0, per_minute)


# Slack's documented tiers of the methods the bot calls (https://api.slack.com/docs/rate-limits).
TIERS: Mapping[str, Limit] = {
    "chat.update": tier(50),
    "chat.delete": tier(50),
    "conversations.history": tier(50),
    "conversations.open": tier(50),
    "conversations.info": tier(50),
    "conversations.members": tier(100),
    "views.publish": tier(100),
    "users.info": tier(100),
    "usergroups.users.list": tier(20),
    "auth.test": tier(100),
}
# The argument naming a method's key when it is limited per channel or per person.
KEY_ARG = {"chat.postMessage": "channel", "views.publish": "user_id"}
IN_FLIGHT = 0.1  # seconds after a 429 that another thread's call may already be under way


class RateLimits:
    """Token buckets per (method, key); counts what it refused and who came back too soon."""

    def __init__(
        self,
        posts: Limit = Limit(1.0, 5),
        tiers: Mapping[str, Limit] = TIERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {**tiers, "chat.postMessage": posts}
        self._clock = clock
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # tokens, as of when
        self._blocked: dict[tuple[str, str], tuple[float, float]] = {}  # 429 sent at, until
        self.refused: collections.Counter[tuple[str, str]] = collections.Counter()
        self.violations: list[str] = []  # calls made before their Retry-After had passed

    @staticmethod
    def key(method: str, args: Mapping[str, Any]) -> tuple[str, str]:
        arg = KEY_ARG.get(method)
        return (method, str(args.get(arg) or "") if arg else "")

    def admit(self, method: str, args: Mapping[str, Any]) -> int | None:
        """None when the call may go; else the Retry-After (seconds) of the 429 it gets."""
        key, now = self.key(method, args), self._clock()
        self.arrived(method, args)
        limit = self.limits.get(method)
        if limit is None:
            return None
        tokens, then = self._buckets.get(key, (float(limit.burst), now))
        tokens = min(float(limit.burst), tokens + (now - then) * limit.per_second)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return None
        self._buckets[key] = (tokens, now)
        after = max(1, math.ceil((1.0 - tokens) / limit.per_second))
        self.refused_for(method, args, after)
        return after

    def arrived(self, method: str, args: Mapping[str, Any]) -> None:
        """Records a violation when the call's key was told to wait and that has not passed."""
        key, now = self.key(method, args), self._clock()
        sent, until = self._blocked.get(key, (0.0, 0.0))
        if sent + IN_FLIGHT < now < until:
            self.violations.append(f"{key[0]} {key[1]}: {until - now:.2f}s early".strip())

    def refused_for(self, method: str, args: Mapping[str, Any], after: int) -> None:
        """Counts a 429 sent for this call and remembers until when its key must rest."""
        key, now = self.key(method, args), self._clock()
        self.refused[key] += 1
        self._blocked[key] = (now, now + after)

    def refused_total(self, method: str | None = None) -> int:
        return sum(n for (m, _), n in self.refused.items() if method in (None, m))
