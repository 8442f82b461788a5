"""`python -m bot doctor`: is this deployment ready for a customer's worst week?

Each check prints one pass/fail line and, when it fails, the fix. The exit code is non-zero
when anything failed. Checks never change anything (read-only Slack and GitLab calls).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

from bot.config import Settings


@dataclass(frozen=True)
class Check:
    ok: bool
    what: str
    fix: str = ""


Probe = Callable[[Settings], Iterator[Check]]

REQUIRED = (
    "slack_bot_token",
    "slack_signing_secret",
    "triage_channel",
    "leads_channel",
    "requester_groups",
    "support_group",
    "sirt_group",
    "security_review_group",
    "legal_group",
    "leads_group",
    "gitlab_token",
    "gitlab_sirt_project",
    "gitlab_gap_project",
)
GROUPS = (
    "requester_groups",
    "support_group",
    "sirt_group",
    "security_review_group",
    "legal_group",
    "leads_group",
)


def settings_complete(settings: Settings) -> Iterator[Check]:
    missing = [name.upper() for name in REQUIRED if not getattr(settings, name)]
    if missing:
        yield Check(
            False,
            f"settings: {', '.join(missing)} not set",
            "set them in the environment or .env (see README, Settings)",
        )
    else:
        yield Check(True, "settings: all set")


def database(settings: Settings) -> Iterator[Check]:
    from sqlalchemy.exc import SQLAlchemyError

    from db import migrate
    from db.session import make_engine

    engine = make_engine(settings.database_url)
    try:
        current, head = migrate.current_revision(engine), migrate.head_revision()
    except SQLAlchemyError as error:
        yield Check(
            False,
            f"database: unreachable ({type(error).__name__})",
            "check DATABASE_URL and that the database server is running",
        )
        return
    finally:
        engine.dispose()
    if current != head:
        yield Check(
            False,
            f"database: at revision {current or 'none'}, latest is {head}",
            "run `python -m bot migrate`",
        )
    else:
        yield Check(True, f"database: reachable, schema at the latest revision ({head})")


def slack(settings: Settings) -> Iterator[Check]:
    from bot.slack.gateway import SlackGateway, SlackUnavailable, make_client

    if not settings.slack_bot_token:
        yield Check(False, "slack: no SLACK_BOT_TOKEN", "set SLACK_BOT_TOKEN (xoxb-…)")
        return
    gateway = SlackGateway(
        make_client(settings.slack_bot_token, settings.slack_api_url, timeout=10)
    )
    try:
        auth = gateway.client.auth_test()
    except Exception as error:  # the SDK raises several kinds; all mean "token unusable"
        yield Check(
            False,
            f"slack: token refused or Slack unreachable ({_short(error)})",
            "reinstall the app and copy the Bot User OAuth Token",
        )
        return
    yield Check(True, f"slack: token valid for team {auth.get('team')} ({auth.get('team_id')})")
    for name in ("triage_channel", "leads_channel"):
        channel_id = getattr(settings, name)
        if not channel_id:
            continue
        try:
            channel = gateway.channel(channel_id)
        except SlackUnavailable as error:
            yield Check(
                False,
                f"{name.upper()} {channel_id}: not found ({_short(error)})",
                "use the id of an existing private channel and invite the bot",
            )
            continue
        problems = [
            text
            for bad, text in (
                (not channel.is_private, "is public (make it private)"),
                (channel.is_external, "is shared outside the company (unshare it)"),
                (not channel.is_member, "does not have the bot (invite @info-request)"),
            )
            if bad
        ]
        if problems:
            yield Check(
                False,
                f"{name.upper()} {channel_id}: " + "; ".join(problems),
                "fix the channel, then run doctor again",
            )
        else:
            yield Check(True, f"{name.upper()} {channel_id}: private, internal, bot is in")
    yield from _groups(settings, gateway)


def _groups(settings: Settings, gateway) -> Iterator[Check]:
    from bot.slack.gateway import SlackUnavailable

    for name in GROUPS:
        value = getattr(settings, name)
        for group in value.split(",") if value else ():
            try:
                members = gateway.group_members(group)
            except SlackUnavailable as error:
                yield Check(
                    False,
                    f"{name.upper()} {group}: not found ({_short(error)})",
                    "use the id of an existing user group (S…)",
                )
                continue
            if members:
                yield Check(True, f"{name.upper()} {group}: {len(members)} members")
            else:
                yield Check(
                    False,
                    f"{name.upper()} {group}: empty",
                    "add people to the group: nobody can act in this role",
                )


def gitlab(settings: Settings) -> Iterator[Check]:
    import gitlab as gl

    if not settings.gitlab_token:
        yield Check(False, "gitlab: no GITLAB_TOKEN", "set GITLAB_TOKEN (api scope)")
        return
    client = gl.Gitlab(settings.gitlab_url, private_token=settings.gitlab_token, timeout=10)
    try:
        client.auth()
    except Exception as error:
        yield Check(
            False,
            f"gitlab: token refused or {settings.gitlab_url} unreachable ({_short(error)})",
            "check GITLAB_URL and GITLAB_TOKEN",
        )
        return
    yield Check(True, f"gitlab: {settings.gitlab_url} reachable, token valid")
    for name in ("gitlab_sirt_project", "gitlab_gap_project"):
        path = getattr(settings, name)
        if not path:
            continue
        try:
            project = client.projects.get(path)
        except Exception as error:
            yield Check(
                False,
                f"{name.upper()} {path}: not accessible ({_short(error)})",
                "check the path and that the token's user is a member",
            )
            continue
        yield Check(True, f"{name.upper()} {path}: accessible")
        if name == "gitlab_sirt_project":
            yield _template(project)


def _template(project) -> Check:
    from gitlab.exceptions import GitlabGetError

    try:
        project.issue_templates.get("information_request")
        return Check(True, "issue template information_request: found in the tracker")
    except Exception as error:  # a 404 is an answer; anything else, a failure to report
        if isinstance(error, GitlabGetError) and error.response_code == 404:
            return Check(
                True,
                "issue template information_request: not in the tracker, "
                "the bundled template is used",
            )
        return Check(
            False,
            f"issue template information_request: could not be read ({_short(error)})",
            "the mirror waits on it too: check GitLab's health and the token's access",
        )


def gitlab_hook(settings: Settings) -> Iterator[Check]:
    """The project hook that brings SIRT's work in GitLab back to the cases."""
    from bot.gitlab import build_gitlab_reader
    from bot.gitlab.webhook import PATH, REQUIRED_EVENTS, hook_problems, ours

    reader = build_gitlab_reader(settings, timeout=10)
    if not settings.gitlab_webhook_secret or reader is None:
        off = "gitlab webhook: off (GITLAB_WEBHOOK_SECRET not set); GitLab changes come back"
        yield Check(True, f"{off} by the worker's reconciliation only, every 15 minutes")
        return
    project = settings.gitlab_sirt_project or ""
    try:
        hooks = [hook for hook in reader.hooks(project) if ours(hook, settings.gitlab_webhook_url)]
    except Exception as error:
        yield Check(
            False,
            f"gitlab webhook: hooks of {project} unreadable ({_short(error)})",
            "the token's user must be a maintainer of the project",
        )
        return
    target = settings.gitlab_webhook_url or PATH
    how = f"see README, GitLab webhook: URL {target}, {', '.join(REQUIRED_EVENTS)}"
    if not hooks:
        yield Check(False, f"gitlab webhook: no hook of {project} points at {target}", how)
    elif not settings.gitlab_webhook_url:
        yield Check(True, "gitlab webhook: set GITLAB_WEBHOOK_URL to check the hook's host too")
    for hook in hooks:
        if problems := hook_problems(hook):
            yield Check(False, f"gitlab webhook {hook.get('url')}: {'; '.join(problems)}", how)
        else:
            yield Check(True, f"gitlab webhook {hook.get('url')}: subscribed and enabled")


