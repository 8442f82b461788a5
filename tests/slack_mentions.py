"""Which broadcast mentions Slack would turn a message, view or reply into a notification for.

A conservative model of Slack's parsing (docs.slack.dev, "Formatting text for app surfaces"):

- `<!channel>`, `<!here>` and `<!everyone>` (with an optional `|label`) notify wherever mrkdwn
  or a message's top-level `text` is read;
- the bare words `@channel`, `@here` and `@everyone` are parsed into the same mentions in a
  mrkdwn text object unless it sets `"verbatim": true`, and may be in top-level `text`;
- `plain_text` objects are never parsed.
"""

from __future__ import annotations

import re
from typing import Any

TOKEN = re.compile(r"<!(channel|here|everyone)(\|[^>]*)?>", re.IGNORECASE)
WORD = re.compile(r"(?<!\w)@(channel|here|everyone)\b", re.IGNORECASE)


def _in_text(text: str, *, verbatim: bool) -> list[str]:
    found = [m.group(0) for m in TOKEN.finditer(text)]
    if not verbatim:
        found += [m.group(0) for m in WORD.finditer(text)]
    return found


def broadcasts(payload: Any) -> list[str]:
    """The broadcast mentions in a message, view or HTTP reply payload (any nesting)."""
    found: list[str] = []
    if isinstance(payload, dict):
        if payload.get("type") == "mrkdwn" and isinstance(payload.get("text"), str):
            found += _in_text(payload["text"], verbatim=payload.get("verbatim") is True)
        elif payload.get("type") != "plain_text" and isinstance(payload.get("text"), str):
            found += _in_text(payload["text"], verbatim=False)  # a message's top-level text
        for key, value in payload.items():
            if key != "text" or not isinstance(value, str):
                found += broadcasts(value)
    elif isinstance(payload, list):
        for item in payload:
            found += broadcasts(item)
    return found
