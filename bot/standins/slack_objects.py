"""The things of a fake Slack workspace (users, channels, triggers) as the Web API renders them.

Plain data with no lock of its own: :class:`~bot.standins.slack_world.SlackWorld` holds them
and serialises access.
"""

from __future__ import annotations

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


def update_dataclass(obj: Any, changes: dict[str, Any]) -> None:
    """setattr for known fields only, so a typo in a test fails loudly."""
    known = {f.name for f in fields(obj)}
    unknown = set(changes) - known
    if unknown:
        raise TypeError(f"unknown field(s) for {type(obj).__name__}: {sorted(unknown)}")
    for key, value in changes.items():
        setattr(obj, key, value)