def outbox_backlog(settings: Settings) -> Iterator[Check]:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.app.operations import Operations
    from bot.wiring import utc_now
    from db.session import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    try:
        backlog = Operations(make_session_factory(engine), utc_now).backlog()
        for topic, counts in backlog.items():
            line = f"outbox {topic}: {counts['pending']} pending, {counts['parked']} parked"
            if counts["parked"]:
                yield Check(
                    False,
                    line,
                    "parked messages kept failing: see the worker's "
                    "log for the error, fix it, then run `python -m bot unpark`",
                )
            else:
                yield Check(True, line)
    except SQLAlchemyError:
        return  # the database check already said why
    finally:
        engine.dispose()


PROBES: tuple[Probe, ...] = (
    settings_complete,
    database,
    slack,
    gitlab,
    gitlab_hook,
    outbox_backlog,
)


def _short(error: Exception) -> str:
    return str(error).splitlines()[0][:120] if str(error) else type(error).__name__


def run_doctor(settings: Settings, out: TextIO) -> int:
    failed = 0
    for probe in PROBES:
        for check in probe(settings):
            mark = "ok  " if check.ok else "FAIL"
            print(f"{mark} {check.what}", file=out)
            if not check.ok:
                failed += 1
                print(f"     fix: {check.fix}", file=out)
    print(f"\n{'all checks passed' if not failed else f'{failed} check(s) failed'}", file=out)
    return 1 if failed else 0
