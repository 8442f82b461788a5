"""A fake GitLab REST API v4 on a real local HTTP server, with fault injection.

Why a real server instead of mocking python-gitlab: the bot's GitLab mirroring must
survive what the network actually does (timeouts, dropped connections, 429s with
Retry-After, 5xx after the write went through). Only the real client stack
(python-gitlab -> requests -> urllib3 -> socket) reproduces how those surface, and
python-gitlab's own retry and pagination logic is part of what is under test.

Usage::

    with FakeGitLab() as fake:
        fake.add_project("sec/cases", templates={"Case": "## Case"})
        fake.fail("POST", r"/issues$", status=502)
        gl = gitlab.Gitlab(fake.url, private_token=fake.token, timeout=2)

Fault rules match ``method`` (or ``"*"``) and ``re.search`` of ``path_regex`` against the
request path, raw (``/api/v4/projects/sec%2Fcases/issues``) or URL-decoded
(``/api/v4/projects/sec/cases/issues``). The first matching rule with uses left wins.
The route handlers and data model live in ``gitlab_routes``.
"""

from __future__ import annotations

import contextlib
import copy
import http
import json
import re
import threading
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import parse_qs, unquote

from bot.standins.gitlab_routes import ApiRequest, ApiResponse, GitLabState, Project

FaultKind = Literal["fail", "rate_limit", "hang", "succeed_then_fail", "crash"]
_API_PREFIX = "/api/v4"
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


@dataclass
class FaultRule:
    """One injected fault; ``remaining`` is None for "until clear_faults()"."""

    kind: FaultKind
    method: str
    pattern: re.Pattern[str]
    remaining: int | None
    status: int = 500
    retry_after: int = 1
    seconds: float = 0.0
    perform: bool = True
    hits: int = 0

    def matches(self, method: str, raw_path: str, path: str) -> bool:
        if self.method not in ("*", method):
            return False
        return bool(self.pattern.search(raw_path) or self.pattern.search(path))


@dataclass
class RecordedRequest:
    """What the fake saw and answered; ``status`` None means the connection was dropped."""

    method: str
    path: str  # URL-decoded, e.g. /api/v4/projects/sec/cases/issues
    raw_path: str  # as sent, e.g. /api/v4/projects/sec%2Fcases/issues
    query: dict[str, list[str]]
    body: Any  # parsed JSON / form dict, the raw text if unparsable, None if empty
    headers: dict[str, str]
    time: float
    status: int | None = None
    fault: str | None = None

    def query_value(self, name: str) -> str | None:
        """Last value of a query parameter (most have one)."""
        values = self.query.get(name)
        return values[-1] if values else None


def _message(status: int) -> ApiResponse:
    """GitLab's generic error body, e.g. ``{"message": "502 Bad Gateway"}``."""
    phrase = next((s.phrase for s in http.HTTPStatus if s.value == status), "Error")
    return ApiResponse(status, {"message": f"{status} {phrase}"})


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so a dropped connection or a stopped server
    # never leaves idle keep-alive sockets behind (they would leak ResourceWarnings).
    protocol_version = "HTTP/1.0"
    server_version = "FakeGitLab/1.0"
    timeout = 10  # a client that sends a short body must not pin a thread forever
    # Requests too broken to reach _handle (bad request line, bad headers) still get JSON.
    error_content_type = "application/json"
    error_message_format = '{"message": "%(code)d %(message)s"}'
    server: _Server

    def do_GET(self) -> None:
        self.server.fake._handle(self)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Keep that JSON valid whatever text http.server puts into ``message``."""
        super().send_error(code, message and message.replace('"', "'").replace("\\", "/"), explain)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log; requests are recorded instead."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeGitLab) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Keep handler-thread failures out of stderr; they are kept in server_errors."""
        self.fake.server_errors.append(traceback.format_exc())


