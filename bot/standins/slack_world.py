"""In-memory Slack workspace behind the fake Web API.

Tests describe the world the bot lives in (users, channels and their sharing
flags, user groups) and the fake's method handlers read and mutate it. All
access goes through one re-entrant lock because the HTTP server answers each
request on its own thread while the test thread sets things up and asserts.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

APP_ID = "A0FAKEAPP"
TEAM_DOMAIN = "inside"

# freezegun swaps time.monotonic in every module attribute it finds, but not inside a
# tuple: trigger lifetimes and waits must measure real latency even when a test freezes time.
_REAL_CLOCK = (time.monotonic,)


def real_monotonic() -> float:
    """time.monotonic() that freezegun cannot freeze."""
    return _REAL_CLOCK[0]()


@dataclass
class FakeUser:
    """A workspace member as users.info describes it."""

    id: str
    team_id: str
    name: str
    real_name: str
    tz: str = "Europe/London"
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    is_stranger: bool = False
    is_bot: bool = False
    deleted: bool = False
    email: str | None = None

    def to_api(self) -> dict[str, Any]:
        """Render the user; tz_offset/tz_label are computed now so DST is honoured."""
        now = datetime.now(ZoneInfo(self.tz))
        offset = now.utcoffset()
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "display_name": self.name,
            "team": self.team_id,
        }
        if self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "tz": self.tz,
            # zoneinfo has no long names ("British Summer Time"); the abbreviation is close enough.
            "tz_label": now.tzname(),
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": self.is_ultra_restricted,
            "is_stranger": self.is_stranger,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
            "profile": profile,
        }


@dataclass
class FakeChannel:
    """A conversation and the flags the bot uses to decide where data may go."""

    id: str
    name: str
    is_private: bool = True
    is_im: bool = False
    is_mpim: bool = False
    is_shared: bool = False
    is_ext_shared: bool = False
    is_org_shared: bool = False
    is_pending_ext_shared: bool = False
    is_archived: bool = False
    members: list[str] = field(default_factory=list)
    user: str | None = None  # the other party of an IM

    def to_api(self, bot_user_id: str) -> dict[str, Any]:
        """Render the channel as conversations.info does."""
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "is_channel": not (self.is_im or self.is_mpim),
            "is_group": False,
            "is_im": self.is_im,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": False,
            "is_shared": self.is_shared,
            "is_ext_shared": self.is_ext_shared,
            "is_org_shared": self.is_org_shared,
            "is_pending_ext_shared": self.is_pending_ext_shared,
            "is_member": bot_user_id in self.members,
            "created": 1_700_000_000,
        }
        if self.user is not None:
            data["user"] = self.user
        return data


@dataclass
class Trigger:
    """A trigger_id handed to the bot inside an interaction payload."""

    user_id: str
    expires_at: float  # real_monotonic()
    used: bool = False


@dataclass
class ResponseTarget:
    """Where a response_url points: the user it was issued to and its source message."""

    user_id: str | None
    channel_id: str | None
    message_ts: str | None


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
            _update_dataclass(self.users[user_id], fields_)

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
            _update_dataclass(self.channels[channel_id], flags)

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


def _update_dataclass(obj: Any, changes: dict[str, Any]) -> None:
    """setattr for known fields only, so a typo in a test fails loudly."""
    known = {f.name for f in fields(obj)}
    unknown = set(changes) - known
    if unknown:
        raise TypeError(f"unknown field(s) for {type(obj).__name__}: {sorted(unknown)}")
    for key, value in changes.items():
        setattr(obj, key, value)
