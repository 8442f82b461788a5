"""Webhooks of the fake GitLab: people acting on issues, and the deliveries that follow.

Every change (through the API, or by a person here) becomes a delivery to each project hook
subscribed to its event, shaped as docs.gitlab.com's "Webhook events" page shows it: issue
events (``Issue Hook``, or ``Confidential Issue Hook`` for a confidential issue) and comments
(``Note Hook``, or ``Confidential Note Hook`` for a comment on a confidential issue or an
internal note), with GitLab's headers (``X-Gitlab-Token``, ``X-Gitlab-Event``,
``X-Gitlab-Event-UUID``, ``X-Gitlab-Webhook-UUID``, ``Idempotency-Key``). An API call that
sends ``X-Gitlab-Event-UUID`` back fires no hook (GitLab's recursion detection).

Deliveries are queued, not sent: a test takes them (``outgoing``) and sends them as it likes,
duplicated, reordered or not at all (``send``).
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import requests

from bot.standins.gitlab_routes import GitLabRoutes
from bot.standins.gitlab_state import ApiRequest, Project

HEADERS = {
    ("issue", False): "Issue Hook",
    ("issue", True): "Confidential Issue Hook",
    ("note", False): "Note Hook",
    ("note", True): "Confidential Note Hook",
}
SUBSCRIPTION = {
    "Issue Hook": "issues_events",
    "Confidential Issue Hook": "confidential_issues_events",
    "Note Hook": "note_events",
    "Confidential Note Hook": "confidential_note_events",
}


@dataclass
class Delivery:
    url: str
    headers: dict[str, str]
    body: bytes
    event: str
    status: int | None = None

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


def _user(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": user["id"],
        "name": user.get("name", user["username"]),
        "username": user["username"],
        "avatar_url": None,
        "email": "[REDACTED]",
    }


def _project(state: GitLabRoutes, project: Project) -> dict[str, Any]:
    rendered = state.render_project(project)
    web = rendered["web_url"]
    return {
        "id": rendered["id"],
        "name": rendered["name"],
        "description": rendered["description"],
        "web_url": web,
        "avatar_url": None,
        "git_ssh_url": f"git@example.com:{rendered['path_with_namespace']}.git",
        "git_http_url": f"{web}.git",
        "namespace": rendered["namespace"]["name"],
        "visibility_level": 0,
        "path_with_namespace": rendered["path_with_namespace"],
        "default_branch": rendered["default_branch"],
        "ci_config_path": None,
        "homepage": web,
        "url": f"git@example.com:{rendered['path_with_namespace']}.git",
        "ssh_url": f"git@example.com:{rendered['path_with_namespace']}.git",
        "http_url": f"{web}.git",
    }


def _labels(project: Project, names: list[str]) -> list[dict[str, Any]]:
    found = [project.labels[name] for name in names if name in project.labels]
    return [
        {
            "id": label["id"],
            "title": label["name"],
            "color": label["color"],
            "project_id": project.data["id"],
            "description": label["description"],
            "type": "ProjectLabel",
            "group_id": None,
        }
        for label in found
    ]


def _issue_attributes(state: GitLabRoutes, project: Project, issue: dict) -> dict[str, Any]:
    rendered = state.render_issue(project, issue)
    return {
        "author_id": issue["author"]["id"],
        "closed_at": issue["closed_at"],
        "confidential": issue["confidential"],
        "created_at": issue["created_at"],
        "description": issue["description"],
        "id": issue["id"],
        "iid": issue["iid"],
        "project_id": project.data["id"],
        "state": issue["state"],
        "state_id": 1 if issue["state"] == "opened" else 2,
        "title": issue["title"],
        "updated_at": issue["updated_at"],
        "url": rendered["web_url"],
        "labels": _labels(project, issue["labels"]),
        "assignee_ids": [a["id"] for a in issue["assignees"]],
        "assignee_id": issue["assignees"][0]["id"] if issue["assignees"] else None,
        "type": "Issue",
    }


def payload(
    state: GitLabRoutes,
    kind: str,
    project: Project,
    issue: dict,
    note: dict | None,
    user: dict,
    changes: dict,
) -> tuple[str, dict[str, Any]]:
    """(X-Gitlab-Event, body) of one change, as GitLab sends it."""
    changes = dict(changes)
    action = changes.pop("action", "update")
    common = {
        "user": _user(user),
        "project": _project(state, project),
        "repository": {
            "name": project.data["name"],
            "url": f"git@example.com:{project.data['path_with_namespace']}.git",
            "description": "",
            "homepage": state.render_project(project)["web_url"],
        },
    }
    attributes = _issue_attributes(state, project, issue)
    if kind == "issue":
        confidential = issue["confidential"]
        if "labels" in changes:
            changes["labels"] = {
                when: _labels(project, names) for when, names in changes["labels"].items()
            }
        body = {
            "object_kind": "issue",
            "event_type": "confidential_issue" if confidential else "issue",
            **common,
            "object_attributes": {**attributes, "action": action},
            "labels": attributes["labels"],
            "changes": changes,
            "assignees": [_user(a) for a in issue["assignees"]],
        }
    else:
        assert note is not None
        confidential = issue["confidential"] or note["internal"]
        body = {
            "object_kind": "note",
            "event_type": "confidential_note" if confidential else "note",
            **common,
            "project_id": project.data["id"],
            "object_attributes": {
                "id": note["id"],
                "note": note["body"],
                "noteable_type": "Issue",
                "author_id": note["author"]["id"],
                "created_at": note["created_at"],
                "updated_at": note["updated_at"],
                "project_id": project.data["id"],
                "attachment": None,
                "line_code": None,
                "commit_id": None,
                "noteable_id": issue["id"],
                "system": False,
                "st_diff": None,
                "internal": note["internal"],
                "confidential": note["internal"],
                "url": f"{attributes['url']}#note_{note['id']}",
                "action": action,
            },
            "issue": attributes,
        }
    return HEADERS[(kind, confidential)], body


class Webhooks:
    """The fake GitLab's hooks, its people and its deliveries (mixed into FakeGitLab)."""

    _state: GitLabRoutes
    _lock: threading.RLock | threading.Lock

    def _init_hooks(self) -> None:
        self._outgoing: list[Delivery] = []
        self.suppressed = 0  # changes that fired no hook: the call sent the event's UUID back
        self._people: dict[str, dict[str, Any]] = {}

    # -- people ----------------------------------------------------------------------------
    def person(self, username: str) -> dict[str, Any]:
        """A GitLab user other than the API's (a SIRT engineer, or a customer's account)."""
        with self._lock:
            if username not in self._people:
                user_id = 2000 + len(self._people)
                self._people[username] = {"id": user_id, "username": username, "name": username}
                self._state.people[user_id] = self._people[username]
            return copy.deepcopy(self._people[username])

    def _as(self, username: str):
        self._state.actor = self.person(username) if username else None

    def comment(
        self, project: str, iid: int, body: str, *, by: str, internal: bool = False
    ) -> dict[str, Any]:
        """`by` writes a comment (an internal note when `internal`)."""
        response = self.act(by, "POST", project, f"/issues/{iid}/notes", body=body,
                            internal=internal)  # fmt: skip
        return response

    def edit_note(self, project: str, iid: int, note_id: int, body: str, *, by: str) -> None:
        with self._lock:
            proj, issue = self._issue_of(project, iid)
            note = next(n for n in proj.notes[iid] if n["id"] == note_id)
            self._as(by)
            stamp = self._state.stamp()
            note.update(body=body, updated_at=stamp)
            issue["updated_at"] = stamp
            self._state.emit("note", proj, issue, note, changes={"action": "update"})
            self._state.actor = None
            self._collect(None)

    def delete_note(self, project: str, iid: int, note_id: int) -> None:
        """GitLab fires no hook for a deleted comment; the issue is touched."""
        with self._lock:
            proj, issue = self._issue_of(project, iid)
            proj.notes[iid] = [n for n in proj.notes[iid] if n["id"] != note_id]
            issue["updated_at"] = self._state.stamp()

    def change_issue(self, project: str, iid: int, *, by: str, **fields: Any) -> dict[str, Any]:
        """`by` edits the issue: state_event, confidential, add_labels, remove_labels,
        assignee_ids (as the Issues API takes them)."""
        return self.act(by, "PUT", project, f"/issues/{iid}", **fields)

    def act(self, by: str, method: str, project: str, path: str, **body: Any) -> dict[str, Any]:
        with self._lock:
            proj = self._state.find_project(project)
            assert proj is not None, project
            self._as(by)
            try:
                request = ApiRequest(method, f"/projects/{proj.data['id']}{path}", {}, body)
                response = self._state.dispatch(request)
            finally:
                self._state.actor = None
            assert response.status < 300, response.body
            self._collect(None)
            return response.body

    def _issue_of(self, project: str, iid: int) -> tuple[Project, dict[str, Any]]:
        proj = self._state.find_project(project)
        assert proj is not None, project
        return proj, proj.issues[iid]

    # -- hooks and deliveries --------------------------------------------------------------
    def add_hook(self, project: str, url: str, *, token: str, **events: bool) -> dict:
        """A project hook, as an owner would create it (events default as GitLab's form)."""
        return self.act("", "POST", project, "/hooks", url=url, token=token, **events)

    def disable_hook(self, project: str, *, for_good: bool = False) -> None:
        """As GitLab does after 4 failures in a row (temporarily) or 40 (for good)."""
        with self._lock:
            for hook in self._state.find_project(project).hooks:  # type: ignore[union-attr]
                hook["alert_status"] = "disabled" if for_good else "temporarily_disabled"
                hook["disabled_until"] = None if for_good else "2099-01-01T00:00:00.000Z"

    def _collect(self, echoed_uuid: str | None) -> None:
        """Turns what changed into deliveries (the caller holds the lock)."""
        emitted, self._state.emitted = self._state.emitted, []
        if echoed_uuid:
            self.suppressed += len(emitted)
            return
        for kind, project, issue, note, user, changes in emitted:
            event, body = payload(self._state, kind, project, issue, note, user, changes)
            event_uuid = str(uuid.uuid4())
            for hook in project.hooks:
                if not hook.get(SUBSCRIPTION[event]) or hook["alert_status"] != "executable":
                    continue
                headers = {
                    "Content-Type": "application/json",
                    "User-Agent": "GitLab/17.5.0-ee",
                    "X-Gitlab-Event": event,
                    "X-Gitlab-Token": hook["token"],
                    "X-Gitlab-Instance": self._state.base_url,
                    "X-Gitlab-Webhook-UUID": f"hook-{hook['id']}",
                    "X-Gitlab-Event-UUID": event_uuid,
                    "Idempotency-Key": str(uuid.uuid4()),
                }
                self._outgoing.append(
                    Delivery(hook["url"], headers, json.dumps(body).encode(), event)
                )

    def outgoing(self) -> list[Delivery]:
        """The deliveries made since the last call, in the order GitLab made them."""
        with self._lock:
            taken, self._outgoing = self._outgoing, []
            return taken

    @staticmethod
    def send(delivery: Delivery, *, timeout: float = 10.0) -> int:
        """Posts one delivery as GitLab does; its status is kept on it."""
        response = requests.post(
            delivery.url, data=delivery.body, headers=delivery.headers, timeout=timeout
        )
        delivery.status = response.status_code
        return response.status_code

    def send_all(self) -> list[Delivery]:
        sent = self.outgoing()
        for delivery in sent:
            self.send(delivery)
        return sent
