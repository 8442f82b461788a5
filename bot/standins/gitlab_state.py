"""In-memory state of the fake GitLab API v4: projects, issues, notes, labels, templates.

Kept apart from the routes (``gitlab_routes``) and from HTTP and fault injection
(``gitlab_api``) so the data model reads on its own: nothing here touches sockets or
threads (the caller holds the lock). Objects are rendered as docs.gitlab.com describes them
(Issues, Notes, Labels, Project templates, Users) closely enough for python-gitlab and for
tests that assert on the fields the bot uses.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

# Fields real GitLab returns that the fake never changes (merged into every new object).
_PROJECT_FIXED = {"description": "", "default_branch": "main", "visibility": "private"}
_ISSUE_FIXED: dict[str, Any] = {
    "milestone": None,
    "type": "ISSUE",
    "issue_type": "issue",
    "severity": "UNKNOWN",
}
_ISSUE_FIXED |= {"merge_requests_count": 0, "upvotes": 0, "downvotes": 0}
_ISSUE_FIXED |= {"closed_at": None, "closed_by": None, "discussion_locked": None}
_LABEL_FIXED: dict[str, Any] = {
    "text_color": "#FFFFFF",
    "description": None,
    "description_html": "",
}
_LABEL_FIXED |= {"subscribed": False, "priority": None, "is_project_label": True}


class ApiError(Exception):
    """Raised by handlers to answer with an error status and a GitLab-shaped body."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


@dataclass
class ApiRequest:
    """A request below ``/api/v4``; ``path`` is still URL-encoded, as GitLab routes it."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> Any:
        """Value from the JSON/form body, else the last query value, else None."""
        if name in self.body:
            return self.body[name]
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass
class ApiResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Project:
    """One project: its API dict plus everything hanging off it."""

    data: dict[str, Any]
    templates: dict[str, str]
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    next_iid: int = 1
    hooks: list[dict[str, Any]] = field(default_factory=list)


def now_iso() -> str:
    """GitLab's timestamp format: UTC, milliseconds, ``Z`` suffix."""
    return now_iso_of(datetime.now(UTC))


