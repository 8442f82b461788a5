"""Serving the Bolt app: HTTP behind waitress (production WSGI server) or Socket Mode."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def wsgi_app(app: App) -> Callable[..., Iterable[bytes]]:
    """Slack requests on /slack/events, a health check on /healthz, 404 elsewhere."""
    slack = SlackRequestHandler(app)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]):
        path = environ.get("PATH_INFO", "")
        if path == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            return slack(environ, start_response)
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]

    return application


def make_server(app: App, *, host: str, port: int, threads: int = 16, loop_timeout: float = 1.0):
    """A waitress server, not yet running: `.run()` serves, `stop_server` stops it.

    `loop_timeout` bounds how long the server takes to notice it was stopped.
    """
    from waitress.server import create_server

    return create_server(
        wsgi_app(app),
        host=host,
        port=port,
        threads=threads,
        ident="info-request-bot",
        channel_timeout=30,
        asyncore_loop_timeout=loop_timeout,
    )


def stop_server(server) -> None:
    """Stops a server started with `make_server(...).run()`, from any thread.

    The sockets are closed by the server's own loop (woken through its trigger), so the loop
    never selects on a descriptor another thread just closed; then the workers finish.
    """
    from waitress import wasyncore

    server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    server.task_dispatcher.shutdown()
