"""HTTP plumbing of the fake GitLab: the server, the request handler, bodies in and out.

Kept apart from :mod:`bot.standins.gitlab_api`, which decides every answer; this module only
turns sockets into calls of ``handle_request`` and API responses back into HTTP.
"""

from __future__ import annotations

import contextlib
import http
import json
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs

from bot.standins.gitlab_state import ApiResponse

DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


class RequestHandler(Protocol):
    """What the server needs from the fake (implemented by FakeGitLab)."""

    server_errors: list[str]

    def handle_request(self, handler: Handler) -> None: ...


def error_response(status: int) -> ApiResponse:
    """GitLab's generic error body, e.g. ``{"message": "502 Bad Gateway"}``."""
    phrase = next((s.phrase for s in http.HTTPStatus if s.value == status), "Error")
    return ApiResponse(status, {"message": f"{status} {phrase}"})


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so a dropped connection or a stopped server
    # never leaves idle keep-alive sockets behind (they would leak ResourceWarnings).
    protocol_version = "HTTP/1.0"
    server_version = "FakeGitLab/1.0"
    timeout = 10  # a client that sends a short body must not pin a thread forever
    # Requests too broken to reach handle_request (bad request line, bad headers) still get JSON.
    error_content_type = "application/json"
    error_message_format = '{"message": "%(code)d %(message)s"}'
    server: Server

    def do_GET(self) -> None:
        self.server.fake.handle_request(self)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Keep that JSON valid whatever text http.server puts into ``message``."""
        super().send_error(code, message and message.replace('"', "'").replace("\\", "/"), explain)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log; requests are recorded instead."""


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # Python's default listen backlog is 5: a sixth client connecting at once would have its
    # connection dropped and retried a second later, which GitLab.com never does.
    request_queue_size = 128

    def __init__(self, fake: RequestHandler) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Keep handler-thread failures out of stderr; they are kept in server_errors."""
        self.fake.server_errors.append(traceback.format_exc())


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    try:
        length = int(handler.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    return handler.rfile.read(length) if length > 0 else b""


def parse_body(raw: bytes, content_type: str) -> tuple[Any, str | None]:
    """Return (parsed body, error message or None); JSON bodies must be objects."""
    if not raw:
        return None, None
    text = raw.decode("utf-8", errors="replace")
    if "application/x-www-form-urlencoded" in content_type:
        form = parse_qs(text, keep_blank_values=True)
        return {
            k.removesuffix("[]"): v if k.endswith("[]") else v[-1] for k, v in form.items()
        }, None
    try:
        body = json.loads(text)
    except ValueError:
        return text, "400 Bad request - malformed JSON body"
    if not isinstance(body, dict):
        return body, "400 Bad request - JSON body must be an object"
    return body, None


def write_response(handler: BaseHTTPRequestHandler, response: ApiResponse) -> None:
    payload = json.dumps(response.body).encode()
    with contextlib.suppress(*DISCONNECTS):  # the client may have timed out and left
        handler.send_response(response.status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)
