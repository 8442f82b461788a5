"""The bot's view of Slack: who someone is, what a channel is, who is in a group.

Answers are cached briefly (Slack rate-limits these methods and they sit on the 3-second
path). Any Slack failure surfaces as `SlackUnavailable`, and callers fail closed on it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler

from bot import telemetry

USER_TTL = 300.0
CHANNEL_TTL = 60.0
GROUP_TTL = 60.0


class SlackUnavailable(Exception):
    """Slack could not answer; the bot refuses rather than guess."""


def make_client(
    token: str | None, base_url: str, timeout: int = 10, *, wait_on_rate_limit: bool = True
) -> WebClient:
    """A WebClient on the configured API URL that retries dropped connections and, unless
    told not to, waits out rate limits (not on the 3-second path: a trigger can't wait)."""
    handlers: list = [_CountRateLimits(), ConnectionErrorRetryHandler(max_retry_count=2)]
    if wait_on_rate_limit:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=handlers)


class _CountRateLimits(RetryHandler):
    """Retries nothing; counts each 429 for Prometheus (asked first, on every answer)."""

    def __init__(self) -> None:
        super().__init__(max_retry_count=1_000_000)

    def _can_retry(
        self, *, state: Any, request: Any, response: Any = None, error: Any = None
    ) -> bool:
        if response is not None and response.status_code == 429:
            telemetry.SLACK_RATE_LIMITED.inc()
        return False


class TTLCache:
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl, self._clock = ttl, clock
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get_or_load(self, key: str, load: Callable[[], Any]) -> Any:
        with self._lock:
            hit = self._items.get(key)
            if hit and hit[0] > self._clock():
                return hit[1]
        value = load()
        with self._lock:
            self._items[key] = (self._clock() + self._ttl, value)
        return value

    def forget(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)


@dataclass(frozen=True)
class SlackUser:
    id: str
    team_id: str
    tz: str
    is_guest: bool
    is_stranger: bool
    is_bot: bool
    deleted: bool
    name: str = ""  # their full name as Slack shows it (for text, never a mention)


@dataclass(frozen=True)
class SlackChannel:
    id: str
    is_private: bool
    is_im: bool
    is_member: bool
    is_external: bool


def _is_external(channel: dict[str, Any]) -> bool:
    """Shared outside the workspace, or on its way to be (§6 of the design)."""
    return bool(
        channel.get("is_ext_shared")
        or channel.get("is_pending_ext_shared")
        or (channel.get("is_shared") and not channel.get("is_org_shared"))
    )


def _name(user: dict[str, Any]) -> str:
    profile = user.get("profile") or {}
    for name in (profile.get("real_name"), user.get("real_name"), profile.get("display_name")):
        if isinstance(name, str) and name.strip():
            return name.strip()
    return str(user.get("name") or "")


class SlackGateway:
    def __init__(self, client: WebClient, interactive: WebClient | None = None) -> None:
        self.client = client
        # views.open must happen within a trigger's 3 seconds: no waiting out rate limits.
        self.interactive = interactive or client
        self._team = TTLCache(3600.0)
        self._users = TTLCache(USER_TTL)
        self._channels = TTLCache(CHANNEL_TTL)
        self._groups = TTLCache(GROUP_TTL)

    def _call(self, method: str, **args: Any) -> dict[str, Any]:
        try:
            return self.client.api_call(method, params=args).data  # type: ignore[return-value]
        except (SlackApiError, SlackClientError, OSError) as error:
            raise SlackUnavailable(f"{method} failed: {error}") from error

    def team_id(self) -> str:
        return self._team.get_or_load("team", lambda: self._call("auth.test")["team_id"])

    def user(self, user_id: str) -> SlackUser:
        def load() -> SlackUser:
            data = self._call("users.info", user=user_id)["user"]
            return SlackUser(
                id=data["id"],
                team_id=data.get("team_id", ""),
                tz=data.get("tz") or "UTC",
                is_guest=bool(data.get("is_restricted") or data.get("is_ultra_restricted")),
                is_stranger=bool(data.get("is_stranger")),
                is_bot=bool(data.get("is_bot")),
                deleted=bool(data.get("deleted")),
                name=_name(data),
            )

        return self._users.get_or_load(user_id, load)

    def channel(self, channel_id: str, *, fresh: bool = False) -> SlackChannel:
        def load() -> SlackChannel:
            data = self._call("conversations.info", channel=channel_id)["channel"]
            return SlackChannel(
                id=data["id"],
                is_private=bool(data.get("is_private") or data.get("is_im")),
                is_im=bool(data.get("is_im")),
                is_member=bool(data.get("is_member")),
                is_external=_is_external(data),
            )

        if fresh:
            self._channels.forget(channel_id)
        return self._channels.get_or_load(channel_id, load)

    def group_members(self, group_id: str) -> frozenset[str]:
        return self._groups.get_or_load(
            group_id,
            lambda: frozenset(self._call("usergroups.users.list", usergroup=group_id)["users"]),
        )

    def is_member(self, user_id: str, group_ids: tuple[str, ...]) -> bool:
        """True when the user is in one of the groups; no groups configured means nobody."""
        return any(user_id in self.group_members(group) for group in group_ids)
