"""Serving the Bolt app: HTTP behind waitress (production WSGI server) or Socket Mode.

Anyone who can reach the port can send anything, at any pace, so the front door is strict:
the signature is checked on the raw bytes before Bolt parses anything, a body over the limit
is refused from its headers (or as soon as a chunked one passes it), a request that is still
arriving after `REQUEST_DEADLINE` is cut off, and enough connections are allowed (polled, not
selected) that a few hundred idle or drip-fed ones cannot crowd Slack out. Refusals are
logged a line at a time at most (see `LogThrottle`).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer

from bot import logs, telemetry
from bot.delivery.courier import InFlight
from bot.slack.log_throttle import LogThrottle

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
METRICS_PATH = "/metrics"

MAX_BODY = 1_000_000  # Slack's payloads are far smaller; refuse anything bigger unread
MAX_HEADERS = 32_768  # Slack's headers are a few hundred bytes
MAX_AGE = 5 * 60  # a signed request older (or newer) than this is a replay
CONNECTION_LIMIT = 1_000  # open connections; waitress's default of 100 is exhausted in a blink
REQUEST_DEADLINE = 10.0  # seconds from a request's first byte to its last (Slack: milliseconds)
IDLE_TIMEOUT = 30  # seconds a kept-alive connection may say nothing
SOCKET_PING_INTERVAL = 10.0  # Socket Mode: seconds between health checks of the connection


def _answer(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain")])
    return [text.encode() + b"\n"]


def _ascii_number(text: str, max_digits: int) -> bool:
    # str.isdigit() accepts "²" and other digits int() refuses; only 0-9 are numbers here.
    return 0 < len(text) <= max_digits and text.isascii() and text.isdigit()


def _verified(secrets: Sequence[bytes], environ: dict[str, Any], body: bytes, now: float) -> bool:
    """Slack's `v0` signature of these exact bytes with one of `secrets`, within MAX_AGE."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not _ascii_number(timestamp, 12) or not signature.isascii():
        return False
    if abs(now - int(timestamp)) > MAX_AGE:
        return False
    signed = b"v0:" + timestamp.encode() + b":" + body
    return any(
        hmac.compare_digest(
            ("v0=" + hmac.new(secret, signed, hashlib.sha256).hexdigest()).encode(),
            signature.encode(),
        )
        for secret in secrets
    )


def _body(environ: dict[str, Any]) -> bytes | None:
    """The request body, or None when it is over MAX_BODY (never reading more than that)."""
    length = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    if not length:
        body = stream.read(MAX_BODY + 1)
        return body if len(body) <= MAX_BODY else None
    if not _ascii_number(length, len(str(MAX_BODY))) or int(length) > MAX_BODY:
        return None
    return stream.read(int(length))


# GitLab's webhook deliveries: the environ and the body in, (status line, text) out.
GitLabHook = Callable[[dict[str, Any], bytes], tuple[str, str]]
GITLAB_PATH = "/gitlab/webhook"


KIND = "info_request_bot.kind"  # the environ key where the handler leaves a request's kind


def _kind(request: BoltRequest) -> str:
    """What a signed Slack request is, for the request metrics (never who or which case)."""
    if request.raw_body.lstrip().startswith("{"):
        return "event"
    if "command" in request.body:
        return "command"
    return telemetry.request_kind(str(request.body.get("type")))


class _Handler(SlackRequestHandler):
    """Bolt's WSGI adapter, leaving the request's kind in the environ for the metrics.

    The kind is read from the body as Bolt parsed it: parsing it a second time (an intake
    submission's form is 15-20 KB of URL-encoded JSON) was a quarter of the CPU `serve` spent
    acknowledging submissions.
    """

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        bolt = BoltRequest(
            body=request.get_body(), query=request.query_string, headers=request.get_headers()
        )
        request.environ[KIND] = _kind(bolt)
        return self.app.dispatch(bolt)


def _metrics(shown: Any, start_response: Callable[..., Any]) -> list[bytes]:
    text, content_type = telemetry.exposition(shown)
    start_response("200 OK", [("Content-Type", content_type)])
    return [text]


