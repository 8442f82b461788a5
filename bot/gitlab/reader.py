"""Reading the SIRT issues back, for the two-way sync (bot.app.sync) and doctor.

A webhook is only a hint: the sync re-fetches the issue and its notes through these calls
before it applies anything. Errors are left to surface: a delivery that could not be applied
stays queued and is tried again (and the reconciliation job heals the rest).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.cases.tracker import IssueSeen, NoteSeen
from bot.gitlab.tracker import GitLabTracker, encoded_id


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def issue_seen(data: dict[str, Any]) -> IssueSeen:
    closed_by = data.get("closed_by") or {}
    return IssueSeen(
        iid=int(data["iid"]),
        state=str(data.get("state") or "opened"),
        confidential=bool(data.get("confidential")),
        labels=tuple(data.get("labels") or ()),
        updated_at=_when(data["updated_at"]),
        closed_by_id=closed_by.get("id"),
        assignees=tuple((int(a["id"]), str(a["username"])) for a in data.get("assignees") or ()),
    )


def note_seen(data: dict[str, Any]) -> NoteSeen:
    author = data.get("author") or {}
    return NoteSeen(
        id=int(data["id"]),
        author_id=int(author.get("id") or 0),
        author=str(author.get("username") or ""),
        body=str(data.get("body") or ""),
        internal=bool(data.get("internal") or data.get("confidential")),
        system=bool(data.get("system")),
        created_at=_when(data["created_at"]),
        updated_at=_when(data.get("updated_at") or data["created_at"]),
    )


class GitLabReader(GitLabTracker):
    """The tracker, plus the reads the sync needs; one per process, shared by threads."""

    _user_id: int | None = None

    def _issues(self, project: str) -> str:
        return f"/projects/{encoded_id(project)}/issues"

    def bot_user_id(self) -> int:
        """Who the bot is in GitLab: what that user does is never re-imported."""
        if self._user_id is None:
            self._user_id = int(_json(self._gl.http_get("/user", **self._call))["id"])
        return self._user_id

    def issue(self, project: str, iid: int) -> IssueSeen | None:
        from gitlab.exceptions import GitlabGetError

        try:
            data = self._gl.http_get(f"{self._issues(project)}/{iid}", **self._call)
        except GitlabGetError as error:
            if error.response_code == 404:
                return None
            raise
        return issue_seen(_json(data))

    def notes(self, project: str, iid: int) -> list[NoteSeen]:
        query = {"sort": "asc", "order_by": "created_at", "per_page": 100}
        rows = self._gl.http_list(
            f"{self._issues(project)}/{iid}/notes", query_data=query, get_all=True, **self._call
        )
        return [note_seen(row) for row in rows]

    def updated_since(self, project: str, since: datetime | None) -> list[IssueSeen]:
        """The issues updated at or after `since` (GitLab's `updated_after` is inclusive)."""
        query: dict[str, Any] = {"order_by": "updated_at", "sort": "asc", "per_page": 100}
        query["state"] = "all"
        if since is not None:
            query["updated_after"] = since.isoformat()
        rows = self._gl.http_list(
            self._issues(project), query_data=query, get_all=True, **self._call
        )
        return [issue_seen(row) for row in rows]

    def hooks(self, project: str) -> list[dict[str, Any]]:
        """The project's webhooks, as GitLab shows them (events, URL, whether disabled)."""
        path = f"/projects/{encoded_id(project)}/hooks"
        return list(self._gl.http_list(path, get_all=True, **self._call))


def _json(answer: Any) -> dict[str, Any]:
    """A GitLab API answer as the JSON object it is (python-gitlab types it loosely)."""
    if not isinstance(answer, dict):
        raise TypeError(f"GitLab answered {type(answer).__name__}, not a JSON object")
    return answer
