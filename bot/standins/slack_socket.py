"""Socket Mode in the fake Slack: `apps.connections.open` and the WebSocket behind it.

As Slack does, `apps.connections.open` (called with the app-level token) answers a fresh
one-use URL; the bot connects to it, is greeted with `hello`, and then receives envelopes
`{"envelope_id", "type": "slash_commands" | "interactive" | "events_api", "payload",
"accepts_response_payload"}`, each acknowledged by `{"envelope_id", "payload"?}`. `refresh`
sends `disconnect` (Slack's notice that a connection will go), `drop` closes the socket with
no notice, as a network failure does; a well-behaved client opens a new URL either way.

`SocketSender` is a `SlackSender` that delivers its requests as envelopes instead of HTTP
posts, so every scenario the desk drives over HTTP runs over Socket Mode unchanged.
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import requests

from bot.standins.slack_requests import SlackSender

APP_TOKEN = "xapp-1-A0FAKE-1-socketmode"
ACK_TIMEOUT = 10.0


class SocketModeHub:
    """The WebSocket side of the fake Slack: one connected app at a time, as the bot is."""

    def __init__(self, app_token: str = APP_TOKEN, app_id: str = "A0FAKEAPP") -> None:
        self.app_token, self.app_id = app_token, app_id
        self._tickets: set[str] = set()
        self._acks: dict[str, dict[str, Any]] = {}
        self._current: Any = None  # the open ServerConnection
        self._changed = threading.Condition()
        self.connections = 0  # how many connections were opened in all
        self._server: Any = None

    def start(self) -> SocketModeHub:
        from websockets.sync.server import serve

        self._server = serve(self._serve, "127.0.0.1", 0, compression=None, ping_interval=None)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    # -- the Web API side ------------------------------------------------------------------
    def open_url(self) -> str:
        """A one-use URL for `apps.connections.open`."""
        ticket = secrets.token_urlsafe(12)
        with self._changed:
            self._tickets.add(ticket)
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket={ticket}&app_id={self.app_id}"

    # -- the connection ----------------------------------------------------------------------
    def _serve(self, connection: Any) -> None:
        ticket = parse_qs(urlsplit(connection.request.path).query).get("ticket", [""])[0]
        with self._changed:
            if ticket not in self._tickets:
                connection.close(code=4001, reason="invalid ticket")
                return
            self._tickets.discard(ticket)
        connection.send(json.dumps(_hello(self.app_id)))
        with self._changed:
            self._current = connection
            self.connections += 1
            self._changed.notify_all()
        try:
            for message in connection:
                ack = json.loads(message)
                with self._changed:
                    self._acks[str(ack.get("envelope_id"))] = ack
                    self._changed.notify_all()
        except Exception:  # the socket went away under the loop (a drop): the client reconnects
            pass
        finally:
            with self._changed:
                if self._current is connection:
                    self._current = None
                self._changed.notify_all()

    def wait_connected(self, timeout: float = ACK_TIMEOUT, after: int = 0) -> None:
        """Waits until a connection (the `after`+1-th in all) is open."""
        with self._changed:
            if not self._changed.wait_for(
                lambda: self._current is not None and self.connections > after, timeout
            ):
                raise AssertionError(f"no Socket Mode connection after {timeout} s")

    def deliver(self, kind: str, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """Sends one envelope to the connected app; returns its acknowledgement."""
        self.wait_connected()
        envelope_id = secrets.token_hex(16)
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload, **extra}
        with self._changed:
            connection = self._current
        connection.send(json.dumps(envelope))
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self._acks, ACK_TIMEOUT):
                raise AssertionError(f"envelope {kind} was not acknowledged in {ACK_TIMEOUT} s")
            return self._acks.pop(envelope_id)

    def refresh(self) -> None:
        """Slack's `disconnect` notice: the app should open a new connection."""
        with self._changed:
            connection = self._current
        notice = {"type": "disconnect", "reason": "refresh_requested", "debug_info": {}}
        connection.send(json.dumps(notice))

    def drop(self) -> None:
        """Closes the connection's socket with no goodbye, as a failing network does."""
        with self._changed:
            connection = self._current
        connection.socket.shutdown(socket.SHUT_RDWR)  # the peer sees the stream end, no close frame
        with self._changed:
            self._changed.wait_for(lambda: self._current is not connection, ACK_TIMEOUT)


def _hello(app_id: str) -> dict[str, Any]:
    return {
        "type": "hello",
        "num_connections": 1,
        "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
        "connection_info": {"app_id": app_id},
    }


class SocketSender(SlackSender):
    """Delivers the desk's requests as Socket Mode envelopes; answers look like HTTP's."""

    def __init__(self, hub: SocketModeHub, signing_secret: str = "unused") -> None:
        super().__init__("http://socket-mode.invalid", signing_secret)
        self.hub = hub

    def post_signed(self, body: str, content_type: str, **_: Any) -> requests.Response:
        extra: dict[str, Any] = {}
        if content_type.startswith("application/json"):
            kind, payload = "events_api", json.loads(body)
            extra = {"retry_attempt": 0, "retry_reason": ""}
        else:
            form = dict(parse_qsl(body, keep_blank_values=True))
            if "payload" in form:
                kind, payload = "interactive", json.loads(form["payload"])
            else:
                kind, payload = "slash_commands", form
        accepts = kind == "slash_commands" or payload.get("type") == "view_submission"
        started = time.monotonic()
        ack = self.hub.deliver(kind, payload, accepts_response_payload=accepts, **extra)
        answer = requests.Response()
        answer.status_code = 200
        answer.elapsed = timedelta(seconds=time.monotonic() - started)
        if "payload" in ack:
            answer._content = json.dumps(ack["payload"]).encode()
            answer.headers["Content-Type"] = "application/json"
        else:
            answer._content = b""
        return answer
