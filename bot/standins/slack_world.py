"""In-memory Slack workspace behind the fake Web API (its objects are in ``slack_objects``).

Tests describe the world the bot lives in (users, channels and their sharing
flags, user groups) and the fake's method handlers read and mutate it. All
access goes through one re-entrant lock because the HTTP server answers each
request on its own thread while the test thread sets things up and asserts.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any
from zoneinfo import ZoneInfo

from bot.standins.slack_objects import (
    APP_ID,
    FakeChannel,
    FakeUser,
    ResponseTarget,
    Trigger,
    real_monotonic,
    update_dataclass,
)


class SlackWorld:
    """Users, channels, user groups, views, triggers and messages of one workspace."""

    def __init__(
        self,
        *,
        bot_token: str,
        team_id: str,
        bot_user_id: str,
        bot_id: str,
        trigger_ttl: float,
    ) -> None:
        self.bot_token = bot_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.trigger_ttl = trigger_ttl
        self.lock = threading.RLock()
        self.users: dict[str, FakeUser] = {}
        self.channels: dict[str, FakeChannel] = {}
        self.ims: dict[str, str] = {}  # user id -> IM channel id
        self.usergroups: dict[str, list[str]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.view_owners: dict[str, str | None] = {}
        self.external_ids: dict[str, str] = {}
        self.home_views: dict[str, str] = {}  # user id -> view id
        self.triggers: dict[str, Trigger] = {}
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}  # channel -> ts -> latest
        self.message_versions: list[dict[str, Any]] = []  # every post and update, in order
        self.ephemerals: list[dict[str, Any]] = []
        self.in_channel_responses: list[dict[str, Any]] = []  # to channels the fake lacks
        self.response_targets: dict[str, ResponseTarget] = {}
        self.validation_errors: list[str] = []
        # The bot token's OAuth scopes (None: any method may be called, as in unit tests).
        self.scopes: frozenset[str] | None = None
        self._last_ts_us = 0
        self.add_user(bot_user_id, name="bot", is_bot=True)

    # ----------------------------------------------------------------- setup
    def add_user(
        self,
        user_id: str,
        *,
        team_id: str | None = None,
        tz: str = "Europe/London",
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
        is_stranger: bool = False,
        name: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
        email: str | None = None,
    ) -> None:
        """Add (or replace) a user; team_id defaults to the fake's own team."""
        ZoneInfo(tz)  # fail in the test, not in a request thread, on a bad zone
        login = name or user_id.lower()
        with self.lock:
            self.users[user_id] = FakeUser(
                id=user_id,
                team_id=team_id or self.team_id,
                name=login,
                real_name=login.replace(".", " ").title(),
                tz=tz,
                is_restricted=is_restricted,
                is_ultra_restricted=is_ultra_restricted,
                is_stranger=is_stranger,
                is_bot=is_bot,
                deleted=deleted,
                email=email,
            )

    def set_user(self, user_id: str, **fields_: Any) -> None:
        """Change attributes of an existing user (e.g. tz, deleted)."""
        with self.lock:
            update_dataclass(self.users[user_id], fields_)

    def add_channel(
        self,
        channel_id: str,
        *,
        is_private: bool = True,
        is_ext_shared: bool = False,
        is_pending_ext_shared: bool = False,
        is_shared: bool = False,
        is_org_shared: bool = False,
        members: tuple[str, ...] | list[str] | None = None,
        is_im: bool = False,
        is_mpim: bool = False,
        name: str | None = None,
    ) -> None:
        """Add (or replace) a channel; the bot is its only member unless told otherwise.

        For ``is_im=True`` give ``members=(bot, user)``: the channel becomes that user's DM.
        """
        with self.lock:
            channel = self.channels[channel_id] = FakeChannel(
                id=channel_id,
                name=name or channel_id.lower(),
                is_private=is_private,
                is_im=is_im,
                is_mpim=is_mpim,
                is_shared=is_shared,
                is_ext_shared=is_ext_shared,
                is_org_shared=is_org_shared,
                is_pending_ext_shared=is_pending_ext_shared,
                members=list(members) if members is not None else [self.bot_user_id],
            )
            others = [m for m in channel.members if m != self.bot_user_id]
            if is_im and others:
                channel.user = others[0]
                self.ims[others[0]] = channel_id

    def set_channel(self, channel_id: str, **flags: Any) -> None:
        """Change flags later, e.g. ``set_channel("C1", is_ext_shared=True)``."""
        if "members" in flags:
            flags["members"] = list(flags["members"])
        with self.lock:
            update_dataclass(self.channels[channel_id], flags)

    def add_usergroup(self, group_id: str, members: list[str] | tuple[str, ...]) -> None:
        """Add a user group (the security team, say) with its member ids."""
        with self.lock:
            self.usergroups[group_id] = list(members)

    def set_usergroup(self, group_id: str, members: list[str] | tuple[str, ...]) -> None:
        """Replace the members of an existing user group."""
        with self.lock:
            if group_id not in self.usergroups:
                raise KeyError(group_id)
            self.usergroups[group_id] = list(members)

    def issue_trigger(self, user_id: str) -> str:
        """Create a single-use trigger_id, valid for ``trigger_ttl`` seconds, like Slack's."""
        trigger_id = (
            f"{secrets.randbelow(10**10)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"
        )
        with self.lock:
            self.triggers[trigger_id] = Trigger(user_id, real_monotonic() + self.trigger_ttl)
        return trigger_id

    # --------------------------------------------------------- used by methods
    def open_im(self, user_id: str) -> FakeChannel:
        """Return the IM channel with a user, creating it ("D" + user id) on first use."""
        with self.lock:
            channel_id = self.ims.get(user_id)
            if channel_id is None:
                channel_id = f"D{user_id}"
                self.channels[channel_id] = FakeChannel(
                    id=channel_id,
                    name=channel_id.lower(),
                    is_im=True,
                    members=[self.bot_user_id, user_id],
                    user=user_id,
                )
                self.ims[user_id] = channel_id
            return self.channels[channel_id]

    def new_ts(self) -> str:
        """A unique, strictly increasing message ts ("seconds.micros")."""
        with self.lock:
            now_us = int(time.time() * 1_000_000)
            self._last_ts_us = max(now_us, self._last_ts_us + 1)
            return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def store_message(
        self,
        channel_id: str,
        text: str,
        blocks: list[Any] | None,
        thread_ts: str | None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a new bot message and return it as chat.postMessage does."""
        message: dict[str, Any] = {
            "type": "message",
            "channel": channel_id,
            "text": text,
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": APP_ID,
            "team": self.team_id,
            "ts": self.new_ts(),
        }
        if blocks is not None:
            message["blocks"] = blocks
        if thread_ts:
            message["thread_ts"] = thread_ts
        if isinstance(metadata, dict):
            message["metadata"] = metadata
        with self.lock:
            self.messages.setdefault(channel_id, {})[message["ts"]] = message
            self.message_versions.append(dict(message))
        return dict(message)

    def replace_message(self, channel_id: str, ts: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Store a new version of an existing message (chat.update, replace_original)."""
        with self.lock:
            current = self.messages[channel_id][ts]
            updated = {
                **current,
                **changes,
                "edited": {"user": self.bot_user_id, "ts": self.new_ts()},
            }
            self.messages[channel_id][ts] = updated
            self.message_versions.append(dict(updated))
            return dict(updated)

    def store_view(
        self,
        view: dict[str, Any],
        *,
        owner: str | None,
        view_id: str | None = None,
        root_view_id: str | None = None,
        previous_view_id: str | None = None,
    ) -> dict[str, Any]:
        """Store a view (new or updated) with Slack's server-side fields filled in."""
        with self.lock:
            view_id = view_id or f"V{secrets.token_hex(5).upper()}"
            stored: dict[str, Any] = {
                "private_metadata": "",
                "callback_id": "",
                "external_id": "",
                "clear_on_close": False,
                "notify_on_close": False,
                **view,
                "id": view_id,
                "team_id": self.team_id,
                "state": {"values": {}},
                "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
                "previous_view_id": previous_view_id,
                "root_view_id": root_view_id or view_id,
                "app_id": APP_ID,
                "app_installed_team_id": self.team_id,
                "bot_id": self.bot_id,
            }
            self.views[view_id] = stored
            self.view_owners.setdefault(view_id, owner)
            if stored["external_id"]:
                self.external_ids[stored["external_id"]] = view_id
            return dict(stored)
