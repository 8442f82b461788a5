"""What a POST to a response_url does in the fake Slack, as Slack documents it.

A response_url is issued with a command or a block action (``FakeSlack.new_response_url``)
for the user who acted and, for a click, the message clicked.
"""

from __future__ import annotations

from typing import Any

from bot.standins.slack_objects import ResponseTarget
from bot.standins.slack_validation import validate_message_blocks
from bot.standins.slack_world import SlackWorld


def apply_response(
    world: SlackWorld, target: ResponseTarget, payload: dict[str, Any]
) -> tuple[int, str]:
    """Carry out one response_url POST; returns (status, Slack's plain-text answer).

    The payload replaces or deletes the source message, posts in the channel, or shows the
    user an ephemeral. Runs under the world lock.
    """
    blocks = payload.get("blocks")
    if blocks is not None:
        errors = validate_message_blocks(blocks)
        if errors:
            world.validation_errors.extend(f"response_url: {e}" for e in errors)
            return 400, "invalid_blocks"
    text = payload.get("text") or ""
    delete = _truthy(payload.get("delete_original"))
    if not text and not blocks and not delete:
        return 400, "no_text"
    original = (
        world.messages.get(target.channel_id or "", {}).get(target.message_ts or "")
        if target.message_ts
        else None
    )
    if delete and original is not None:
        del world.messages[original["channel"]][original["ts"]]
    elif _truthy(payload.get("replace_original")) and original is not None:
        # Unlike chat.update, a replacement is a whole new message: no blocks means none.
        world.replace_message(
            original["channel"], original["ts"], {"text": text, "blocks": blocks or []}
        )
    elif payload.get("response_type") == "in_channel":
        if target.channel_id in world.channels:
            world.store_message(target.channel_id, text, blocks, payload.get("thread_ts"))
        else:
            world.in_channel_responses.append(
                {"source": "response_url", "channel": target.channel_id, **payload}
            )
    else:
        world.ephemerals.append(
            {
                "source": "response_url",
                "channel": target.channel_id,
                "user": target.user_id,
                "text": text,
                "blocks": blocks,
                "ts": world.new_ts(),
                "replace_original": _truthy(payload.get("replace_original")),
                "delete_original": delete,
            }
        )
    return 200, "ok"


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")
