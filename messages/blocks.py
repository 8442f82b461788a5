"""Small helpers for plain Block Kit dicts, so builders read like the layout they produce."""

from __future__ import annotations

import re
from typing import Any

Block = dict[str, Any]
# Slack turns these typed words into channel-wide notifications in mrkdwn; a word joiner
# (U+2060, invisible) after the @ keeps the word as it reads and notifies nobody.
_BROADCAST = re.compile(r"(?<!\w)@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)


def plain(text: str, limit: int = 2000) -> dict[str, Any]:
    return {"type": "plain_text", "text": _clip(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _clip(text, 3000)}


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": mrkdwn(text), **extra}


def quote(text: str) -> list[Block]:
    """Someone's words as a quote, every line of it, split over as many sections as it needs."""
    quoted = "\n".join(">" + line for line in escape(text).splitlines() or [""])
    return [section(quoted[i : i + 2900]) for i in range(0, len(quoted), 2900)]


def fields(*pairs: tuple[str, str]) -> Block:
    return {"type": "section", "fields": [mrkdwn(f"*{k}*\n{v}") for k, v in pairs[:10]]}


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text)]}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, 150)}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, 75),
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def link_button(text: str, action_id: str, url: str) -> dict[str, Any]:
    return {"type": "button", "text": plain(text, 75), "action_id": action_id, "url": url}


def actions(block_id: str, *elements: dict[str, Any]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, 75), "value": value[:150]}


def escape(text: str) -> str:
    """Neutralises Slack's control characters (`<!channel>`, `<@U1>`, links) and the words
    `@channel`, `@here` and `@everyone`, so typed text cannot ping or link anyone."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@\u2060", escaped)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
