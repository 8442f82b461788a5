"""Turning failures into what the person reads: refusals as they are, surprises with an id."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import Respond

from messages.refusals import unexpected_text

_log = logging.getLogger(__name__)


def unexpected(log: logging.Logger, what: str) -> str:
    """Logs the current exception under a fresh id and returns the text that quotes it."""
    error_id = uuid.uuid4().hex[:10]
    log.exception("unexpected error %s during %s", error_id, what)
    return unexpected_text(error_id)


def tell(respond: Respond, body: dict[str, Any], text: str) -> None:
    """An ephemeral reply to a click, when Slack gave us somewhere to send it."""
    if not isinstance(body.get("response_url"), str):
        _log.info("no response_url to tell %s: %s", (body.get("user") or {}).get("id"), text)
        return
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception:
        _log.warning("could not tell the user", exc_info=True)
