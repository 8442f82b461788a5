"""What the fake Slack remembers: every call it answered, and what each person now sees.

Tests assert through these: :meth:`RecordingWorld.wait_for` a call, read the messages of a
channel or a DM, the ephemerals and the views a user was shown. The HTTP side that records
the calls is :class:`~bot.standins.slack_api.FakeSlack`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.standins.slack_objects import real_monotonic
from bot.standins.slack_world import SlackWorld


@dataclass(frozen=True)
class Call:
    """One request the fake answered: Web API method (or "response_url") and what it said."""

    method: str
    args: dict[str, Any]
    response: Any
    status: int = 200
    time: float = field(default_factory=time.time)


class RecordingWorld(SlackWorld):
    """The workspace plus the log of calls made to it (same lock, same thread-safety)."""

    def __init__(self, **world: Any) -> None:
        super().__init__(**world)
        self._calls: list[Call] = []
        self._calls_changed = threading.Condition(self.lock)

    # -------------------------------------------------------------- recording
    def record(self, call: Call) -> None:
        with self._calls_changed:
            self._calls.append(call)
            self._calls_changed.notify_all()

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, oldest first, optionally only those of one method."""
        with self.lock:
            return [c for c in self._calls if method is None or c.method == method]

    def reset_calls(self) -> None:
        """Forget recorded calls and validation errors (the world state is kept)."""
        with self.lock:
            self._calls.clear()
            self.validation_errors.clear()

    def wait_for(
        self,
        method: str,
        predicate: Callable[[dict[str, Any]], bool] = lambda args: True,
        timeout: float = 5.0,
    ) -> Call:
        """Return the first recorded call of ``method`` whose args satisfy ``predicate``.

        The bot answers Slack before doing its work, so tests wait rather than
        assert immediately. Raises AssertionError listing every call on timeout.
        """
        deadline = real_monotonic() + timeout
        with self._calls_changed:
            while True:
                for call in self._calls:
                    if call.method == method and predicate(call.args):
                        return call
                remaining = deadline - real_monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"no matching {method} call within {timeout}s; calls:\n{self.dump_calls()}"
                    )
                self._calls_changed.wait(remaining)

    def dump_calls(self) -> str:
        """A readable one-line-per-call listing, for assertion messages."""
        with self.lock:
            lines = []
            for call in self._calls:
                args = json.dumps(call.args, default=str)
                outcome = call.response
                if isinstance(outcome, dict):
                    outcome = "ok" if outcome.get("ok") else outcome.get("error")
                lines.append(f"  {call.method} {args[:400]} -> {call.status} {outcome}")
            return "\n".join(lines) or "  (none)"

    # ----------------------------------------------------- what people see
    def messages_in(self, channel_id: str) -> list[dict[str, Any]]:
        """Messages currently in a channel (latest version of each), oldest first."""
        with self.lock:
            return [dict(m) for m in self.messages.get(channel_id, {}).values()]

    def dms_to(self, user_id: str) -> list[dict[str, Any]]:
        """Messages in the user's IM (posted to the D... id or to the user id)."""
        with self.lock:
            channel_id = self.ims.get(user_id)
            return self.messages_in(channel_id) if channel_id else []

    def ephemerals_to(self, user_id: str) -> list[dict[str, Any]]:
        """chat.postEphemeral messages and ephemeral response_url posts seen by a user."""
        with self.lock:
            return [dict(e) for e in self.ephemerals if e.get("user") == user_id]

    def channel_posts(self) -> list[dict[str, Any]]:
        """Every version of every message visible in non-IM channels, for personal-data scans.

        Includes updates and replaced originals (earlier versions were visible
        too) and in_channel response_url posts.
        """
        with self.lock:
            posts = [
                dict(m)
                for m in self.message_versions
                if not (m["channel"] in self.channels and self.channels[m["channel"]].is_im)
            ]
            return posts + [dict(r) for r in self.in_channel_responses]

    def get_view(self, view_id: str) -> dict[str, Any]:
        """The latest version of a view opened/pushed/updated/published by the bot."""
        with self.lock:
            return dict(self.views[view_id])

    def views_for(self, user_id: str) -> list[dict[str, Any]]:
        """Views (modals and home tab) shown to a user, latest version of each, in open order."""
        with self.lock:
            return [dict(v) for k, v in self.views.items() if self.view_owners.get(k) == user_id]
