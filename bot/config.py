"""Settings: the configuration contract, read from the environment (and `.env`) once.

`load_settings` checks every value's form; `Settings.require` checks that what a command needs
is present. Either failure is a `ConfigError` whose one line names the variable and what is
expected, and the command stops with it. Nothing else in the bot reads the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values

from bot.cases.calendar import BusinessHours

DEFAULT_DATABASE_URL = "sqlite:///info_request.db"
BUNDLED_CATALOGUE = Path(__file__).resolve().parent.parent / "messages" / "event_catalogue.toml"


class ConfigError(Exception):
    """One missing or malformed setting; the message is the line the operator reads."""

    def __init__(self, variable: str, expected: str, got: str | None = None) -> None:
        shown = "" if got is None else f" (got {got!r})"
        super().__init__(f"{variable}: expected {expected}{shown}")
        self.variable = variable


def _url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(name, "an http(s) URL such as https://example.com", value)
    return value


def _pattern(regex: str, expected: str) -> Callable[[str, str], str]:
    compiled = re.compile(regex)

    def check(name: str, value: str) -> str:
        if not compiled.fullmatch(value):
            raise ConfigError(name, expected, _redact(name, value))
        return value

    return check


def _int(low: int, high: int) -> Callable[[str, str], int]:
    def check(name: str, value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            raise ConfigError(name, f"a whole number from {low} to {high}", value)
        return number

    return check


def _database_url(name: str, value: str) -> str:
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", value):
        shown = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", value)  # never echo a password
        raise ConfigError(name, "a SQLAlchemy URL starting sqlite:// or postgresql://", shown)
    return value


def _api_url(name: str, value: str) -> str:
    """The Slack SDK joins method names onto this URL, so it must end with a slash."""
    return _url(name, value if value.endswith("/") else value + "/")


def _existing_file(name: str, value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise ConfigError(name, "the path of a readable TOML file", value)
    return path


def _directory(name: str, value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise ConfigError(name, "an existing directory the bot can write to", value)
    return path


def _redact(name: str, value: str) -> str:
    if "TOKEN" not in name and "SECRET" not in name:
        return value
    return value[:5] + "…" if len(value) > 12 else "…"


def _bool(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError(name, "true or false", value)
    return lowered in ("true", "1", "yes")


def _business_hours(name: str, value: str) -> str:
    try:
        BusinessHours.parse(value)
    except ValueError:
        raise ConfigError(name, "hours as HH:MM-HH:MM, such as 09:00-17:00", value) from None
    return value


def _business_days(name: str, value: str) -> str:
    try:
        BusinessHours.parse_days(value)
    except ValueError:
        raise ConfigError(
            name, "working days such as mon-fri or mon,tue,wed (mon … sun)", value
        ) from None
    return value


def _holiday_country(name: str, value: str) -> str:
    import holidays

    code = value.upper()
    if code not in holidays.list_supported_countries():
        raise ConfigError(name, "an ISO 3166 country code the holiday calendar knows (GB)", value)
    return code


_channel = _pattern(r"[CG][A-Z0-9]{2,}", "a Slack channel id such as C0123ABCD")
_group = _pattern(r"S[A-Z0-9]{2,}", "a Slack user group id such as S0123ABCD")
_groups = _pattern(
    r"S[A-Z0-9]{2,}(,S[A-Z0-9]{2,})*", "comma-separated user group ids (S0123,S0456)"
)


def _spec(parse: Callable[[str, str], object] | None = None, default: object = None) -> Any:
    return field(default=default, metadata={"parse": parse})


@dataclass(frozen=True)
class Settings:
    """Every setting the bot knows; names are the environment variable names, lowercased."""

    database_url: str = _spec(_database_url, DEFAULT_DATABASE_URL)
    slack_bot_token: str | None = _spec(_pattern(r"xoxb-[\w-]+", "a bot token starting xoxb-"))
    slack_signing_secret: str | None = _spec(
        _pattern(r"[0-9a-zA-Z]{8,}", "the app's signing secret")
    )
    # A secret just replaced, still accepted while Slack and every replica switch over.
    slack_signing_secret_previous: str | None = _spec(
        _pattern(r"[0-9a-zA-Z]{8,}", "the app's previous signing secret")
    )
    slack_app_token: str | None = _spec(
        _pattern(r"xapp-[\w-]+", "an app-level token starting xapp-")
    )
    slack_api_url: str = _spec(_api_url, "https://slack.com/api/")
    gitlab_url: str = _spec(_url, "https://gitlab.com")
    gitlab_token: str | None = _spec()
    gitlab_sirt_project: str | None = _spec()
    gitlab_gap_project: str | None = _spec()
    # The project hook's secret token; unset, `POST /gitlab/webhook` answers 404.
    gitlab_webhook_secret: str | None = _spec(
        _pattern(r"[\x21-\x7e]{16,}", "a secret of at least 16 visible ASCII characters")
    )
    # Where GitLab reaches this bot's hook (https://bot.example.com/gitlab/webhook): with it,
    # doctor checks the project hook points exactly there, not only at the path.
    gitlab_webhook_url: str | None = _spec(_url)
    sirt_mention: str = _spec(
        _pattern(r"@[\w./-]+", "a GitLab handle starting with @"), "@gitlab-com/gl-security/sirt"
    )
    triage_channel: str | None = _spec(_channel)
    leads_channel: str | None = _spec(_channel)
    requester_groups: str | None = _spec(_groups)
    support_group: str | None = _spec(_group)
    sirt_group: str | None = _spec(_group)
    security_review_group: str | None = _spec(_group)
    legal_group: str | None = _spec(_group)
    leads_group: str | None = _spec(_group)
    port: int = _spec(_int(1, 65535), 3000)
    event_catalogue: Path = _spec(_existing_file, BUNDLED_CATALOGUE)
    max_resources: int = _spec(_int(1, 500), 20)
    max_event_types: int = _spec(_int(1, 100), 10)
    business_hours: str = _spec(_business_hours, "09:00-17:00")
    business_days: str = _spec(_business_days, "mon-fri")
    holiday_country: str | None = _spec(_holiday_country)
    escalation_margin_hours: int = _spec(_int(0, 168), 4)
    nudge_lead_hours: int = _spec(_int(0, 48), 2)
    retention_days: int = _spec(_int(1, 3650), 90)
    unclaimed_after_hours: int = _spec(_int(1, 720), 4)
    serve_runs_worker: bool = _spec(_bool, False)
    # Slack's rate limits paced by the bot itself; off only against a Slack that has none
    # (the fake Slack of the tests and the demo, unless it enforces them).
    slack_paced: bool = _spec(_bool, True)
    # How long an outbox row claimed by a replica that died waits before another takes it.
    outbox_lease_seconds: int = _spec(_int(5, 900), 40)
    log_level: str = _spec(
        _pattern(r"DEBUG|INFO|WARNING|ERROR", "DEBUG, INFO, WARNING or ERROR"), "INFO"
    )
    log_format: str = _spec(_pattern(r"text|json", "text or json"), "text")
    metrics_port: int | None = _spec(_int(1, 65535))
    prometheus_multiproc_dir: Path | None = _spec(_directory)

    def require(self, *names: str) -> None:
        """Stops a command that needs these settings when one of them is unset."""
        for name in names:
            if getattr(self, name) in (None, ""):
                raise ConfigError(name.upper(), _WHAT[name])

    @property
    def hours(self) -> BusinessHours:
        """The working hours and days every relay contact's cadence follows."""
        return BusinessHours.parse(self.business_hours, self.business_days)

    @property
    def signing_secrets(self) -> tuple[str, ...]:
        """The signing secrets a request may be signed with: the current one first."""
        both = (self.slack_signing_secret, self.slack_signing_secret_previous)
        return tuple(secret for secret in both if secret)

    @property
    def requester_group_ids(self) -> tuple[str, ...]:
        return tuple(self.requester_groups.split(",")) if self.requester_groups else ()


_WHAT = {
    "slack_bot_token": "the bot token (xoxb-…) from the Slack app's OAuth page; "
    "no workspace yet? run `python -m bot demo`",
    "slack_signing_secret": "the signing secret from the Slack app's Basic Information page; "
    "no workspace yet? run `python -m bot demo`",
    "slack_app_token": "an app-level token (xapp-…) with connections:write, for Socket Mode",
    "triage_channel": "the id of the private channel where cases are claimed (C…)",
    "leads_channel": "the id of the private channel for escalations (C…)",
    "gitlab_token": "a GitLab token with the api scope",
    "gitlab_sirt_project": "the SIRT tracker project, as a path (group/project) or id",
    "gitlab_gap_project": "the product project for Audit Events gap issues, path or id",
}


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = ".env"
) -> Settings:
    """Reads and checks every setting; the environment wins over the `.env` file."""
    source: dict[str, str | None] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        source.update(dotenv_values(dotenv_path))
    source.update(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    for spec in fields(Settings):
        raw = source.get(spec.name.upper())
        if raw is None or not raw.strip():
            continue
        parse = spec.metadata["parse"]
        values[spec.name] = parse(spec.name.upper(), raw.strip()) if parse else raw.strip()
    return Settings(**values)
