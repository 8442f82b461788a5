"""`POST /gitlab/webhook`: GitLab's deliveries in, stored and acknowledged at once.

GitLab sends its project hook's secret in `X-Gitlab-Token` (a plain shared secret, compared
here in constant time); no secret configured means the endpoint does not exist (404). A
delivery is only a hint of which issue to look at: what it names is stored (`store`, which
deduplicates on `Idempotency-Key`, else `X-Gitlab-Event-UUID`) and the answer goes back before
anything is applied; `after` wakes the applier (bot.app.sync re-reads the issue via the API).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from bot.cases.tracker import Hint

log = logging.getLogger(__name__)

PATH = "/gitlab/webhook"
EVENTS = ("Issue Hook", "Confidential Issue Hook", "Note Hook", "Confidential Note Hook")


def _issue_iid(payload: dict[str, Any]) -> int | None:
    kind = payload.get("object_kind")
    if kind == "issue":
        iid = (payload.get("object_attributes") or {}).get("iid")
    elif kind == "note":
        iid = (payload.get("issue") or {}).get("iid")
    else:
        return None
    return iid if isinstance(iid, int) else None


def hint(headers: dict[str, str], body: bytes) -> Hint | None:
    """What a delivery names, or None when it is nothing the bot looks at."""
    event = headers.get("HTTP_X_GITLAB_EVENT", "")
    if event not in EVENTS:
        return None
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    project = payload.get("project") or {}
    key = headers.get("HTTP_IDEMPOTENCY_KEY") or headers.get("HTTP_X_GITLAB_EVENT_UUID")
    return Hint(
        key=key or "sha256:" + hashlib.sha256(body).hexdigest(),
        event=event,
        event_uuid=headers.get("HTTP_X_GITLAB_EVENT_UUID") or None,
        project=str(project.get("path_with_namespace") or ""),
        issue_iid=_issue_iid(payload),
        project_id=project.get("id") if isinstance(project.get("id"), int) else None,
    )


# What the project hook must be subscribed to: the issues are confidential, so only the
# confidential events carry them; an issue made public fires a plain issue event.
REQUIRED_EVENTS = ("confidential_issues_events", "confidential_note_events", "issues_events")


def ours(hook: dict[str, Any], url: str | None = None) -> bool:
    """Whether a project hook calls this bot: at `url` exactly when it is known (the query and
    a trailing slash aside), else at a URL ending with the webhook's path."""
    called = str(hook.get("url") or "").split("?")[0].rstrip("/")
    return called == url.rstrip("/") if url else called.endswith(PATH)


def hook_problems(hook: dict[str, Any]) -> list[str]:
    """What keeps a project hook (as GitLab's Hooks API shows it) from serving the bot."""
    problems = [f"{name} is off" for name in REQUIRED_EVENTS if not hook.get(name)]
    status = hook.get("alert_status") or "executable"
    if status != "executable" or hook.get("disabled_until"):
        # GitLab disables a hook after 4 failures in a row, for good after 40.
        problems.append(f"GitLab disabled it ({status}, until {hook.get('disabled_until')})")
    return problems


class Receiver:
    """Answers one delivery: (HTTP status line, text). Called by the served WSGI app."""

    def __init__(
        self, secret: str | None, store: Callable[[Hint], bool], after: Callable[[], None]
    ) -> None:
        self._secret = secret.encode() if secret else None
        self._store, self._after = store, after

    def __call__(self, environ: dict[str, Any], body: bytes) -> tuple[str, str]:
        if self._secret is None:
            return "404 Not Found", "not found"
        token = environ.get("HTTP_X_GITLAB_TOKEN", "").encode("utf-8", "replace")
        if not hmac.compare_digest(token, self._secret):
            return "401 Unauthorized", "invalid token"
        found = hint(environ, body)
        if found is None:
            return "200 OK", "ignored"
        if self._store(found):
            self._after()
            return "200 OK", "accepted"
        return "200 OK", "duplicate"
