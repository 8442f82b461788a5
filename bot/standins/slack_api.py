"""A fake Slack Web API served over real HTTP on 127.0.0.1.

End-to-end tests point the bot's ``slack_sdk.WebClient(base_url=fake.base_url)``
at it, so the real client code (auth header, JSON/form encoding, retry
handlers, error parsing) is exercised rather than mocked. Tests set up the
workspace (see :class:`~bot.standins.slack_world.SlackWorld` for ``add_user``,
``add_channel``, ``set_channel``, ``add_usergroup``, ``issue_trigger``...),
inject faults, and assert on what the bot sent (see
:class:`~bot.standins.slack_record.RecordingWorld`)::

    with FakeSlack() as fake:
        fake.add_user("U1")
        client = WebClient(token=fake.bot_token, base_url=fake.base_url)
        ...
        call = fake.wait_for("chat.postMessage", lambda a: a["channel"] == "DU1")
        assert fake.validation_errors == []

The method handlers live in :mod:`bot.standins.slack_methods` and
:mod:`bot.standins.slack_views`, what a response_url does in
:mod:`bot.standins.slack_response_urls`.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any

from bot.standins import slack_views  # noqa: F401  (registers the views.* methods)
from bot.standins.slack_http import FakeSlackHandler
from bot.standins.slack_limits import TIERS, Limit, RateLimits
from bot.standins.slack_methods import METHODS, SlackError
from bot.standins.slack_objects import ResponseTarget
from bot.standins.slack_record import Call, RecordingWorld
from bot.standins.slack_response_urls import apply_response
from bot.standins.slack_socket import SocketModeHub


@dataclass
class _Fault:
    status: int
    error: str | None
    retry_after: int | None
    remaining: int


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Python's default listen backlog is 5: a sixth client connecting at once (slack_sdk opens
    # a connection per call) would be dropped and retried a second later; Slack never does that.
    request_queue_size = 128


class FakeSlack(RecordingWorld):
    """Fake Slack Web API server plus the workspace state it serves.

    Thread-safe: requests are answered on server threads while tests set up
    state and assert from the test thread.
    """

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test-token",
        team_id: str = "T0INSIDE",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        trigger_ttl: float = 3.0,
    ) -> None:
        super().__init__(
            bot_token=bot_token,
            team_id=team_id,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            trigger_ttl=trigger_ttl,
        )
        self._faults: dict[str, list[_Fault]] = {}
        self._hangs: dict[str, float] = {}
        self._hang_after: dict[str, bool] = {}
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.internal_errors: list[str] = []  # bugs in the fake itself, never the bot's fault
        self.sockets: SocketModeHub | None = None  # Socket Mode, once `socket_mode` is called
        self.rate_limits: RateLimits | None = None  # enforced once `enforce_rate_limits`

    # ------------------------------------------------------------- lifecycle
    def start(self) -> FakeSlack:
        """Listen on an ephemeral port of 127.0.0.1 and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), FakeSlackHandler)
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def socket_mode(self) -> SocketModeHub:
        """Answers `apps.connections.open` (with the hub's app-level token) from now on."""
        if self.sockets is None:
            self.sockets = SocketModeHub().start()
        return self.sockets

    def stop(self) -> None:
        """Stop serving; requests that are hanging (``set_hang``) are released."""
        self._stopping.set()
        if self.sockets is not None:
            self.sockets.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What to pass to ``WebClient(base_url=...)``."""
        return f"http://127.0.0.1:{self.port}/api/"

    def new_response_url(
        self,
        user_id: str | None = None,
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """A response_url as Slack puts in commands and block actions.

        ``user_id`` is who sees ephemeral responses; ``channel_id`` receives
        ``in_channel`` responses; ``message_ts`` (with channel_id) is the source
        message that ``replace_original``/``delete_original`` act on.
        """
        token = secrets.token_urlsafe(12)
        with self.lock:
            self.response_targets[token] = ResponseTarget(user_id, channel_id, message_ts)
        return f"http://127.0.0.1:{self.port}/response/{token}"

    # -------------------------------------------------------- fault injection
    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with a failure instead of running it.

        status 429 sends ``Retry-After`` (default 1 s, as Slack always sends
        one) and error "ratelimited"; 5xx and 200 answer ``{"ok": false,
        "error": error}`` (default "internal_error" / "fatal_error").
        """
        with self.lock:
            self._faults.setdefault(method, []).append(_Fault(status, error, retry_after, times))

    def enforce_rate_limits(
        self,
        *,
        posts_per_second: float = 1.0,
        post_burst: int = 5,
        tiers: dict[str, Limit] | None = None,
    ) -> RateLimits:
        """Answers 429 beyond Slack's rate limits from now on (see `slack_limits`); returns
        the limits, which count the 429s sent and the calls that came back too soon."""
        limits = RateLimits(Limit(posts_per_second, post_burst), {**TIERS, **(tiers or {})})
        with self.lock:
            self.rate_limits = limits
        return limits

    def set_hang(self, method: str, seconds: float, *, after: bool = False) -> None:
        """Delay every answer to ``method`` by ``seconds`` (0 to stop), to provoke timeouts.

        With ``after`` the call is carried out first and only its answer is late, as when a
        post went out but the response is slow: a client that gives up has still posted.
        """
        with self.lock:
            self._hangs[method] = seconds
            self._hang_after[method] = after

    # -------------------------------------------------------------- answering
    def answer_api(
        self, method: str, args: dict[str, Any], auth_header: str
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Run one Web API call: hang, fault, unknown method, auth, then the handler."""
        hang, after = self._hangs.get(method, 0), self._hang_after.get(method, False)
        if hang and not after:
            self._stopping.wait(hang)
        token = args.pop("token", None)
        if auth_header.lower().startswith("bearer "):
            token = auth_header[7:].strip()
        headers: dict[str, str] = {}
        with self.lock:
            fault = self._take_fault(method)
            if self.rate_limits is not None and method in METHODS:
                fault = self._rate_limited(method, args, fault)
            if fault is not None:
                status = fault.status
                if status == 429:
                    headers["Retry-After"] = str(
                        1 if fault.retry_after is None else fault.retry_after
                    )
                default = {429: "ratelimited", 200: "fatal_error"}.get(status, "internal_error")
                body: dict[str, Any] = {"ok": False, "error": fault.error or default}
            elif method == "apps.connections.open" and self.sockets is not None:
                status, body = 200, self._connections_open(token)
            elif method not in METHODS:
                status, body = 200, {"ok": False, "error": "unknown_method"}
            elif not token:
                status, body = 200, {"ok": False, "error": "not_authed"}
            elif token != self.bot_token:
                status, body = 200, {"ok": False, "error": "invalid_auth"}
            else:
                status = 200
                try:
                    body = {"ok": True, **METHODS[method](self, args)}
                except SlackError as exc:
                    body = exc.body()
        self.record(Call(method, args, body, status))
        if hang and after:
            self._stopping.wait(hang)
        return status, body, headers

    def _connections_open(self, token: str | None) -> dict[str, Any]:
        assert self.sockets is not None
        if token != self.sockets.app_token:
            return {"ok": False, "error": "invalid_auth" if token else "not_authed"}
        return {"ok": True, "url": self.sockets.open_url()}

    def _rate_limited(
        self, method: str, args: dict[str, Any], fault: _Fault | None
    ) -> _Fault | None:
        """A 429 fault when the call is over its limit; an injected 429 counts as one."""
        assert self.rate_limits is not None
        if fault is None:
            after = self.rate_limits.admit(method, args)
            return None if after is None else _Fault(429, None, after, 0)
        self.rate_limits.arrived(method, args)
        if fault.status == 429:
            after = 1 if fault.retry_after is None else fault.retry_after
            self.rate_limits.refused_for(method, args, after)
        return fault

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        return fault

    def answer_response_url(self, token: str, payload: Any) -> tuple[int, str]:
        """Handle a POST to a response_url; Slack answers plain-text "ok" or an error word.

        Recorded as method "response_url" with the JSON payload plus ``url_user``
        and ``url_channel`` (whom the URL was issued for).
        """
        with self.lock:
            target = self.response_targets.get(token)
            if target is None:
                return 404, "no_service"
            if not isinstance(payload, dict):
                return 400, "invalid_payload"
            args = {**payload, "url_user": target.user_id, "url_channel": target.channel_id}
            status, answer = apply_response(self, target, payload)
            self.record(Call("response_url", args, answer, status))
            return status, answer
