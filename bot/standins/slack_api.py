"""A fake Slack Web API served over real HTTP on 127.0.0.1.

End-to-end tests point the bot's ``slack_sdk.WebClient(base_url=fake.base_url)``
at it, so the real client code (auth header, JSON/form encoding, retry
handlers, error parsing) is exercised rather than mocked. Tests set up the
workspace (see :class:`~bot.standins.slack_world.SlackWorld` for ``add_user``,
``add_channel``, ``set_channel``, ``add_usergroup``, ``issue_trigger``...),
inject faults, and assert on what the bot sent::

    with FakeSlack() as fake:
        fake.add_user("U1")
        client = WebClient(token=fake.bot_token, base_url=fake.base_url)
        ...
        call = fake.wait_for("chat.postMessage", lambda a: a["channel"] == "DU1")
        assert fake.validation_errors == []

The method handlers live in :mod:`bot.standins.slack_methods` and
:mod:`bot.standins.slack_views`.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from bot.standins import slack_views  # noqa: F401  (registers the views.* methods)
from bot.standins.slack_http import FakeSlackHandler
from bot.standins.slack_methods import METHODS, SlackError
from bot.standins.slack_objects import ResponseTarget, real_monotonic
from bot.standins.slack_validation import validate_message_blocks
from bot.standins.slack_world import SlackWorld


@dataclass(frozen=True)
class Call:
    """One request the fake answered: Web API method (or "response_url") and what it said."""

    method: str
    args: dict[str, Any]
    response: Any
    status: int = 200
    time: float = field(default_factory=time.time)


@dataclass
class _Fault:
    status: int
    error: str | None
    retry_after: int | None
    remaining: int


class FakeSlack(SlackWorld):
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
        self._calls: list[Call] = []
        self._calls_changed = threading.Condition(self.lock)
        self._faults: dict[str, list[_Fault]] = {}
        self._hangs: dict[str, float] = {}
        self._hang_after: dict[str, bool] = {}
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.internal_errors: list[str] = []  # bugs in the fake itself, never the bot's fault

    # ------------------------------------------------------------- lifecycle
    def start(self) -> FakeSlack:
        """Listen on an ephemeral port of 127.0.0.1 and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSlackHandler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; requests that are hanging (``set_hang``) are released."""
        self._stopping.set()
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

    def set_hang(self, method: str, seconds: float, *, after: bool = False) -> None:
        """Delay every answer to ``method`` by ``seconds`` (0 to stop), to provoke timeouts.

        With ``after`` the call is carried out first and only its answer is late, as when a
        post went out but the response is slow: a client that gives up has still posted.
        """
        with self.lock:
            self._hangs[method] = seconds
            self._hang_after[method] = after

    # -------------------------------------------------------------- recording
    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, oldest first, optionally only those of one method."""
        with self.lock:
            return [c for c in self._calls if method is None or c.method == method]

    def reset_calls(self) -> None:
        """Forget recorded calls and validation errors (the world state is kept)."""
        with self.lock:
            self._calls.clear()
            self.validation_errors.clear()

    def wait_for(
        self,
        method: str,
        predicate: Callable[[dict[str, Any]], bool] = lambda args: True,
        timeout: float = 5.0,
    ) -> Call:
        """Return the first recorded call of ``method`` whose args satisfy ``predicate``.

        The bot answers Slack before doing its work, so tests wait rather than
        assert immediately. Raises AssertionError listing every call on timeout.
        """
        deadline = real_monotonic() + timeout
        with self._calls_changed:
            while True:
                for call in self._calls:
                    if call.method == method and predicate(call.args):
                        return call
                remaining = deadline - real_monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"no matching {method} call within {timeout}s; calls:\n{self.dump_calls()}"
                    )
                self._calls_changed.wait(remaining)

    def dump_calls(self) -> str:
        """A readable one-line-per-call listing, for assertion messages."""
        with self.lock:
            lines = []
            for call in self._calls:
                args = json.dumps(call.args, default=str)
                outcome = call.response
                if isinstance(outcome, dict):
                    outcome = "ok" if outcome.get("ok") else outcome.get("error")
                lines.append(f"  {call.method} {args[:400]} -> {call.status} {outcome}")
            return "\n".join(lines) or "  (none)"

    def messages_in(self, channel_id: str) -> list[dict[str, Any]]:
        """Messages currently in a channel (latest version of each), oldest first."""
        with self.lock:
            return [dict(m) for m in self.messages.get(channel_id, {}).values()]

    def dms_to(self, user_id: str) -> list[dict[str, Any]]:
        """Messages in the user's IM (posted to the D... id or to the user id)."""
        with self.lock:
            channel_id = self.ims.get(user_id)
            return self.messages_in(channel_id) if channel_id else []

    def ephemerals_to(self, user_id: str) -> list[dict[str, Any]]:
        """chat.postEphemeral messages and ephemeral response_url posts seen by a user."""
        with self.lock:
            return [dict(e) for e in self.ephemerals if e.get("user") == user_id]

    def channel_posts(self) -> list[dict[str, Any]]:
        """Every version of every message visible in non-IM channels, for personal-data scans.

        Includes updates and replaced originals (earlier versions were visible
        too) and in_channel response_url posts.
        """
        with self.lock:
            posts = [
                dict(m)
                for m in self.message_versions
                if not (m["channel"] in self.channels and self.channels[m["channel"]].is_im)
            ]
            return posts + [dict(r) for r in self.in_channel_responses]

    def get_view(self, view_id: str) -> dict[str, Any]:
        """The latest version of a view opened/pushed/updated/published by the bot."""
        with self.lock:
            return dict(self.views[view_id])

    def views_for(self, user_id: str) -> list[dict[str, Any]]:
        """Views (modals and home tab) shown to a user, latest version of each, in open order."""
        with self.lock:
            return [dict(v) for k, v in self.views.items() if self.view_owners.get(k) == user_id]

    # ------------------------------------------------------------- internals
    def _record(self, call: Call) -> None:
        with self._calls_changed:
            self._calls.append(call)
            self._calls_changed.notify_all()

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
            if fault is not None:
                status = fault.status
                if status == 429:
                    headers["Retry-After"] = str(
                        1 if fault.retry_after is None else fault.retry_after
                    )
                default = {429: "ratelimited", 200: "fatal_error"}.get(status, "internal_error")
                body: dict[str, Any] = {"ok": False, "error": fault.error or default}
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
        self._record(Call(method, args, body, status))
        if hang and after:
            self._stopping.wait(hang)
        return status, body, headers

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
            status, answer = self._apply_response(target, payload)
            self._record(Call("response_url", args, answer, status))
            return status, answer

    def _apply_response(self, target: ResponseTarget, payload: dict[str, Any]) -> tuple[int, str]:
        blocks = payload.get("blocks")
        if blocks is not None:
            errors = validate_message_blocks(blocks)
            if errors:
                self.validation_errors.extend(f"response_url: {e}" for e in errors)
                return 400, "invalid_blocks"
        text = payload.get("text") or ""
        delete = _truthy(payload.get("delete_original"))
        if not text and not blocks and not delete:
            return 400, "no_text"
        original = (
            self.messages.get(target.channel_id or "", {}).get(target.message_ts or "")
            if target.message_ts
            else None
        )
        if delete and original is not None:
            del self.messages[original["channel"]][original["ts"]]
        elif _truthy(payload.get("replace_original")) and original is not None:
            # Unlike chat.update, a replacement is a whole new message: no blocks means none.
            self.replace_message(
                original["channel"], original["ts"], {"text": text, "blocks": blocks or []}
            )
        elif payload.get("response_type") == "in_channel":
            if target.channel_id in self.channels:
                self.store_message(target.channel_id, text, blocks, payload.get("thread_ts"))
            else:
                self.in_channel_responses.append(
                    {"source": "response_url", "channel": target.channel_id, **payload}
                )
        else:
            self.ephemerals.append(
                {
                    "source": "response_url",
                    "channel": target.channel_id,
                    "user": target.user_id,
                    "text": text,
                    "blocks": blocks,
                    "ts": self.new_ts(),
                    "replace_original": _truthy(payload.get("replace_original")),
                    "delete_original": delete,
                }
            )
        return 200, "ok"


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")
