"""Serving the Bolt app: HTTP behind waitress (production WSGI server) or Socket Mode."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


MAX_BODY = 1_000_000  # Slack's payloads are far smaller; refuse anything bigger unread


def _answer(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain")])
    return [text.encode() + b"\n"]


def _verified(verifier: SignatureVerifier, environ: dict[str, Any], body: bytes) -> bool:
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not timestamp.isdigit() or not signature:
        return False
    return verifier.is_valid(body=body, timestamp=timestamp, signature=signature)


def wsgi_app(app: App, signing_secret: str) -> Callable[..., Iterable[bytes]]:
    """Slack requests on /slack/events, a health check on /healthz, 404 elsewhere.

    The signature is checked here, before Bolt parses anything, so an unsigned request can
    neither reach a listener nor make the bot call a URL it carries; a signed request that
    Bolt cannot make sense of gets a 400, never a 500 or a stack trace.
    """
    slack = SlackRequestHandler(app)
    verifier = SignatureVerifier(signing_secret)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]):
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _answer(start_response, "200 OK", "ok")
        if path != EVENTS_PATH or environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, "404 Not Found", "not found")
        length = environ.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > MAX_BODY:
            return _answer(start_response, "413 Payload Too Large", "too large")
        body = environ["wsgi.input"].read(int(length))
        if not _verified(verifier, environ, body):
            return _answer(start_response, "401 Unauthorized", "invalid request")
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            return slack(environ, start_response)
        except Exception:
            log.warning("a signed request could not be handled", exc_info=True)
            return _answer(start_response, "400 Bad Request", "bad request")

    return application


def run_until_stopped(server) -> None:
    """Runs a server in a thread until `stop_server`; a socket closed under the loop while it
    stops (waitress's select sees the descriptor vanish) ends the run quietly."""
    try:
        server.run()
    except OSError:
        if not getattr(server, "bot_stopping", False):
            raise


def make_server(
    app: App,
    *,
    host: str,
    port: int,
    signing_secret: str,
    threads: int = 16,
    loop_timeout: float = 1.0,
):
    """A waitress server, not yet running: `.run()` serves, `stop_server` stops it.

    `loop_timeout` bounds how long the server takes to notice it was stopped.
    """
    from waitress.server import create_server

    return create_server(
        wsgi_app(app, signing_secret),
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

    server.bot_stopping = True
    try:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    except OSError:  # the loop has already closed its trigger: nothing is being served
        log.debug("server already stopped")
    server.task_dispatcher.shutdown()