def now_iso_of(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_bool(name: str, value: Any) -> bool:
    """Accept JSON booleans and the strings GitLab's Grape layer accepts."""
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1", "yes", "t"):
        return True
    if str(value).lower() in ("false", "0", "no", "f"):
        return False
    raise ApiError(400, {"error": f"{name} is invalid"})


def parse_list(value: Any) -> list[str]:
    """Labels arrive as a JSON array or a comma string; normalise to unique names."""
    items = value if isinstance(value, list) else str(value).split(",")
    names = [str(item).strip() for item in items]
    return list(dict.fromkeys(name for name in names if name))


def parse_int(name: str, value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, {"error": f"{name} is invalid"}) from None


class GitLabState:
    """All projects, issues, notes and labels, and how the API renders them.

    Ids are deliberately drawn from different ranges (projects 101+, labels 501+, issues
    9001+, notes 70001+) so code that confuses an issue ``id`` with its ``iid`` fails.
    """

    def __init__(self, user: dict[str, Any]) -> None:
        self.base_url = "http://127.0.0.1:0"  # replaced by the server once it has a port
        self.user = user
        self.projects: dict[int, Project] = {}
        self._ids = {"project": 100, "label": 500, "issue": 9000, "note": 70000, "hook": 300}
        self.people: dict[int, dict[str, Any]] = {}  # GitLab users other than the API's
        # Who the next change is made by (a person, in tests); the API's user otherwise.
        self.actor: dict[str, Any] | None = None
        # What changed, for webhook deliveries: (kind, project, issue, note, user, changes).
        self.emitted: list[tuple[str, Project, dict, dict | None, dict, dict]] = []
        self._last_stamp = ""

    def who(self) -> dict[str, Any]:
        return copy.deepcopy(self.actor or self.user)

    def stamp(self) -> str:
        """``now_iso``, but strictly increasing: two changes never share an ``updated_at``."""
        stamp = now_iso()
        if stamp <= self._last_stamp:
            last = datetime.fromisoformat(self._last_stamp)
            stamp = now_iso_of(last + timedelta(milliseconds=1))
        self._last_stamp = stamp
        return stamp

    def emit(self, kind: str, project: Project, issue: dict, note: dict | None = None,
             changes: dict | None = None) -> None:  # fmt: skip
        self.emitted.append((kind, project, issue, note, self.who(), changes or {}))

    # ----------------------------------------------------------------- state API
    def _next_id(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    def add_project(
        self, path: str, *, id: int | None, templates: Mapping[str, str], labels: Iterable[str]
    ) -> Project:
        if self.find_project(path) is not None:
            raise ValueError(f"project {path!r} already exists")
        if id in self.projects:
            raise ValueError(f"project id {id} already in use")
        project_id = id
        while project_id is None or project_id in self.projects:  # skip ids taken explicitly
            project_id = self._next_id("project")
        namespace, _, name = path.rpartition("/")
        data = _PROJECT_FIXED | {
            "id": project_id,
            "name": name,
            "path": name,
            "path_with_namespace": path,
            "name_with_namespace": path.replace("/", " / "),
            "namespace": {"id": 1, "name": namespace, "path": namespace, "full_path": namespace},
            "created_at": now_iso(),
        }
        project = Project(data=data, templates=dict(templates))
        self.projects[project_id] = project
        for label in labels:
            self.ensure_label(project, label)
        return project

    def find_project(self, ref: str | int) -> Project | None:
        """Look a project up by numeric id or by (URL-decoded) path, as GitLab does."""
        text = unquote(str(ref))
        if text.isdigit():
            return self.projects.get(int(text))
        return next(
            (p for p in self.projects.values() if p.data["path_with_namespace"] == text), None
        )

    def ensure_label(self, project: Project, name: str, color: str = "#6699cc") -> dict:
        """GitLab creates unknown labels on first use; mirror that so label lists agree."""
        if name not in project.labels:
            label = {"id": self._next_id("label"), "name": name, "color": color}
            project.labels[name] = label | copy.deepcopy(_LABEL_FIXED)
        return project.labels[name]

    def create_issue(self, project: Project, fields: Mapping[str, Any]) -> dict[str, Any]:
        title = fields.get("title")
        if title is None or not str(title).strip():
            raise ApiError(400, {"message": {"title": ["can't be blank"]}})
        check_title_length(str(title))
        # Parse everything before touching state, so a 400 leaves no trace behind.
        confidential = parse_bool("confidential", fields.get("confidential") or False)
        assignees = self._assignees(fields.get("assignee_ids"))
        labels = parse_list(fields.get("labels") or [])
        for label in labels:
            self.ensure_label(project, label)
        iid, stamp = project.next_iid, self.stamp()
        project.next_iid += 1
        issue = copy.deepcopy(_ISSUE_FIXED) | {
            "id": self._next_id("issue"),
            "iid": iid,
            "project_id": project.data["id"],
            "title": str(title),
            "description": fields.get("description") or "",
            "state": "opened",
            "created_at": stamp,
            "updated_at": stamp,
            "labels": sorted(labels),
            "assignees": assignees,
            "assignee": assignees[0] if assignees else None,
            "author": self.who(),
            "user_notes_count": 0,
            "due_date": fields.get("due_date"),
            "confidential": confidential,
        }
        project.issues[iid] = issue
        project.notes[iid] = []
        self.emit("issue", project, issue, changes={"action": "open"})
        return issue

    def render_issue(self, project: Project, issue: Mapping[str, Any]) -> dict[str, Any]:
        """Copy of the stored issue plus the URL-derived fields (the port is known late)."""
        path = project.data["path_with_namespace"]
        web_url = f"{self.base_url}/{path}/-/issues/{issue['iid']}"
        api = f"{self.base_url}/api/v4/projects/{project.data['id']}/issues/{issue['iid']}"
        ref = f"#{issue['iid']}"
        return copy.deepcopy(dict(issue)) | {
            "web_url": web_url,
            "references": {"short": ref, "relative": ref, "full": f"{path}{ref}"},
            "_links": {"self": api, "notes": f"{api}/notes", "project": api.rsplit("/", 2)[0]},
        }

    def render_project(self, project: Project) -> dict[str, Any]:
        web_url = f"{self.base_url}/{project.data['path_with_namespace']}"
        return copy.deepcopy(project.data) | {"web_url": web_url}

    def render_label(self, project: Project, label: Mapping[str, Any]) -> dict[str, Any]:
        issues = [i for i in project.issues.values() if label["name"] in i["labels"]]
        return copy.deepcopy(dict(label)) | {
            "open_issues_count": sum(i["state"] == "opened" for i in issues),
            "closed_issues_count": sum(i["state"] == "closed" for i in issues),
            "open_merge_requests_count": 0,
        }

    def _assignees(self, value: Any) -> list[dict[str, Any]]:
        if value in (None, "", []):
            return []
        raw = value if isinstance(value, list) else str(value).split(",")
        ids = [parse_int("assignee_ids", item, 0) for item in raw]
        fallback = {i: {"id": i, "username": f"user{i}", "name": f"User {i}"} for i in ids}
        return [copy.deepcopy(self.people.get(i, fallback[i])) for i in ids]


TITLE_MAX = 255  # GitLab's limit on an issue title, in characters


def check_title_length(title: str) -> None:
    if len(title) > TITLE_MAX:
        raise ApiError(
            400, {"message": {"title": [f"is too long (maximum is {TITLE_MAX} characters)"]}}
        )
