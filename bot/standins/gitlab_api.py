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

Fault rules are described in ``gitlab_faults``; the data model lives in ``gitlab_state``,
the route handlers in ``gitlab_routes``, the HTTP plumbing in ``gitlab_http``.
"""

from __future__ import annotations

import copy
import re
import threading
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import parse_qs, unquote

from bot.standins.gitlab_faults import FaultInjection
from bot.standins.gitlab_hooks import Webhooks
from bot.standins.gitlab_http import (
    DISCONNECTS,
    Handler,
    Server,
    error_response,
    parse_body,
    read_body,
    write_response,
)
from bot.standins.gitlab_routes import GitLabRoutes
from bot.standins.gitlab_state import ApiRequest, ApiResponse, Project

_API_PREFIX = "/api/v4"


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


class FakeGitLab(FaultInjection, Webhooks):  # type: ignore[misc]  # one lock, both bases
    """Fake GitLab API v4: state, fault injection and request recording (thread-safe)."""

    def __init__(self, token: str = "glpat-test", *, username: str = "info-request-bot") -> None:
        super().__init__()
        self.token = token
        self.server_errors: list[str] = []  # tracebacks of bugs in the fake itself
        self._state = GitLabRoutes(
            {"id": 1, "username": username, "name": username, "state": "active", "locked": False}
        )
        self._requests: list[RecordedRequest] = []
        self._stopping = threading.Event()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._init_hooks()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("FakeGitLab already started")
        self._stopping.clear()
        self._server = Server(self)
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
            self._state.emitted.clear()  # seeded, not made: no webhook
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
    def handle_request(self, handler: Handler) -> None:
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
        except DISCONNECTS:
            response = None
        except Exception:
            self.server_errors.append(traceback.format_exc())
            response = error_response(500)
        record.status = response.status if response else None
        if response is not None:
            write_response(handler, response)

    def _process(self, handler: Handler, record: RecordedRequest) -> ApiResponse | None:
        """Decide the answer (None = drop the connection), applying faults in order."""
        raw = read_body(handler)
        record.body, body_error = parse_body(raw, handler.headers.get("Content-Type", ""))
        with self._lock:
            self._requests.append(record)
            api = record.raw_path.startswith(_API_PREFIX + "/")
            rule = self._take_fault(record.method, record.raw_path, record.path) if api else None
            down = self._down
        if not api:
            return ApiResponse(404, {"error": "404 Not Found"})
        if down:
            record.fault = "down"
            return error_response(503)
        if rule is not None:
            record.fault = rule.kind
            if rule.kind == "hang":
                self._stopping.wait(rule.seconds)
                if not rule.perform:
                    return None
            elif rule.kind == "crash":
                return None
            elif rule.kind == "fail":
                return error_response(rule.status)
            elif rule.kind == "rate_limit":
                response = error_response(429)
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
            echoed = {k.lower(): v for k, v in record.headers.items()}.get("x-gitlab-event-uuid")
            self._collect(echoed)
        if rule is not None and rule.kind == "succeed_then_fail":
            return error_response(rule.status)
        return response

    def _authorized(self, handler: Handler) -> bool:
        """python-gitlab sends PRIVATE-TOKEN; OAuth/job-style clients send a Bearer token."""
        authorization = handler.headers.get("Authorization", "")
        bearer = authorization.removeprefix("Bearer ") if authorization[:7] == "Bearer " else None
        return self.token in (handler.headers.get("PRIVATE-TOKEN"), bearer)
