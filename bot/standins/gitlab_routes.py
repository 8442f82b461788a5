"""In-memory state and route handlers of the fake GitLab API v4 (served by ``gitlab_api``).

Kept apart from the HTTP and fault-injection layer so the data model reads on its own:
handlers take an already parsed :class:`ApiRequest` and return an :class:`ApiResponse`;
nothing here touches sockets or threads (the caller holds the lock). Response shapes
follow docs.gitlab.com (Issues, Notes, Labels, Project templates, Users) closely enough
for python-gitlab and for tests that assert on the fields the bot uses.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlencode

_P = r"/projects/(?P<project>[^/]+)"
_ISSUE = _P + r"/issues/(?P<iid>\d+)"
_UPDATABLE = ("title", "description", "confidential", "labels", "add_labels", "remove_labels")
_UPDATABLE += ("state_event", "assignee_ids")
# Fields real GitLab returns that the fake never changes (merged into every new object).
_PROJECT_FIXED = {"description": "", "default_branch": "main", "visibility": "private"}
_ISSUE_FIXED = {"milestone": None, "type": "ISSUE", "issue_type": "issue", "severity": "UNKNOWN"}
_ISSUE_FIXED |= {"merge_requests_count": 0, "upvotes": 0, "downvotes": 0}
_ISSUE_FIXED |= {"closed_at": None, "closed_by": None, "discussion_locked": None}
_NOTE_FIXED = {"type": None, "attachment": None, "system": False, "resolvable": False}
_NOTE_FIXED |= {"noteable_type": "Issue", "imported": False, "imported_from": "none"}
_LABEL_FIXED = {"text_color": "#FFFFFF", "description": None, "description_html": ""}
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


def now_iso() -> str:
    """GitLab's timestamp format: UTC, milliseconds, ``Z`` suffix."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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
    """All projects, issues, notes and labels, plus the router over them.

    Ids are deliberately drawn from different ranges (projects 101+, labels 501+, issues
    9001+, notes 70001+) so code that confuses an issue ``id`` with its ``iid`` fails.
    """

    def __init__(self, user: dict[str, Any]) -> None:
        self.base_url = "http://127.0.0.1:0"  # replaced by the server once it has a port
        self.user = user
        self.projects: dict[int, Project] = {}
        self._ids = {"project": 100, "label": 500, "issue": 9000, "note": 70000}
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., ApiResponse]]] = [
            ("GET", re.compile(r"/user"), self._get_user),
            ("GET", re.compile(r"/version"), self._get_version),
            ("GET", re.compile(_P), self._get_project),
            ("GET", re.compile(_P + r"/issues"), self._list_issues),
            ("POST", re.compile(_P + r"/issues"), self._create_issue),
            ("GET", re.compile(_ISSUE), self._get_issue),
            ("PUT", re.compile(_ISSUE), self._update_issue),
            ("GET", re.compile(_ISSUE + r"/notes"), self._list_notes),
            ("POST", re.compile(_ISSUE + r"/notes"), self._create_note),
            ("GET", re.compile(_P + r"/templates/issues"), self._list_templates),
            ("GET", re.compile(_P + r"/templates/issues/(?P<name>[^/]+)"), self._get_template),
            ("GET", re.compile(_P + r"/labels"), self._list_labels),
            ("POST", re.compile(_P + r"/labels"), self._create_label),
        ]

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
        # Parse everything before touching state, so a 400 leaves no trace behind.
        confidential = parse_bool("confidential", fields.get("confidential") or False)
        assignees = self._assignees(fields.get("assignee_ids"))
        labels = parse_list(fields.get("labels") or [])
        for label in labels:
            self.ensure_label(project, label)
        iid, stamp = project.next_iid, now_iso()
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
            "author": copy.deepcopy(self.user),
            "user_notes_count": 0,
            "due_date": fields.get("due_date"),
            "confidential": confidential,
        }
        project.issues[iid] = issue
        project.notes[iid] = []
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
        return [{"id": i, "username": f"user{i}", "name": f"User {i}"} for i in ids]

    # ------------------------------------------------------------------- routing
    def dispatch(self, request: ApiRequest) -> ApiResponse:
        """Route one request; unknown routes answer 404 like GitLab's catch-all."""
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(request.path)
            if match and method == request.method:
                try:
                    return handler(request, **match.groupdict())
                except ApiError as error:
                    return ApiResponse(error.status, error.body)
        return ApiResponse(404, {"error": "404 Not Found"})

    def _project(self, ref: str) -> Project:
        project = self.find_project(ref)
        if project is None:
            raise ApiError(404, {"message": "404 Project Not Found"})
        return project

    def _issue(self, project: Project, iid: str) -> dict[str, Any]:
        issue = project.issues.get(int(iid))
        if issue is None:
            raise ApiError(404, {"message": "404 Not found"})
        return issue

    def _paginate(self, request: ApiRequest, items: list[Any]) -> ApiResponse:
        """Slice ``items`` and emit the X-* and Link headers python-gitlab follows."""
        per_page = min(max(parse_int("per_page", request.param("per_page"), 20), 1), 100)
        page = max(parse_int("page", request.param("page"), 1), 1)
        total_pages = max(1, math.ceil(len(items) / per_page))
        headers = {
            "X-Total": str(len(items)),
            "X-Total-Pages": str(total_pages),
            "X-Per-Page": str(per_page),
            "X-Page": str(page),
            "X-Next-Page": str(page + 1) if page < total_pages else "",
            "X-Prev-Page": str(page - 1) if page > 1 else "",
        }

        def link(target: int, rel: str) -> str:
            query = {k: v for k, v in request.query.items() if k not in ("page", "per_page")}
            query |= {"page": [str(target)], "per_page": [str(per_page)]}
            url = f"{self.base_url}/api/v4{request.path}?{urlencode(query, doseq=True)}"
            return f'<{url}>; rel="{rel}"'

        links = [link(page - 1, "prev")] if page > 1 else []
        links += [link(page + 1, "next")] if page < total_pages else []
        headers["Link"] = ", ".join([*links, link(1, "first"), link(total_pages, "last")])
        return ApiResponse(200, items[(page - 1) * per_page : page * per_page], headers)

    # ------------------------------------------------------------------ handlers
    def _get_user(self, request: ApiRequest) -> ApiResponse:
        return ApiResponse(200, copy.deepcopy(self.user))

    def _get_version(self, request: ApiRequest) -> ApiResponse:
        return ApiResponse(200, {"version": "17.5.0-ee", "revision": "fake0000"})

    def _get_project(self, request: ApiRequest, project: str) -> ApiResponse:
        return ApiResponse(200, self.render_project(self._project(project)))

    def _list_issues(self, request: ApiRequest, project: str) -> ApiResponse:
        proj = self._project(project)
        issues = list(proj.issues.values())
        state = request.param("state") or "all"
        if state not in ("opened", "closed", "all"):
            raise ApiError(400, {"error": "state does not have a valid value"})
        if state != "all":
            issues = [i for i in issues if i["state"] == state]
        if (labels := request.param("labels")) is not None:
            wanted = parse_list(labels)
            if wanted == ["None"]:
                issues = [i for i in issues if not i["labels"]]
            elif wanted == ["Any"]:
                issues = [i for i in issues if i["labels"]]
            else:
                issues = [i for i in issues if set(wanted) <= set(i["labels"])]
        if iids := request.query.get("iids[]"):
            issues = [i for i in issues if str(i["iid"]) in iids]
        if (confidential := request.param("confidential")) is not None:
            flag = parse_bool("confidential", confidential)
            issues = [i for i in issues if i["confidential"] == flag]
        if search := request.param("search"):
            scopes = parse_list(request.param("in") or "title,description")
            needle = str(search).lower()
            issues = [i for i in issues if any(needle in (i.get(s) or "").lower() for s in scopes)]
        order_by = request.param("order_by") or "created_at"
        key = "updated_at" if order_by == "updated_at" else "id"
        issues.sort(key=lambda i: (i[key], i["id"]), reverse=request.param("sort") != "asc")
        return self._paginate(request, [self.render_issue(proj, i) for i in issues])

    def _create_issue(self, request: ApiRequest, project: str) -> ApiResponse:
        proj = self._project(project)
        return ApiResponse(201, self.render_issue(proj, self.create_issue(proj, request.body)))

    def _get_issue(self, request: ApiRequest, project: str, iid: str) -> ApiResponse:
        proj = self._project(project)
        return ApiResponse(200, self.render_issue(proj, self._issue(proj, iid)))

    def _update_issue(self, request: ApiRequest, project: str, iid: str) -> ApiResponse:
        proj = self._project(project)
        issue = self._issue(proj, iid)
        body = request.body
        if not any(name in body for name in _UPDATABLE):
            missing = ", ".join(_UPDATABLE) + " are missing"
            raise ApiError(400, {"error": f"{missing}, at least one parameter must be provided"})
        updated = copy.deepcopy(issue)  # validate everything before mutating anything
        if "title" in body:
            if not str(body["title"] or "").strip():
                raise ApiError(400, {"message": {"title": ["can't be blank"]}})
            updated["title"] = str(body["title"])
        if "description" in body:
            updated["description"] = body["description"] or ""
        if "confidential" in body:
            updated["confidential"] = parse_bool("confidential", body["confidential"])
        labels = list(updated["labels"])
        if "labels" in body:
            labels = parse_list(body["labels"] or [])
        labels += parse_list(body.get("add_labels") or [])
        removed = set(parse_list(body.get("remove_labels") or []))
        updated["labels"] = sorted({name for name in labels if name not in removed})
        if "assignee_ids" in body:
            updated["assignees"] = self._assignees(body["assignee_ids"])
            updated["assignee"] = (updated["assignees"] or [None])[0]
        event = body.get("state_event")
        if event not in (None, "close", "reopen"):
            raise ApiError(400, {"error": "state_event does not have a valid value"})
        stamp = now_iso()
        if event == "close" and updated["state"] != "closed":
            updated |= {"state": "closed", "closed_at": stamp, "closed_by": self.user}
        elif event == "reopen" and updated["state"] != "opened":
            updated |= {"state": "opened", "closed_at": None, "closed_by": None}
        for label in updated["labels"]:
            self.ensure_label(proj, label)
        issue.clear()
        issue.update(updated, updated_at=stamp)
        return ApiResponse(200, self.render_issue(proj, issue))

    def _list_notes(self, request: ApiRequest, project: str, iid: str) -> ApiResponse:
        proj = self._project(project)
        self._issue(proj, iid)
        key = "updated_at" if request.param("order_by") == "updated_at" else "id"
        newest_first = request.param("sort") != "asc"  # GitLab's default sort is desc
        notes = sorted(proj.notes[int(iid)], key=lambda n: (n[key], n["id"]), reverse=newest_first)
        return self._paginate(request, copy.deepcopy(notes))

    def _create_note(self, request: ApiRequest, project: str, iid: str) -> ApiResponse:
        proj = self._project(project)
        issue = self._issue(proj, iid)
        body = request.body.get("body")
        if body is None:
            raise ApiError(400, {"error": "body is missing"})
        if not str(body).strip():
            raise ApiError(400, {"message": {"note": ["can't be blank"]}})
        flag = request.body.get("internal", request.body.get("confidential", False))
        internal = parse_bool("internal", flag)
        stamp = now_iso()
        note = copy.deepcopy(_NOTE_FIXED) | {
            "id": self._next_id("note"),
            "body": str(body),
            "author": copy.deepcopy(self.user),
            "created_at": stamp,
            "updated_at": stamp,
            "noteable_id": issue["id"],
            "noteable_iid": issue["iid"],
            "project_id": proj.data["id"],
            "confidential": internal,
            "internal": internal,
        }
        proj.notes[issue["iid"]].append(note)
        issue["user_notes_count"] += 1
        return ApiResponse(201, copy.deepcopy(note))

    def _list_templates(self, request: ApiRequest, project: str) -> ApiResponse:
        names = sorted(self._project(project).templates)
        return self._paginate(request, [{"key": name, "name": name} for name in names])

    def _get_template(self, request: ApiRequest, project: str, name: str) -> ApiResponse:
        templates = self._project(project).templates
        key = unquote(name)
        if key not in templates:
            raise ApiError(404, {"message": "404 Template Not Found"})
        return ApiResponse(200, {"name": key, "content": templates[key]})

    def _list_labels(self, request: ApiRequest, project: str) -> ApiResponse:
        proj = self._project(project)
        labels = sorted(proj.labels.values(), key=lambda label: label["name"].lower())
        return self._paginate(request, [self.render_label(proj, label) for label in labels])

    def _create_label(self, request: ApiRequest, project: str) -> ApiResponse:
        proj = self._project(project)
        name, color = request.body.get("name"), request.body.get("color")
        for attr, value in (("name", name), ("color", color)):
            if value is None or not str(value).strip():
                raise ApiError(400, {"message": {attr: ["can't be blank"]}})
        if str(name) in proj.labels:
            raise ApiError(409, {"message": "Label already exists"})
        label = self.ensure_label(proj, str(name), str(color))
        label["description"] = request.body.get("description")
        return ApiResponse(201, self.render_label(proj, label))
