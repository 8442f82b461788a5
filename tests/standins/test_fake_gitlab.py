"""Self-tests of the fake GitLab, driven by the real python-gitlab client over HTTP.

If these pass, bot tests can trust that what python-gitlab does against the fake (and
how faults surface as exceptions) matches what it would do against a real GitLab.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import gitlab
import pytest
import requests
from gitlab.v4.objects import Project

from bot.standins.gitlab_api import FakeGitLab

PROJECT = "sec/cases"
TEMPLATES = {"Log request": "## Customer\n\n## Logs wanted\n", "Gap": "## Gap\n"}


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab() as server:
        server.add_project(PROJECT, templates=TEMPLATES, labels=("status::new",))
        yield server
        assert server.server_errors == []  # a bug in the fake must not hide behind a 500


@pytest.fixture
def gl(fake: FakeGitLab) -> Iterator[gitlab.Gitlab]:
    with gitlab.Gitlab(fake.url, private_token=fake.token, timeout=2) as client:
        yield client


def _project(gl: gitlab.Gitlab) -> Project:
    return gl.projects.get(PROJECT, lazy=True)


def test_auth_user_and_version(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    gl.auth()
    assert gl.user is not None and gl.user.username == "info-request-bot"
    assert gl.version()[0] == "17.5.0-ee"
    assert fake.requests("GET", r"/user$")[0].headers["PRIVATE-TOKEN"] == "glpat-test"


def test_wrong_token_is_an_authentication_error(fake: FakeGitLab) -> None:
    with (
        gitlab.Gitlab(fake.url, private_token="wrong", timeout=2) as bad,
        pytest.raises(gitlab.exceptions.GitlabAuthenticationError),
    ):
        bad.auth()
    assert fake.requests()[-1].status == 401


def test_bearer_token_is_accepted(fake: FakeGitLab) -> None:
    with gitlab.Gitlab(fake.url, oauth_token=fake.token, timeout=2) as client:
        client.auth()


def test_unknown_project_is_404(gl: gitlab.Gitlab) -> None:
    with pytest.raises(gitlab.exceptions.GitlabGetError) as caught:
        gl.projects.get("nobody/nothing")
    assert caught.value.response_code == 404
    with pytest.raises(gitlab.exceptions.GitlabCreateError):
        gl.projects.get("nobody/nothing", lazy=True).issues.create({"title": "x"})


def test_project_by_path_and_by_id(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    by_path = gl.projects.get(PROJECT)
    assert by_path.path_with_namespace == PROJECT
    assert gl.projects.get(by_path.id).web_url == f"{fake.url}/{PROJECT}"
    assert fake.requests("GET")[0].raw_path == "/api/v4/projects/sec%2Fcases"


def test_create_confidential_issue(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    issue = _project(gl).issues.create(
        {
            "title": "Logs for ACME",
            "description": "case 42",
            "confidential": True,
            "labels": ["status::new", "customer::acme"],
        }
    )
    assert (issue.iid, issue.state, issue.confidential) == (1, "opened", True)
    assert issue.id != issue.iid
    assert issue.web_url == f"{fake.url}/{PROJECT}/-/issues/1"
    stored = fake.issue(PROJECT, 1)
    assert stored["labels"] == ["customer::acme", "status::new"]
    assert stored["description"] == "case 42"
    assert {label["name"] for label in fake.labels(PROJECT)} >= {"customer::acme"}
    assert fake.requests("POST")[0].status == 201


def test_missing_title_and_malformed_json_are_400(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    with pytest.raises(gitlab.exceptions.GitlabHttpError) as caught:
        gl.http_post(f"/projects/{gl.projects.get(PROJECT).id}/issues", post_data={})
    assert caught.value.response_code == 400
    assert "title" in str(caught.value.error_message)
    raw = requests.post(
        f"{fake.url}/api/v4/projects/1/issues",
        data=b"{not json",
        headers={"PRIVATE-TOKEN": fake.token, "Content-Type": "application/json"},
        timeout=2,
    )
    assert raw.status_code == 400 and "error" in raw.json()
    assert fake.issues(PROJECT) == []


def test_list_with_search_labels_and_state(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    fake.add_issue(PROJECT, "ACME logs", labels=["status::new"])
    fake.add_issue(PROJECT, "Other", description="mentions acme", labels=["status::done"])
    fake.add_issue(PROJECT, "Closed acme", labels=["status::new"], state="closed")
    issues = _project(gl).issues
    assert {i.iid for i in issues.list(search="ACME", get_all=True)} == {1, 2, 3}
    assert {i.iid for i in issues.list(search="acme", labels=["status::new"], get_all=True)} == {
        1,
        3,
    }
    assert [i.iid for i in issues.list(search="acme", state="opened", get_all=True)] == [2, 1]
    assert [i.iid for i in issues.list(search="acme", **{"in": "title"}, get_all=True)] == [3, 1]
    assert fake.requests("GET", r"/issues$")[0].query_value("search") == "ACME"


def test_list_by_creation_time(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    first = fake.add_issue(PROJECT, "first")
    second = fake.add_issue(PROJECT, "second")
    issues = _project(gl).issues
    since = issues.list(created_after=second["created_at"], get_all=True)
    assert [i.iid for i in since] == [2]
    until = issues.list(created_before=first["created_at"], sort="asc", get_all=True)
    assert [i.iid for i in until] == [1]
    with pytest.raises(gitlab.GitlabListError) as refused:
        issues.list(created_after="yesterday", get_all=True)
    assert refused.value.response_code == 400 and "created_after" in str(refused.value)


def test_update_labels_and_close(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    fake.add_issue(PROJECT, "case", labels=["c", "keep"])
    _project(gl).issues.update(
        1, {"add_labels": "a,b", "remove_labels": "c", "state_event": "close"}
    )
    stored = fake.issue(PROJECT, 1)
    assert stored["labels"] == ["a", "b", "keep"]
    assert stored["state"] == "closed" and stored["closed_at"]
    _project(gl).issues.update(1, {"state_event": "reopen", "labels": ["x"]})
    assert fake.issue(PROJECT, 1)["labels"] == ["x"]
    assert fake.issue(PROJECT, 1)["state"] == "opened"


def test_internal_notes_and_ordering(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    issue = _project(gl).issues.create({"title": "case"})
    issue.notes.create({"body": "private", "internal": True})
    issue.notes.create({"body": "public"})
    issue.notes.create({"body": "legacy flag", "confidential": True})
    assert [(n["body"], n["internal"]) for n in fake.notes(PROJECT, 1)] == [
        ("private", True),
        ("public", False),
        ("legacy flag", True),
    ]
    newest_first = ["legacy flag", "public", "private"]  # GitLab's default sort is desc
    assert [n.body for n in issue.notes.list()] == newest_first
    assert [n.body for n in issue.notes.list(sort="asc")] == newest_first[::-1]
    assert fake.issue(PROJECT, 1)["user_notes_count"] == 3


def test_issue_templates(gl: gitlab.Gitlab) -> None:
    templates = _project(gl).issue_templates
    assert sorted(t.name for t in templates.list(get_all=True)) == ["Gap", "Log request"]
    assert templates.get("Log request").content == TEMPLATES["Log request"]
    with pytest.raises(gitlab.exceptions.GitlabGetError) as caught:
        templates.get("Missing")
    assert caught.value.response_code == 404


def test_labels_list_and_create(gl: gitlab.Gitlab) -> None:
    labels = _project(gl).labels
    labels.create({"name": "gap", "color": "#ff0000"})
    assert {label.name for label in labels.list(get_all=True)} == {"gap", "status::new"}
    with pytest.raises(gitlab.exceptions.GitlabCreateError) as caught:
        labels.create({"name": "gap", "color": "#ff0000"})
    assert caught.value.response_code == 409


def test_unknown_route_is_404(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    with pytest.raises(gitlab.exceptions.GitlabHttpError) as caught:
        gl.http_get("/projects/1/pipelines")
    assert caught.value.response_code == 404


def test_rate_limit_is_retried_after_retry_after(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    fake.rate_limit("POST", r"/issues$", retry_after=1)
    started = time.monotonic()
    _project(gl).issues.create({"title": "case"})
    assert time.monotonic() - started >= 1
    assert [r.status for r in fake.requests("POST")] == [429, 201]
    assert len(fake.issues(PROJECT)) == 1


def test_fail_answers_without_performing(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    fake.add_issue(PROJECT, "case")
    rule = fake.fail("PUT", r"/issues/1$", status=503, times=None)
    for _ in range(2):
        with pytest.raises(gitlab.exceptions.GitlabUpdateError) as caught:
            _project(gl).issues.update(1, {"state_event": "close"})
        assert caught.value.response_code == 503
    assert rule.hits == 2 and fake.issue(PROJECT, 1)["state"] == "opened"
    fake.clear_faults()
    _project(gl).issues.update(1, {"state_event": "close"})
    assert fake.issue(PROJECT, 1)["state"] == "closed"


def test_succeed_then_fail_stores_exactly_one_issue(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    fake.succeed_then_fail("POST", r"/projects/sec/cases/issues$", status=502)
    with pytest.raises(gitlab.exceptions.GitlabCreateError) as caught:
        _project(gl).issues.create({"title": "case"})
    assert caught.value.response_code == 502
    assert [i["title"] for i in fake.issues(PROJECT)] == ["case"]


def test_hang_longer_than_client_timeout(fake: FakeGitLab) -> None:
    fake.hang("POST", r"/issues$", seconds=1)
    with gitlab.Gitlab(fake.url, private_token=fake.token, timeout=0.3) as client:
        with pytest.raises(requests.exceptions.Timeout):
            _project(client).issues.create({"title": "slow"})
        deadline = time.monotonic() + 10  # performed after the sleep: the outcome was unknown
        while not fake.issues(PROJECT) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert len(fake.issues(PROJECT)) == 1


def test_crash_is_a_connection_error(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    fake.crash("GET", r"/user$")
    with pytest.raises(requests.exceptions.ConnectionError):
        gl.auth()
    assert fake.requests("GET", r"/user$")[0].status is None
    gl.auth()  # times=1: the next request is served normally


def test_down_and_up(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    fake.down()
    with pytest.raises(gitlab.exceptions.GitlabHttpError) as caught:
        gl.http_get("/version")
    assert caught.value.response_code == 503
    fake.up()
    assert gl.version()[0] == "17.5.0-ee"


def test_pagination_with_get_all(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    for n in range(25):
        fake.add_issue(PROJECT, f"issue {n}")
    fake.reset_requests()
    issues = _project(gl).issues.list(per_page=10, get_all=True)
    assert sorted(i.iid for i in issues) == list(range(1, 26))
    assert [r.query_value("page") for r in fake.requests("GET")] == [None, "2", "3"]
    page = _project(gl).issues.list(per_page=10, page=2)
    assert len(page) == 10
    pages = _project(gl).issues.list(per_page=10, iterator=True)
    assert (pages.total, pages.total_pages, pages.next_page) == (25, 3, 2)


def test_hang_without_perform_and_stop_releases_sleepers() -> None:
    with FakeGitLab() as fake:
        fake.add_project(PROJECT)
        fake.hang("*", r"/issues", seconds=30, perform=False, times=None)
        with (
            gitlab.Gitlab(fake.url, private_token=fake.token, timeout=0.3) as client,
            pytest.raises(requests.exceptions.Timeout),
        ):
            _project(client).issues.create({"title": "never"})
        started = time.monotonic()
    assert time.monotonic() - started < 15  # stop() did not wait out the 30 s sleep
    assert fake.issues(PROJECT) == []


def test_concurrent_creates_get_distinct_iids(fake: FakeGitLab, gl: gitlab.Gitlab) -> None:
    def create(n: int) -> int:
        return _project(gl).issues.create({"title": f"case {n}"}).iid

    with ThreadPoolExecutor(max_workers=8) as pool:
        iids = list(pool.map(create, range(16)))
    assert sorted(iids) == list(range(1, 17))


def test_garbage_and_short_bodies_do_not_break_the_server(fake: FakeGitLab) -> None:
    host, port = fake.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=2) as raw:
        raw.sendall(b"\x00\xffnot http at all\r\n\r\n")
        assert b'{"message": "400 ' in raw.recv(4096)
    headers = {"PRIVATE-TOKEN": fake.token}
    for body in (b"[1, 2]", b'{"title": ', "é".encode("latin-1")):
        response = requests.post(
            f"{fake.url}/api/v4/projects/{PROJECT.replace('/', '%2F')}/issues",
            data=body,
            headers=headers | {"Content-Type": "application/json"},
            timeout=2,
        )
        assert response.status_code == 400
    assert requests.get(f"{fake.url}/api/v4/version", headers=headers, timeout=2).ok
    assert requests.get(f"{fake.url}/elsewhere", timeout=2).status_code == 404
