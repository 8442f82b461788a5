"""The delivery's Notifier over Slack's Web API: posts, updates, DMs, and the channel check.

Every call takes its slot from the process's `Pacer` first, and a 429 blocks its key there
until Retry-After, so no thread asks again before. A short Retry-After is then waited out in
the pacer and the call tried again; a long one sends the row back to the outbox (its
attempt refunded) and the courier carries on with the other cases. The client it is given
waits out nothing itself (`make_client(wait_on_rate_limit=False)`): slack_sdk's handler
would sleep out any Retry-After, however long, holding the courier and its claimed rows,
and no other thread would know that channel or method was told to wait.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.cases.permissions import Role
from bot.delivery.drain import Permanent, Retry
from bot.delivery.kinds import To
from bot.delivery.pacing import Pacer
from bot.slack.gateway import SlackChannel, SlackGateway, SlackUnavailable, TTLCache
from bot.slack.roles import Roles

# Who a group DM goes to: Legal decides exceptions; Security and Legal review artefacts.
DECIDERS: dict[To, tuple[Role, ...]] = {
    To.LEGAL: (Role.LEGAL,),
    To.REVIEWERS: (Role.SECURITY, Role.LEGAL),
}

T = TypeVar("T")
TRIES = 3  # calls of one method in one attempt, when Slack says to wait a moment
DM_TTL = 3600.0  # a person's DM channel with the bot does not change: opened once an hour

PERMANENT_ERRORS = {
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "no_text",
    "invalid_arguments",
    "user_not_found",
    "cannot_dm_bot",
}


def classify(error: Exception) -> Exception:
    """A Slack failure as the drain's Retry (429 with its Retry-After) or Permanent."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        code = error.response.get("error", "") if isinstance(error.response.data, dict) else ""
        if status == 429:
            after = error.response.headers.get("Retry-After") or error.response.headers.get(
                "retry-after"
            )
            return Retry(f"rate limited ({code or status})", float(after) if after else None)
        if code in PERMANENT_ERRORS:
            return Permanent(f"Slack refused: {code}")
        return Retry(f"Slack error {status} {code}".strip())
    return Retry(f"Slack unreachable: {error}")


class SlackNotifier:
    def __init__(self, gateway: SlackGateway, pacer: Pacer | None = None) -> None:
        self.gateway = gateway
        self.client = gateway.client
        self.pacer = pacer or Pacer(rates={})
        # conversations.open is Tier 3 (50 a minute): a burst of receipts to two people
        # opens their two DMs, not one per receipt.
        self._dms = TTLCache(DM_TTL)

    def _call(self, method: str, key: str, call: Callable[[], T]) -> T:
        """Calls in the method's slot; a 429 holds the key for every thread until its
        Retry-After, which this thread then waits out if it is short (the pacer's
        `max_sleep`), trying again at most `TRIES` times in all, else raises `Retry`."""
        for tries in range(1, TRIES + 1):
            self.pacer.take(method, key)
            try:
                return call()
            except (SlackApiError, SlackClientError, OSError) as error:
                failure = classify(error)
                if not isinstance(failure, Retry) or failure.after is None:
                    raise failure from error
                self.pacer.told_to_wait(method, key, failure.after)
                if failure.after > self.pacer.max_sleep or tries == TRIES:
                    raise failure from error
        raise AssertionError("unreachable")

    def is_internal(self, channel_id: str) -> bool:
        def ask() -> SlackChannel:
            try:
                # Asked afresh before every post: a channel shared a minute ago gets nothing.
                return self.gateway.channel(channel_id, fresh=True)
            except SlackUnavailable as error:
                if isinstance(error.__cause__, SlackApiError):
                    raise error.__cause__ from error  # a 429 is paced like any other
                raise Retry(str(error)) from error

        channel = self._call("conversations.info", channel_id, ask)
        return channel.is_private and not channel.is_external

    def dm_channel(self, user_id: str) -> str:
        def open_dm() -> str:
            opened = self._call(
                "conversations.open",
                user_id,
                lambda: self.client.conversations_open(users=user_id),
            )
            return opened["channel"]["id"]

        return self._dms.get_or_load(user_id, open_dm)

    def post(self, channel_id: str, message: dict[str, Any], metadata: dict[str, Any]) -> str:
        response = self._call(
            "chat.postMessage",
            channel_id,
            lambda: self.client.chat_postMessage(channel=channel_id, metadata=metadata, **message),
        )
        return response["ts"]

    def update(self, channel_id: str, ts: str, message: dict[str, Any]) -> None:
        self._call(
            "chat.update",
            channel_id,
            lambda: self.client.chat_update(channel=channel_id, ts=ts, **message),
        )

    def find(self, channel_id: str, metadata: dict[str, Any], since: float) -> str | None:
        history = self._call(
            "conversations.history",
            channel_id,
            lambda: self.client.conversations_history(
                channel=channel_id, oldest=f"{since:.6f}", limit=200, include_all_metadata=True
            ),
        )
        posted: dict[str, Any]
        for posted in history.get("messages", []):
            if posted.get("metadata") == metadata:
                return posted["ts"]
        return None

    def permalink(self, channel_id: str, ts: str) -> str:
        answer = self._call(
            "chat.getPermalink",
            channel_id,
            lambda: self.client.chat_getPermalink(channel=channel_id, message_ts=ts),
        )
        return answer["permalink"]


def group_members(roles: Roles, to: To) -> frozenset[str]:
    """The members of the groups a group DM goes to (`DECIDERS`), asked of Slack."""
    try:
        return frozenset().union(*(roles.members(role) for role in DECIDERS.get(to, ())))
    except SlackUnavailable as error:
        raise Retry(str(error)) from error
