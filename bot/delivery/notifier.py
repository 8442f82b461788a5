"""The little the Slack sender needs of Slack, as an interface, and a fake that records.

`bot.slack.notifier.SlackNotifier` is the real one (the Web API through slack_sdk). Each
method raises `Retry` or `Permanent` (bot.delivery.drain) for a failure, never a client error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class Notifier(Protocol):
    def is_internal(self, channel_id: str) -> bool:
        """Private and not shared outside the company, asked afresh (not from a cache)."""

    def dm_channel(self, user_id: str) -> str:
        """The direct-message channel with a person."""

    def post(self, channel_id: str, message: dict[str, Any], metadata: dict[str, Any]) -> str:
        """Posts a message carrying Slack message metadata; returns its ts."""

    def update(self, channel_id: str, ts: str, message: dict[str, Any]) -> None:
        """Replaces a message the bot posted."""

    def find(self, channel_id: str, metadata: dict[str, Any], since: float) -> str | None:
        """The ts of a message posted since `since` (epoch seconds) carrying `metadata`."""

    def permalink(self, channel_id: str, ts: str) -> str:
        """A link to a message, for people who can see its channel."""


@dataclass
class Posted:
    channel_id: str
    ts: str
    message: dict[str, Any]
    metadata: dict[str, Any]


@dataclass
class RecordingNotifier:
    """A Notifier in memory: what was posted, updated, and to whom; every channel internal
    unless listed in `external`."""

    posts: list[Posted] = field(default_factory=list)
    external: set[str] = field(default_factory=set)

    def is_internal(self, channel_id: str) -> bool:
        return channel_id not in self.external

    def dm_channel(self, user_id: str) -> str:
        return f"D-{user_id}"

    def post(self, channel_id: str, message: dict[str, Any], metadata: dict[str, Any]) -> str:
        ts = f"{len(self.posts) + 1}.000000"
        self.posts.append(Posted(channel_id, ts, message, metadata))
        return ts

    def update(self, channel_id: str, ts: str, message: dict[str, Any]) -> None:
        for posted in self.posts:
            if (posted.channel_id, posted.ts) == (channel_id, ts):
                posted.message = message

    def find(self, channel_id: str, metadata: dict[str, Any], since: float) -> str | None:
        return next(
            (p.ts for p in self.posts if (p.channel_id, p.metadata) == (channel_id, metadata)),
            None,
        )

    def permalink(self, channel_id: str, ts: str) -> str:
        return f"https://slack.example/archives/{channel_id}/p{ts.replace('.', '')}"