def wsgi_app(
    app: App,
    signing_secret: str | Sequence[str],
    metrics: Any = None,
    gitlab_hook: GitLabHook | None = None,
    in_flight: InFlight | None = None,
) -> Callable[..., Iterable[bytes]]:
    """Slack requests on /slack/events, GitLab's on /gitlab/webhook (when configured), a
    health check on /healthz, 404 elsewhere; and the Prometheus exposition on /metrics when
    given `metrics` (a registry).

    The signature is checked here, before Bolt parses anything, so an unsigned request can
    neither reach a listener nor make the bot call a URL it carries; whatever its headers and
    body hold, it gets a 401. A signed request that Bolt cannot make sense of gets a 400,
    never a 500 or a stack trace.
    """
    slack = _Handler(app)
    secrets = [
        s.encode()
        for s in ([signing_secret] if isinstance(signing_secret, str) else signing_secret)
    ]
    refusals = LogThrottle(log)
    in_flight = in_flight or InFlight()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]):
        arrived = time.monotonic()
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _answer(start_response, "200 OK", "ok")
        if path == METRICS_PATH and metrics is not None:
            return _metrics(metrics, start_response)
        hook = gitlab_hook if path == GITLAB_PATH else None
        if (path != EVENTS_PATH and hook is None) or environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, "404 Not Found", "not found")
        body = _body(environ)
        if body is None:
            refusals.warning("refused a request body over the size limit")
            telemetry.REQUESTS.labels("other", "refused").inc()
            return _answer(start_response, "413 Payload Too Large", "too large")
        if hook is not None:
            status, text = hook(environ, body)
            if status.startswith("401"):
                refusals.warning("refused a GitLab delivery without the webhook secret")
            return _answer(start_response, status, text)
        if not _verified(secrets, environ, body, time.time()):
            refusals.warning("refused a request without a valid, recent Slack signature")
            telemetry.REQUESTS.labels("other", "refused").inc()
            return _answer(start_response, "401 Unauthorized", "invalid request")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        outcome = "ok"
        try:
            with logs.bound(request=uuid.uuid4().hex[:12]), in_flight.serving():
                return slack(environ, start_response)
        except Exception:
            log.warning("a signed request could not be handled", exc_info=True)
            outcome = "error"
            return _answer(start_response, "400 Bad Request", "bad request")
        finally:
            kind = environ.get(KIND, "other")
            telemetry.REQUESTS.labels(kind, outcome).inc()
            telemetry.ACK_SECONDS.labels(kind).observe(time.monotonic() - arrived)

    return application


class _Channel(HTTPChannel):
    """A connection that remembers when the request it is receiving began to arrive."""

    request_started: float | None = None

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_started = time.monotonic()
        result = super().received(data)
        if self.request is None:  # nothing half-received: any request it had is complete
            self.request_started = None
        return result


class _Server(TcpWSGIServer):
    """waitress, plus a deadline on receiving a request.

    waitress's `channel_timeout` counts only silence, so a request fed a header line every few
    seconds would hold its connection for ever; here it is cut `request_deadline` seconds
    after its first byte. Checked every `cleanup_interval` seconds.
    """

    channel_class = _Channel
    request_deadline = REQUEST_DEADLINE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slow = LogThrottle(log)

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        cutoff = time.monotonic() - self.request_deadline
        for channel in list(self.active_channels.values()):
            started = getattr(channel, "request_started", None)
            if started is not None and started < cutoff and not channel.will_close:
                channel.will_close = True
                self.slow.warning(
                    f"closed a connection whose request was still arriving after "
                    f"{self.request_deadline:g} s"
                )


def socket_mode_handler(
    app: App, app_token: str | None, api_url: str, ping_interval: float = SOCKET_PING_INTERVAL
) -> Any:
    """Bolt's Socket Mode handler on slack_sdk's built-in WebSocket client: `.start()` runs
    until stopped, `.connect()` connects and returns, `.close()` disconnects. The client
    acknowledges each envelope, and opens a new connection when Slack asks for it
    (`disconnect`) or, within `ping_interval` seconds, when the old one drops."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack.gateway import make_client

    web_client = make_client(app_token, api_url)
    return SocketModeHandler(app, app_token, web_client=web_client, ping_interval=ping_interval)


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
    signing_secret: str | Sequence[str],
    metrics: Any = None,
    threads: int = 16,
    loop_timeout: float = 1.0,
    request_deadline: float = REQUEST_DEADLINE,
    idle_timeout: int = IDLE_TIMEOUT,
    connection_limit: int = CONNECTION_LIMIT,
    gitlab_hook: GitLabHook | None = None,
    in_flight: InFlight | None = None,
):
    """A waitress server, not yet running: `.run()` serves, `stop_server` stops it.

    `in_flight` counts the Slack requests being answered (the deliveries give way to them).

    `loop_timeout` bounds how long the server takes to notice it was stopped.
    """
    from waitress.adjustments import Adjustments
    from waitress.task import ThreadedTaskDispatcher

    _allow_descriptors(connection_limit + 100)
    adj = Adjustments(
        host=host,
        port=port,
        threads=threads,
        ident="info-request-bot",
        connection_limit=connection_limit,
        channel_timeout=idle_timeout,
        cleanup_interval=1,
        max_request_header_size=MAX_HEADERS,
        max_request_body_size=MAX_BODY + 1,  # waitress refuses a body of this size or more
        asyncore_use_poll=True,  # select() fails beyond 1,024 descriptors
        asyncore_loop_timeout=loop_timeout,
    )
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    server = _Server(
        wsgi_app(app, signing_secret, metrics, gitlab_hook, in_flight),
        map={},
        dispatcher=dispatcher,
        adj=adj,
        sockinfo=adj.listen[0],
    )
    server.request_deadline = request_deadline
    return server


def _allow_descriptors(needed: int) -> None:
    """Raises the process's open-file limit towards `needed` where the system lets it."""
    try:
        import resource
    except ImportError:  # not on this platform
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            log.warning("could not raise the open-file limit to %d (it is %d)", target, soft)


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
