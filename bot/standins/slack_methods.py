"""Handlers for the Slack Web API methods the fake implements.

Each handler takes the world and the decoded arguments and returns the body of
a successful answer (without ``ok``), or raises :class:`SlackError` with the
error name Slack documents for that situation. Handlers run under the world
lock, so they may read and mutate it freely. The views.* handlers are in ``slack_views``
and register themselves here when that module is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.standins.slack_objects import TEAM_DOMAIN, FakeChannel
from bot.standins.slack_validation import MESSAGE_TEXT_LIMIT, validate_message_blocks
from bot.standins.slack_world import SlackWorld

Handler = Callable[[SlackWorld, dict[str, Any]], dict[str, Any]]
METHODS: dict[str, Handler] = {}


class SlackError(Exception):
    """A Web API error answer: ``{"ok": false, "error": error, **extra}``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler under its Web API method name."""

    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


# ------------------------------------------------------------------ identity
@method("auth.test")
def auth_test(world: SlackWorld, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": TEAM_DOMAIN,
        "user": "bot",
        "team_id": world.team_id,
        "user_id": world.bot_user_id,
        "bot_id": world.bot_id,
        "is_enterprise_install": False,
    }


@method("users.info")
def users_info(world: SlackWorld, args: dict[str, Any]) -> dict[str, Any]:
    user = world.users.get(str(args.get("user") or ""))
    if user is None:
        raise SlackError("user_not_found")
    return {"user": user.to_api()}


@method("usergroups.users.list")
def usergroups_users_list(world: SlackWorld, args: dict[str, Any]) -> dict[str, Any]:
    group_id = args.get("usergroup")
    if not group_id:
        raise SlackError("invalid_arguments")
    if group_id not in world.usergroups:
        raise SlackError("no_such_subteam")
    return {"users": list(world.usergroups[group_id])}


# ------------------------------------------------------------- conversations
@method("conversations.info")
def conversations_info(world: SlackWorld, args: dict[str, Any]) -> dict[str, Any]:
    channel = world.channels.get(str(args.get("channel") or ""))
    if channel is None:
        raise SlackError("channel_not_found")
    _require_scope(world, _read_scope(channel))
    return {"channel": channel.to_api(world.bot_user_id)}


def _read_scope(channel: FakeChannel) -> str:
    """The scope conversations.info needs for a conversation of this kind."""
    if channel.is_im:
        return "im:read"
    if channel.is_mpim:
        return "mpim:read"
    return "groups:read" if channel.is_private else "channels:read"


def _require_scope(world: SlackWorld, scope: str) -> None:
    """Answers `missing_scope` as Slack does when the token was not granted `scope`."""
    if world.scopes is not None and scope not in world.scopes:
        raise SlackError("missing_scope", needed=scope, provided=",".join(sorted(world.scopes)))


@method("conversations.open")
def conversations_open(world: SlackWorld, args: dict[str, Any]) -> dict[str, Any]:
    users = args.get("users")
    if isinstance(users, str):
        users = [u.strip() for u in users.split(",") if u.strip()]
    if not users:
        channel_id = args.get("channel")
        if not channel_id:
            raise SlackError("users_list_not_supplied")
        if channel_id not in world.channels:
            raise SlackError("channel_not_found")
        return {"channel": {"id": channel_id}}
    for user_id in users:
        user = world.users.get(user_id)
        if user is None:
            raise SlackError("user_not_found")
        if user.deleted:
            raise SlackError("user_disabled")
    if len(users) == 1:
        return {"channel": {"id": world.open_im(users[0]).id}}
    channel_id = "G" + "".join(sorted(users))
    if channel_id not in world.channels:
        world.channels[channel_id] = FakeChannel(
            id=channel_id,
            name=f"mpdm-{'--'.join(sorted(users)).lower()}-1",
            is_mpim=True,
            members=[world.bot_user_id, *users],
        )
    return {"channel": {"id": channel_id}}


# ---------------------------------------------------------------------- chat
@method("chat.postMessage")
def chat_post_message(world: SlackWorld, args: dict[str, Any]) -> dict[str, Any]:
    channel = _postable_channel(world, args.get("channel"))
    text, blocks = _message_content(world, "chat.postMessage", args)
    message = world.store_message(
        channel.id, text, blocks, args.get("thread_ts"), args.get("metadata")
    )
    return {"channel": channel.id, "ts": message["ts"], "message": message}


@method("conversations.history")
def conversations_history(world: SlackWorld, args: dict[str, Any]) -> dict[str, Any]:
    """Newest first; `metadata` only with include_all_metadata, as Slack does."""
    channel_id = args.get("channel")
    channel = world.channels.get(channel_id) if channel_id else None
    if channel is None:
        raise SlackError("channel_not_found")
    if world.bot_user_id not in channel.members and not channel.is_im:
        raise SlackError("not_in_channel")
    oldest = float(args.get("oldest") or 0)
    limit = int(args.get("limit") or 100)
    with_metadata = str(args.get("include_all_metadata")).lower() in ("1", "true")
    with world.lock:
        stored = list(world.messages.get(channel_id, {}).values())  # type: ignore[arg-type]
    found = sorted(
        (m for m in stored if float(m["ts"]) > oldest), key=lambda m: m["ts"], reverse=True
    )[:limit]
    if not with_metadata:
        found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
    return {"messages": found, "has_more": False}


@method("chat.update")
def chat_update(world: SlackWorld, args: dict[str, Any]) -> dict[str, Any]:
    channel_id = args.get("channel")
    if not channel_id or channel_id not in world.channels:
        raise SlackError("channel_not_found")
    ts = args.get("ts")
    if not ts or ts not in world.messages.get(channel_id, {}):
        raise SlackError("message_not_found")
    text, blocks = _message_content(world, "chat.update", args)
    changes: dict[str, Any] = {"text": text}
    if "blocks" in args:  # Slack keeps the previous blocks when none are given
        changes["blocks"] = blocks or []
    message = world.replace_message(channel_id, ts, changes)
    return {"channel": channel_id, "ts": ts, "text": text, "message": message}


@method("chat.getPermalink")
def chat_get_permalink(world: SlackWorld, args: dict[str, Any]) -> dict[str, Any]:
    channel_id, ts = str(args.get("channel") or ""), str(args.get("message_ts") or "")
    if channel_id not in world.channels:
        raise SlackError("channel_not_found")
    if ts not in world.messages.get(channel_id, {}):
        raise SlackError("message_not_found")
    link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"
    return {"channel": channel_id, "permalink": link}


@method("chat.postEphemeral")
def chat_post_ephemeral(world: SlackWorld, args: dict[str, Any]) -> dict[str, Any]:
    channel = _postable_channel(world, args.get("channel"))
    user_id = args.get("user")
    if not user_id or user_id not in world.users:
        raise SlackError("user_not_found")
    if user_id not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks = _message_content(world, "chat.postEphemeral", args)
    ts = world.new_ts()
    world.ephemerals.append(
        {
            "source": "chat.postEphemeral",
            "channel": channel.id,
            "user": user_id,
            "text": text,
            "blocks": blocks,
            "ts": ts,
            "thread_ts": args.get("thread_ts"),
        }
    )
    return {"message_ts": ts}


def _postable_channel(world: SlackWorld, channel_id: Any) -> FakeChannel:
    """Resolve ``channel`` like Slack: a conversation the bot is in, or a user id (opens the DM)."""
    if not channel_id or not isinstance(channel_id, str):
        raise SlackError("channel_not_found")
    channel = world.channels.get(channel_id)
    if channel is None:
        user = world.users.get(channel_id)
        if user is None:
            raise SlackError("channel_not_found")
        return world.open_im(user.id)
    if channel.is_archived:
        raise SlackError("is_archived")
    if world.bot_user_id not in channel.members:
        raise SlackError("not_in_channel")
    return channel


def _message_content(
    world: SlackWorld, method_name: str, args: dict[str, Any]
) -> tuple[str, list[Any] | None]:
    """Validate text/blocks of a chat.* call and return them."""
    text = args.get("text") or ""
    blocks = args.get("blocks")
    if isinstance(blocks, str):
        raise SlackError("invalid_blocks_format")
    if blocks is not None:
        errors = validate_message_blocks(blocks)
        if errors:
            world.validation_errors.extend(f"{method_name}: {e}" for e in errors)
            raise SlackError(
                "invalid_blocks", errors=errors, response_metadata={"messages": errors}
            )
    if not text and not blocks and not args.get("attachments"):
        raise SlackError("no_text")
    if len(text) > MESSAGE_TEXT_LIMIT:
        raise SlackError("msg_too_long")
    return text, blocks
