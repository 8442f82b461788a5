"""Turning failures into what the person reads: refusals as they are, surprises with an id."""

from __future__ import annotations

import logging
import uuid

from messages.refusals import unexpected_text


def unexpected(log: logging.Logger, what: str) -> str:
    """Logs the current exception under a fresh id and returns the text that quotes it."""
    error_id = uuid.uuid4().hex[:10]
    log.exception("unexpected error %s during %s", error_id, what)
    return unexpected_text(error_id)