class FakeGitLab:
    """Fake GitLab API v4: state, fault injection and request recording (thread-safe)."""

    def __init__(self, token: str = "glpat-test", *, username: str = "info-request-bot") -> None:
        self.token = token
        self.server_errors: list[str] = []  # tracebacks of bugs in the fake itself
        self._lock = threading.RLock()
        self._state = GitLabState(
            {"id": 1, "username": username, "name": username, "state": "active", "locked": False}
        )
        self._faults: list[FaultRule] = []
        self._requests: list[RecordedRequest] = []
        self._down = False
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("FakeGitLab already started")
        self._stopping.clear()
        self._server = _Server(self)
        with self._lock:
            self._state.base_url = self.url
            self._state.user["web_url"] = f"{self.url}/{self._state.user['username']}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; hung requests are released at once instead of sleeping on."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL to give python-gitlab (the API itself is under ``/api/v4``)."""
        if self._server is None:
            raise RuntimeError("FakeGitLab is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ---------------------------------------------------------------------- state
    def add_project(
        self,
        path_with_namespace: str,
        *,
        id: int | None = None,
        templates: Mapping[str, str] | None = None,
        labels: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Create a project (issue templates by name -> content, labels by name)."""
        with self._lock:
            project = self._state.add_project(
                path_with_namespace, id=id, templates=templates or {}, labels=labels
            )
            return self._state.render_project(project)

    def add_issue(self, project: str | int, title: str, **fields: Any) -> dict[str, Any]:
        """Seed an issue without going through HTTP (not recorded, faults do not apply).

        ``fields`` are the create-issue API attributes; ``state="closed"`` closes it.
        """
        with self._lock:
            proj = self._get_project(project)
            issue = self._state.create_issue(proj, {**fields, "title": title})
            if fields.get("state") == "closed":
                issue |= {"state": "closed", "closed_at": issue["created_at"]}
            return self._state.render_issue(proj, issue)

    def issues(self, project: str | int) -> list[dict[str, Any]]:
        """Every issue of the project, in creation order, as the API would render it."""
        with self._lock:
            proj = self._get_project(project)
            return [self._state.render_issue(proj, issue) for issue in proj.issues.values()]

    def issue(self, project: str | int, iid: int) -> dict[str, Any]:
        """One issue (labels, confidential, state, description...); KeyError if absent."""
        with self._lock:
            proj = self._get_project(project)
            return self._state.render_issue(proj, proj.issues[iid])

    def notes(self, project: str | int, iid: int) -> list[dict[str, Any]]:
        """Notes of one issue in creation order (each has ``internal`` and ``body``)."""
        with self._lock:
            return copy.deepcopy(self._get_project(project).notes[iid])

    def labels(self, project: str | int) -> list[dict[str, Any]]:
        with self._lock:
            proj = self._get_project(project)
            return [self._state.render_label(proj, label) for label in proj.labels.values()]

    def _get_project(self, ref: str | int) -> Project:
        project = self._state.find_project(ref)
        if project is None:
            raise KeyError(f"no project {ref!r} in the fake")
        return project

    # ------------------------------------------------------------ fault injection
    def fail(
        self, method: str, path_regex: str, *, status: int = 500, times: int | None = 1
    ) -> FaultRule:
        """Answer ``status`` without performing the operation."""
        return self._add_fault("fail", method, path_regex, times, status=status)

    def rate_limit(
        self, method: str, path_regex: str, *, retry_after: int = 1, times: int | None = 1
    ) -> FaultRule:
        """Answer 429 with ``Retry-After`` (whole seconds: python-gitlab int()s it)."""
        return self._add_fault("rate_limit", method, path_regex, times, retry_after=retry_after)

    def hang(
        self,
        method: str,
        path_regex: str,
        *,
        seconds: float,
        times: int | None = 1,
        perform: bool = True,
    ) -> FaultRule:
        """Sleep before handling, so the client's timeout fires first.

        With ``perform`` (default) the request is still carried out after the sleep, as
        a slow real server would: a client timeout then leaves the outcome unknown.
        With ``perform=False`` the connection is dropped after the sleep instead.
        """
        return self._add_fault("hang", method, path_regex, times, seconds=seconds, perform=perform)

    def succeed_then_fail(
        self, method: str, path_regex: str, *, status: int = 502, times: int | None = 1
    ) -> FaultRule:
        """Perform the operation, then answer ``status``: the ambiguous failure."""
        return self._add_fault("succeed_then_fail", method, path_regex, times, status=status)

    def crash(self, method: str, path_regex: str, *, times: int | None = 1) -> FaultRule:
        """Close the connection without any response (and without performing)."""
        return self._add_fault("crash", method, path_regex, times)

    def down(self) -> None:
        """Answer 503 to every API request until :meth:`up` or :meth:`clear_faults`."""
        with self._lock:
            self._down = True

    def up(self) -> None:
        with self._lock:
            self._down = False

    def clear_faults(self) -> None:
        """Remove every fault rule and bring the server back up."""
        with self._lock:
            self._faults.clear()
            self._down = False

    def _add_fault(
        self, kind: FaultKind, method: str, path_regex: str, times: int | None, **options: Any
    ) -> FaultRule:
        if times is not None and times < 1:
            raise ValueError("times must be >= 1, or None for 'until cleared'")
        rule = FaultRule(kind, method.upper(), re.compile(path_regex), times, **options)
        with self._lock:
            self._faults.append(rule)
        return rule

    def _take_fault(self, method: str, raw_path: str, path: str) -> FaultRule | None:
        """Consume one use of the first matching rule (call with the lock held)."""
        for rule in self._faults:
            if rule.matches(method, raw_path, path):
                rule.hits += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._faults.remove(rule)
                return rule
        return None

    # ------------------------------------------------------------------ recording
    def requests(
        self, method: str | None = None, path_regex: str | None = None
    ) -> list[RecordedRequest]:
        """Recorded requests in arrival order, filtered like fault rules."""
        pattern = re.compile(path_regex) if path_regex else None
        with self._lock:
            return [
                copy.deepcopy(r)
                for r in self._requests
                if (method is None or r.method == method.upper())
                and (pattern is None or pattern.search(r.raw_path) or pattern.search(r.path))
            ]

    def reset_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # ----------------------------------------------------------------------- HTTP
    def _handle(self, handler: _Handler) -> None:
        """Serve one request; never lets an exception escape into the server thread."""
        raw_path, _, query_string = handler.path.partition("?")
        record = RecordedRequest(
            method=handler.command,
            path=unquote(raw_path),
            raw_path=raw_path,
            query=parse_qs(query_string, keep_blank_values=True),
            body=None,
            headers=dict(handler.headers.items()),
            time=time.time(),
        )
        try:
            response = self._process(handler, record)
        except _DISCONNECTS:
            response = None
        except Exception:
            self.server_errors.append(traceback.format_exc())
            response = _message(500)
        record.status = response.status if response else None
        if response is not None:
            self._write(handler, response)

    def _process(self, handler: _Handler, record: RecordedRequest) -> ApiResponse | None:
        """Decide the answer (None = drop the connection), applying faults in order."""
        raw = self._read_body(handler)
        record.body, body_error = self._parse_body(raw, handler.headers.get("Content-Type", ""))
        with self._lock:
            self._requests.append(record)
            api = record.raw_path.startswith(_API_PREFIX + "/")
            rule = self._take_fault(record.method, record.raw_path, record.path) if api else None
            down = self._down
        if not api:
            return ApiResponse(404, {"error": "404 Not Found"})
        if down:
            record.fault = "down"
            return _message(503)
        if rule is not None:
            record.fault = rule.kind
            if rule.kind == "hang":
                self._stopping.wait(rule.seconds)
                if not rule.perform:
                    return None
            elif rule.kind == "crash":
                return None
            elif rule.kind == "fail":
                return _message(rule.status)
            elif rule.kind == "rate_limit":
                response = _message(429)
                response.headers["Retry-After"] = str(rule.retry_after)
                return response
        if not self._authorized(handler):
            return ApiResponse(401, {"message": "401 Unauthorized"})
        if body_error:
            return ApiResponse(400, {"error": body_error})
        request = ApiRequest(
            method=record.method,
            path=record.raw_path[len(_API_PREFIX) :],
            query=record.query,
            body=record.body if isinstance(record.body, dict) else {},
        )
        with self._lock:
            response = self._state.dispatch(request)
        if rule is not None and rule.kind == "succeed_then_fail":
            return _message(rule.status)
        return response

    def _authorized(self, handler: _Handler) -> bool:
        """python-gitlab sends PRIVATE-TOKEN; OAuth/job-style clients send a Bearer token."""
        authorization = handler.headers.get("Authorization", "")
        bearer = authorization.removeprefix("Bearer ") if authorization[:7] == "Bearer " else None
        return self.token in (handler.headers.get("PRIVATE-TOKEN"), bearer)

    @staticmethod
    def _read_body(handler: _Handler) -> bytes:
        try:
            length = int(handler.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return handler.rfile.read(length) if length > 0 else b""

    @staticmethod
    def _parse_body(raw: bytes, content_type: str) -> tuple[Any, str | None]:
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

    @staticmethod
    def _write(handler: _Handler, response: ApiResponse) -> None:
        payload = json.dumps(response.body).encode()
        with contextlib.suppress(*_DISCONNECTS):  # the client may have timed out and left
            handler.send_response(response.status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
