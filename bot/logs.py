"""Logging set-up: plain text for people, or one JSON object per line for log shippers.

`LOG_FORMAT=json` writes each record as {"time", "level", "logger", "message"} plus "case"
(the case number) and "request" (an id given to each Slack request on arrival) when the code
that logged ran for one; an exception's traceback goes in "exception". The values come from
`bound`, which the front door, the case lock and the outbox drain hold while they work;
`ContextExecutor` carries them into the listener threads a request starts.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_CASE: contextvars.ContextVar[int | None] = contextvars.ContextVar("case", default=None)
_REQUEST: contextvars.ContextVar[str | None] = contextvars.ContextVar("request", default=None)


@contextmanager
def bound(*, case: int | None = None, request: str | None = None) -> Iterator[None]:
    """Log records made inside carry this case number and/or request id."""
    tokens: list[tuple[contextvars.ContextVar[Any], contextvars.Token[Any]]] = []
    if case is not None:
        tokens.append((_CASE, _CASE.set(case)))
    if request is not None:
        tokens.append((_REQUEST, _REQUEST.set(request)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        case = getattr(record, "case", None) or _CASE.get()
        request = getattr(record, "request", None) or _REQUEST.get()
        if case is not None:
            line["case"] = case
        if request is not None:
            line["request"] = request
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level: str, fmt: str = "text") -> None:
    """Sets the root logger's level and its one handler's format ("text" or "json")."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)


class ContextExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks see the context (case, request) of the code that queued them."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)
