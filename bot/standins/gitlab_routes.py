"""The routes of the fake GitLab API v4 (served by ``gitlab_api``) over its state.

Handlers take an already parsed :class:`~bot.standins.gitlab_state.ApiRequest` and return
an :class:`~bot.standins.gitlab_state.ApiResponse`; unknown routes answer 404 as GitLab's
catch-all does. Paging follows python-gitlab's headers (X-Total, X-Next-Page, Link).
"""

from __future__ import annotations

import copy
import math
import operator
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlencode

from bot.standins.gitlab_state import (
    ApiError,
    ApiRequest,
    ApiResponse,
    GitLabState,
    Project,
    check_title_length,
    now_iso,
    parse_bool,
    parse_int,
    parse_list,
)

_P = r"/projects/(?P<project>[^/]+)"
_ISSUE = _P + r"/issues/(?P<iid>\d+)"
_UPDATABLE: tuple[str, ...] = (
    "title",
    "description",
    "confidential",
    "labels",
    "add_labels",
    "remove_labels",
)
_UPDATABLE += ("state_event", "assignee_ids")
# Note fields real GitLab returns that the fake never changes (merged into every new note).
_NOTE_FIXED: dict[str, Any] = {
    "type": None,
    "attachment": None,
    "system": False,
    "resolvable": False,
}
_NOTE_FIXED |= {"noteable_type": "Issue", "imported": False, "imported_from": "none"}


def _moment(text: str, name: str = "date") -> datetime:
    try:
        return datetime.fromisoformat(text.replace(" ", "+"))
    except ValueError:
        raise ApiError(400, {"error": f"{name} is invalid"}) from None


class GitLabRoutes(GitLabState):
    """The state plus the API routes over it: :meth:`dispatch` answers one request."""

    def __init__(self, user: dict[str, Any]) -> None:
        super().__init__(user)
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
            ("GET", re.compile(_P + r"/hooks"), self._list_hooks),
            ("POST", re.compile(_P + r"/hooks"), self._add_hook),
        ]

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
        for field in ("created_at", "updated_at"):  # `*_after` and `*_before` are inclusive
            for name, keep in (("_after", operator.ge), ("_before", operator.le)):
                if bound := request.param(field.replace("_at", name)):
                    moment = _moment(str(bound), field.replace("_at", name))
                    issues = [i for i in issues if keep(_moment(i[field]), moment)]
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
            check_title_length(str(body["title"]))
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
        stamp, action = self.stamp(), "update"
        if event == "close" and updated["state"] != "closed":
            updated |= {"state": "closed", "closed_at": stamp, "closed_by": self.who()}
            action = "close"
        elif event == "reopen" and updated["state"] != "opened":
            updated |= {"state": "opened", "closed_at": None, "closed_by": None}
            action = "reopen"
        for label in updated["labels"]:
            self.ensure_label(proj, label)
        changes = {
            name: {"previous": issue[name], "current": updated[name]}
            for name in ("title", "description", "confidential", "labels", "state", "assignees")
            if issue[name] != updated[name]
        }
        issue.clear()
        issue.update(updated, updated_at=stamp)
        if changes:
            self.emit("issue", proj, issue, changes={"action": action, **changes})
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
        stamp = self.stamp()
        note = copy.deepcopy(_NOTE_FIXED) | {
            "id": self._next_id("note"),
            "body": str(body),
            "author": self.who(),
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
        issue["updated_at"] = stamp  # a comment touches its issue
        self.emit("note", proj, issue, note, changes={"action": "create"})
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

    # -------------------------------------------------------------------- webhooks
    _HOOK_EVENTS: tuple[str, ...] = ("issues_events", "confidential_issues_events", "note_events")
    _HOOK_EVENTS += ("confidential_note_events", "push_events", "merge_requests_events")

    def _list_hooks(self, request: ApiRequest, project: str) -> ApiResponse:
        hooks = [{k: v for k, v in h.items() if k != "token"} for h in self._project(project).hooks]
        return self._paginate(request, copy.deepcopy(hooks))

    def _add_hook(self, request: ApiRequest, project: str) -> ApiResponse:
        proj = self._project(project)
        url = request.body.get("url")
        if not url:
            raise ApiError(400, {"error": "url is missing"})
        hook = {
            "id": self._next_id("hook"),
            "url": str(url),
            "project_id": proj.data["id"],
            "created_at": now_iso(),
            "enable_ssl_verification": True,
            "alert_status": "executable",
            "disabled_until": None,
            "token": str(request.body.get("token") or ""),  # kept; GitLab never shows it
        }
        for name in self._HOOK_EVENTS:
            default = name == "push_events"
            hook[name] = parse_bool(name, request.body.get(name, default))
        proj.hooks.append(hook)
        return ApiResponse(201, {k: v for k, v in hook.items() if k != "token"})
