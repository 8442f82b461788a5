"""The python-gitlab adapter of the mirror's `Tracker` interface (bot.delivery.tracker).

The adapter never retries by itself. python-gitlab has no default timeout, and with transient
retries on it re-sends a POST after a 502, which can duplicate an issue; with `obey_rate_limit`
it sleeps inside the call on a 429. Here every call has a timeout, nothing is retried and a 429
surfaces, so the outbox decides when to try again (`Retry(after=Retry-After)`) and the
mirror's marker search keeps creation idempotent.

python-gitlab (and requests) is imported, and its client made, at the first call rather than
at import: they took a good part of `serve`'s start (bench/replicas.py), and a replica must
answer Slack within 2 s of starting.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from bot import telemetry
from bot.delivery.drain import Permanent, Retry
from bot.delivery.tracker import Issue

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
TEMPLATE_TTL = 300.0
RECENT_NOTES = 50  # notes an idempotency check reads back, newest first
SEARCH_PAGE, SEARCH_PAGES = 100, 20  # an adoption search reads at most 2,000 hits


@contextmanager
def _mapped_errors(what: str, retry_after: Callable[[], float | None]) -> Iterator[None]:
    """Turns what GitLab or the network did into the outbox's Retry or Permanent."""
    import requests
    from gitlab.exceptions import GitlabError

    try:
        yield
    except (
        requests.Timeout,
        requests.ConnectionError,
        requests.exceptions.ChunkedEncodingError,
    ) as error:
        telemetry.GITLAB_ERRORS_TOTAL.labels("network").inc()
        # The request may have been carried out (a slow create): retry; markers dedupe.
        raise Retry(f"GitLab {what}: {type(error).__name__}") from None
    except GitlabError as error:
        code = error.response_code
        telemetry.GITLAB_ERRORS_TOTAL.labels(telemetry.gitlab_error(code)).inc()
        if code == 429:
            raise Retry(f"GitLab {what}: rate limited", after=retry_after()) from None
        if code in (400, 422):
            # Validation: the same request will be refused the same way; park it for a person.
            raise Permanent(f"GitLab {what}: {error}") from None
        # 5xx is transient and may have been carried out (markers dedupe). 401/403/404 mean a
        # token or project setting an operator can fix: retried, parked after MAX_ATTEMPTS.
        raise Retry(f"GitLab {what}: {error}") from None


def encoded_id(project: str) -> Any:
    """A project's path or id as it goes into an API path (python-gitlab's EncodedId)."""
    from gitlab.utils import EncodedId

    return EncodedId(project)


def _environment_once(session: Any, url: str) -> bool | str:
    """Takes what requests would read from the environment on every call (the proxies for the
    GitLab host, the CA bundle; python-gitlab's token rules out ~/.netrc) once, for the one
    host the bot calls, with requests' own reading of it: scanning the environment took a good
    share of the CPU of a call to a nearby GitLab. Returns the `verify` setting."""
    found = session.merge_environment_settings(url, {}, None, None, None)
    session.proxies.update(found["proxies"])
    session.trust_env = False
    return found["verify"]


def _echo(event_uuid: str | None) -> dict[str, Any]:
    """Per-call headers (the client's own are shared between threads): the webhook event a
    write answers, so GitLab's recursion detection stops the hook firing for it again."""
    return {"extra_headers": {"X-Gitlab-Event-UUID": event_uuid}} if event_uuid else {}


