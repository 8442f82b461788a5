"""`doctor` against the fake Slack and GitLab, in a good set-up and in broken ones."""

from __future__ import annotations

import io

import pytest

from bot.config import load_settings
from bot.doctor import run_doctor
from bot.standins.gitlab_api import FakeGitLab
from bot.standins.slack_api import FakeSlack
from bot.standins.workspace import TRIAGE, WORK, populate, settings_env


@pytest.fixture
def world():
    slack, gitlab = FakeSlack().start(), FakeGitLab().start()
    populate(slack)
    gitlab.add_project(
        "gitlab-com/gl-security/sirt/tracker", templates={"information_request": "## Request\n"}
    )
    gitlab.add_project("gitlab-org/gitlab")
    yield slack, gitlab
    slack.stop()
    gitlab.stop()


def doctor(slack, gitlab, db_url, **env):
    settings = load_settings(
        {
            **settings_env(slack, db_url),
            "GITLAB_URL": gitlab.url,
            "GITLAB_TOKEN": gitlab.token,
            "GITLAB_SIRT_PROJECT": "gitlab-com/gl-security/sirt/tracker",
            "GITLAB_GAP_PROJECT": "gitlab-org/gitlab",
            **env,
        },
        dotenv_path=None,
    )
    out = io.StringIO()
    return run_doctor(settings, out), out.getvalue()


def test_a_good_setup_passes_every_check(world, db_url):
    code, report = doctor(*world, db_url)
    assert code == 0, report
    assert "FAIL" not in report
    for line in (
        "settings: all set",
        "schema at the latest revision",
        "token valid for team",
        "TRIAGE_CHANNEL C0TRIAGE: private, internal, bot is in",
        "REQUESTER_GROUPS S0REQ:",
        "information_request: found",
        "outbox slack: 0 pending, 0 parked",
        "all checks passed",
    ):
        assert line in report


def test_a_shared_triage_channel_fails_with_the_fix(world, db_url):
    slack, gitlab = world
    slack.set_channel(TRIAGE, is_shared=True, is_ext_shared=True)
    code, report = doctor(slack, gitlab, db_url)
    assert code == 1
    assert "TRIAGE_CHANNEL C0TRIAGE: is shared outside the company (unshare it)" in report


def test_a_public_channel_and_a_channel_without_the_bot_fail(world, db_url):
    slack, gitlab = world
    slack.add_channel("C0NOBOT", members=["UREQ"])
    code, report = doctor(slack, gitlab, db_url, LEADS_CHANNEL=WORK, TRIAGE_CHANNEL="C0NOBOT")
    assert code == 1
    assert "LEADS_CHANNEL C0WORK: is public (make it private)" in report
    assert "TRIAGE_CHANNEL C0NOBOT: does not have the bot" in report


def test_a_bad_slack_token_fails(world, db_url):
    code, report = doctor(*world, db_url, SLACK_BOT_TOKEN="xoxb-wrong-token")
    assert code == 1
    assert "slack: token refused" in report and "reinstall the app" in report


def test_a_missing_gitlab_project_and_a_bad_gitlab_token_fail(world, db_url):
    code, report = doctor(*world, db_url, GITLAB_GAP_PROJECT="nobody/nothing")
    assert code == 1 and "GITLAB_GAP_PROJECT nobody/nothing: not accessible" in report
    code, report = doctor(*world, db_url, GITLAB_TOKEN="glpat-wrong")
    assert code == 1 and "gitlab: token refused" in report


def test_an_unmigrated_database_fails_with_the_command_to_run(world, empty_db_url):
    code, report = doctor(*world, empty_db_url)
    assert code == 1
    assert "database: at revision none" in report and "python -m bot migrate" in report


def test_missing_settings_and_an_empty_group_are_named(world, db_url):
    slack, gitlab = world
    slack.set_usergroup("S0LEGAL", [])
    code, report = doctor(slack, gitlab, db_url, LEADS_GROUP="")
    assert code == 1
    assert "settings: LEADS_GROUP not set" in report
    assert "LEGAL_GROUP S0LEGAL: empty" in report


def test_a_template_lookup_that_fails_is_reported_not_passed(world, db_url):
    slack, gitlab = world
    gitlab.fail("GET", r"/templates/issues/", status=500, times=None)
    code, report = doctor(slack, gitlab, db_url)
    assert code == 1, report
    assert "FAIL issue template information_request: could not be read" in report


def test_a_tracker_without_the_template_uses_the_bundled_one(world, db_url):
    slack, gitlab = world
    gitlab.add_project("sirt/no-template")
    code, report = doctor(slack, gitlab, db_url, GITLAB_SIRT_PROJECT="sirt/no-template")
    assert code == 0, report
    assert "not in the tracker, the bundled template is used" in report


HOOK_ENV = {"GITLAB_WEBHOOK_SECRET": "hook-secret-0123456789abcdef"}
TRACKER = "gitlab-com/gl-security/sirt/tracker"
EVENTS = {"confidential_issues_events": True, "confidential_note_events": True}


def test_the_project_hook_is_checked_when_the_webhook_is_on(world, db_url):
    slack, gitlab = world
    code, report = doctor(slack, gitlab, db_url, **HOOK_ENV)
    assert code == 1 and "no hook of" in report
    url = "https://bot.example.com/gitlab/webhook"
    gitlab.add_hook(TRACKER, url, token="x", issues_events=True, note_events=True)
    code, report = doctor(slack, gitlab, db_url, **HOOK_ENV)
    assert "confidential_issues_events is off" in report and code == 1
    gitlab.add_hook(TRACKER, url + "/", token="x", issues_events=True, **EVENTS)
    assert (
        "/gitlab/webhook/: subscribed and enabled" in doctor(slack, gitlab, db_url, **HOOK_ENV)[1]
    )


def test_with_the_bots_url_known_a_hook_elsewhere_is_not_ours(world, db_url):
    slack, gitlab = world
    env = {**HOOK_ENV, "GITLAB_WEBHOOK_URL": "https://bot.example.com/gitlab/webhook"}
    gitlab.add_hook(TRACKER, "https://old-bot.example.com/gitlab/webhook", token="x",
                    issues_events=True, **EVENTS)  # fmt: skip
    code, report = doctor(slack, gitlab, db_url, **env)
    assert code == 1 and "points at https://bot.example.com/gitlab/webhook" in report
    gitlab.add_hook(TRACKER, "https://bot.example.com/gitlab/webhook/", token="x",
                    issues_events=True, **EVENTS)  # fmt: skip
    code, report = doctor(slack, gitlab, db_url, **env)
    assert "bot.example.com/gitlab/webhook/: subscribed and enabled" in report
    assert "old-bot" not in report


def test_a_hook_gitlab_disabled_fails_the_check(world, db_url):
    slack, gitlab = world
    url = "https://bot.example.com/gitlab/webhook"
    gitlab.add_hook(TRACKER, url, token="x", issues_events=True, **EVENTS)
    gitlab.disable_hook(TRACKER)
    code, report = doctor(slack, gitlab, db_url, **HOOK_ENV)
    assert code == 1 and "GitLab disabled it (temporarily_disabled" in report
