"""HTTP plumbing of the fake Slack: request decoding and the request handler.

Kept apart from :mod:`bot.standins.slack_api` so that module reads as the
fake's behaviour; this one only turns HTTP requests into
``answer_api``/``answer_response_url`` calls and their results back into HTTP.
"""

from __future__ import annotations

import contextlib
import json
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

# Arguments that slack_sdk may send as JSON strings inside form or query data.
_JSON_ARGS = ("blocks", "view", "attachments", "metadata")


class SlackResponder(Protocol):
    """What the handler needs from the fake (implemented by FakeSlack)."""

    internal_errors: list[str]

    def answer_api(
        self, method: str, args: dict[str, Any], auth_header: str
    ) -> tuple[int, dict[str, Any], dict[str, str]]: ...

    def answer_response_url(self, token: str, payload: Any) -> tuple[int, str]: ...


def decode_args(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Merge query-string and body arguments the way Slack accepts them.

    Raises ValueError on an undecodable JSON body.
    """
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";")[0].strip().lower()
    if body and media_type == "application/json":
        decoded = json.loads(body.decode("utf-8"))
        if not isinstance(decoded, dict):
            raise ValueError("JSON body must be an object")
        args.update(decoded)
    elif body and media_type == "application/x-www-form-urlencoded":
        args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key in _JSON_ARGS:
        if isinstance(args.get(key), str):
            # Undecodable JSON stays a string; the handler answers invalid_blocks_format etc.
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


class FakeSlackHandler(BaseHTTPRequestHandler):
    """Routes ``/api/<method>`` to the Web API and ``/response/<token>`` to response URLs."""

    server: ThreadingHTTPServer

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet; the fake records calls itself."""

    def _dispatch(self) -> None:
        fake: SlackResponder = self.server.fake  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type", "")
        try:
            if url.path.startswith("/api/"):
                try:
                    args = decode_args(url.query, body, content_type)
                except ValueError:
                    self._send(200, json.dumps({"ok": False, "error": "invalid_json"}))
                    return
                auth = self.headers.get("Authorization", "")
                status, answer, headers = fake.answer_api(url.path[5:], args, auth)
                self._send(status, json.dumps(answer), headers=headers)
            elif url.path.startswith("/response/") and self.command == "POST":
                try:
                    payload = json.loads(body.decode("utf-8"))
                except ValueError:
                    self._send(400, "invalid_payload", "text/plain")
                    return
                status, text = fake.answer_response_url(url.path[10:], payload)
                self._send(status, text, "text/plain")
            else:
                self._send(404, "not found", "text/plain")
        except Exception:  # a bug in the fake: surface it instead of hanging the bot
            fake.internal_errors.append(traceback.format_exc())
            print(traceback.format_exc(), file=sys.stderr)
            self._send(500, json.dumps({"ok": False, "error": "fatal_error"}))

    def _send(
        self,
        status: int,
        text: str,
        content_type: str = "application/json; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