class GitLabTracker:
    """The Tracker on python-gitlab; one client per process, safe to share between threads."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seen = threading.local()
        self._url, self._token, self._timeout = url, token, timeout
        self._client: Any = None
        self._making = threading.Lock()
        self._call: dict[str, Any] = {
            "timeout": timeout,
            "obey_rate_limit": False,
            "retry_transient_errors": False,
        }
        self._templates: dict[tuple[str, str], tuple[float, str | None]] = {}
        self._projects: dict[str, Any] = {}
        self._paths: dict[str, str] = {}
        self._clock = clock

    @property
    def _gl(self) -> Any:
        """The python-gitlab client, made at the first call."""
        with self._making:
            if self._client is None:
                import gitlab
                import requests

                session = requests.Session()
                session.hooks["response"].append(self._remember_retry_after)
                self._client = gitlab.Gitlab(
                    self._url,
                    private_token=self._token,
                    timeout=self._timeout,
                    retry_transient_errors=False,
                    ssl_verify=_environment_once(session, self._url),
                    session=session,
                )
            return self._client

    def _remember_retry_after(self, response: Any, *args: Any, **kw: Any) -> None:
        self._seen.retry_after = response.headers.get("Retry-After")

    def _retry_after(self) -> float | None:
        try:
            return max(0.0, float(getattr(self._seen, "retry_after", None) or ""))
        except ValueError:
            return None  # absent, or an HTTP date: the outbox's own back-off applies

    def _project(self, project: str) -> Any:
        # A lazy project is only a path with managers, but building it costs more CPU than a
        # call to a nearby GitLab; the bot writes to two projects, so keep them.
        if project not in self._projects:
            self._projects[project] = self._gl.projects.get(project, lazy=True)
        return self._projects[project]

    def _issues_path(self, project: str) -> str:
        """`/projects/<encoded path>/issues`, worked out once a project."""
        if project not in self._paths:
            self._paths[project] = f"/projects/{encoded_id(project)}/issues"
        return self._paths[project]

    def template(self, project: str, name: str) -> str | None:
        cached = self._templates.get((project, name))
        if cached and self._clock() - cached[0] < TEMPLATE_TTL:
            return cached[1]
        from gitlab.exceptions import GitlabError

        content: str | None = None
        with _mapped_errors("template", self._retry_after):
            try:
                content = self._project(project).issue_templates.get(name, **self._call).content
            except GitlabError as error:
                if error.response_code != 404:
                    raise  # a 404 means no such template: the bundled one is used
        self._templates[(project, name)] = (self._clock(), content)
        return content

    def find_issue(
        self, project: str, *, marker: str, created_after: datetime | None = None
    ) -> Issue | None:
        """Pages through the search's hits, oldest first from `created_after`, to the issue
        holding the marker. GitLab's search matches a part of a word, so case 1's marker also
        finds the issues of cases 10-19 and 100-199: the first page alone can miss it."""
        query: dict[str, Any] = {"search": marker, "in": "description", "state": "all"}
        query |= {"order_by": "created_at", "sort": "asc", "per_page": SEARCH_PAGE}
        if created_after is not None:
            query["created_after"] = created_after.isoformat()
        wanted = f"<!-- {marker} -->"
        for page in range(1, SEARCH_PAGES + 1):
            with _mapped_errors("issue search", self._retry_after):
                found = self._project(project).issues.list(
                    page=page, get_all=False, **query, **self._call
                )
            for issue in found:
                if wanted in (issue.description or ""):
                    return Issue(issue.iid, issue.web_url, issue.description or "")
            if len(found) < SEARCH_PAGE:
                return None
        log.warning(
            "no issue holds %s in the first %s search hits", marker, SEARCH_PAGES * SEARCH_PAGE
        )
        return None

    def create_issue(
        self,
        project: str,
        *,
        title: str,
        description: str,
        labels: Sequence[str],
        confidential: bool,
    ) -> Issue:
        data: dict[str, Any] = {"title": title, "description": description, "labels": list(labels)}
        data["confidential"] = confidential
        # Posted to the issues endpoint as python-gitlab's `issues.create` posts it (labels a
        # JSON list), without building an issue object and its dozens of managers from the answer.
        with _mapped_errors("issue create", self._retry_after):
            issue = self._gl.http_post(self._issues_path(project), post_data=data, **self._call)
        return Issue(issue["iid"], issue["web_url"], issue.get("description") or "")

    def has_note(self, project: str, iid: int, *, marker: str) -> bool:
        with _mapped_errors("note check", self._retry_after):
            issue = self._project(project).issues.get(iid, lazy=True)
            notes = issue.notes.list(
                sort="desc",
                order_by="created_at",
                per_page=RECENT_NOTES,
                get_all=False,
                **self._call,
            )
        return any(f"<!-- {marker} -->" in (note.body or "") for note in notes)

    def add_note(self, project: str, iid: int, body: str, *, event_uuid: str | None = None) -> None:
        # Most mirror writes are notes: post to the notes endpoint directly rather than build
        # an issue object and a note object (with their managers) for every one.
        path = f"{self._issues_path(project)}/{iid}/notes"
        with _mapped_errors("note", self._retry_after):
            self._gl.http_post(
                path,
                post_data={"body": body, "internal": True},
                **self._call,
                **_echo(event_uuid),
            )

    def update_issue(
        self,
        project: str,
        iid: int,
        *,
        add_labels: Sequence[str] = (),
        remove_labels: Sequence[str] = (),
        close: bool = False,
        confidential: bool | None = None,
        assignee_ids: Sequence[int] | None = None,
        event_uuid: str | None = None,
    ) -> None:
        changes: dict[str, Any] = {}
        if add_labels:
            changes["add_labels"] = ",".join(add_labels)
        if remove_labels:
            changes["remove_labels"] = ",".join(remove_labels)
        if close:
            changes["state_event"] = "close"
        if confidential is not None:
            changes["confidential"] = confidential
        if assignee_ids is not None:
            changes["assignee_ids"] = list(assignee_ids)
        if not changes:
            return
        path = f"{self._issues_path(project)}/{iid}"
        with _mapped_errors("issue update", self._retry_after):
            self._gl.http_put(path, post_data=changes, **self._call, **_echo(event_uuid))
