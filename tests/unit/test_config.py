"""The configuration contract as an operator meets it: defaults, every variable, and refusals.

Every test reads settings from an explicit mapping (and, where it says so, a `.env` in a
temporary directory), so the developer's own environment and `.env` never leak in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def settings(**environ: str) -> Settings:
    return load_settings(environ=environ, dotenv_path=None)


def refusal(**environ: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        settings(**environ)
    return caught.value


# -- defaults -------------------------------------------------------------------------------------


def test_with_nothing_set_the_bot_uses_a_sqlite_file_in_the_working_directory():
    url = settings().database_url
    assert url.startswith("sqlite:///")
    path = url.removeprefix("sqlite:///")
    assert path and "/" not in path  # relative: lands where the command runs


def test_with_nothing_set_the_bot_talks_to_public_slack_and_gitlab():
    defaults = settings()
    assert defaults.slack_api_url == "https://slack.com/api/"
    assert defaults.gitlab_url == "https://gitlab.com"
    assert defaults.sirt_mention == "@gitlab-com/gl-security/sirt"


def test_with_nothing_set_the_bot_listens_on_port_3000():
    assert settings().port == 3000


def test_with_nothing_set_the_bundled_event_catalogue_is_used():
    catalogue = settings().event_catalogue
    assert catalogue.resolve() == (ROOT / "messages" / "event_catalogue.toml").resolve()
    assert catalogue.is_file()


def test_with_nothing_set_a_request_may_name_20_resources_and_10_event_types():
    defaults = settings()
    assert defaults.max_resources == 20
    assert defaults.max_event_types == 10


def test_with_nothing_set_no_credential_channel_or_group_is_assumed():
    defaults = settings()
    for name in (
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "gitlab_token",
        "gitlab_sirt_project",
        "gitlab_gap_project",
        "triage_channel",
        "leads_channel",
        "requester_groups",
        "support_group",
        "sirt_group",
        "security_review_group",
        "legal_group",
        "leads_group",
    ):
        assert getattr(defaults, name) is None, name
    assert defaults.log_level == "INFO"


# -- every variable of the contract is read -------------------------------------------------------

CONTRACT = [
    ("DATABASE_URL", "postgresql+psycopg://bot@db.internal:5432/bot"),
    ("SLACK_BOT_TOKEN", "xoxb-1-abc"),
    ("SLACK_SIGNING_SECRET", "abcdef0123456789"),
    ("SLACK_APP_TOKEN", "xapp-1-A0123-456-abcdef"),
    ("SLACK_API_URL", "http://127.0.0.1:8999/api/"),
    ("GITLAB_URL", "https://gitlab.example.com"),
    ("GITLAB_TOKEN", "glpat-abcdef"),
    ("GITLAB_SIRT_PROJECT", "gitlab-com/gl-security/sirt-tracker"),
    ("GITLAB_GAP_PROJECT", "278964"),
    ("SIRT_MENTION", "@acme/security/sirt"),
    ("TRIAGE_CHANNEL", "C0TRIAGE"),
    ("LEADS_CHANNEL", "G0LEADS"),
    ("REQUESTER_GROUPS", "S0REQ"),
    ("SUPPORT_GROUP", "S0SUPPORT"),
    ("SIRT_GROUP", "S0SIRT"),
    ("SECURITY_REVIEW_GROUP", "S0SECURITY"),
    ("LEGAL_GROUP", "S0LEGAL"),
    ("LEADS_GROUP", "S0LEADS"),
    ("PORT", "8080"),
    ("MAX_RESOURCES", "50"),
    ("MAX_EVENT_TYPES", "5"),
    ("LOG_LEVEL", "DEBUG"),
    ("LOG_FORMAT", "json"),
    ("METRICS_PORT", "9100"),
    ("SLACK_SIGNING_SECRET_PREVIOUS", "0123456789abcdef"),
]


@pytest.mark.parametrize(("variable", "value"), CONTRACT, ids=[v for v, _ in CONTRACT])
def test_each_variable_of_the_contract_is_read(variable, value):
    read = getattr(settings(**{variable: value}), variable.lower())
    assert str(read) == value


def test_numbers_are_read_as_numbers():
    read = settings(PORT="8080", MAX_RESOURCES="50", MAX_EVENT_TYPES="5")
    assert (read.port, read.max_resources, read.max_event_types) == (8080, 50, 5)


def test_an_own_event_catalogue_file_replaces_the_bundled_one(tmp_path):
    catalogue = tmp_path / "catalogue.toml"
    catalogue.write_text("", encoding="utf-8")
    assert settings(EVENT_CATALOGUE=str(catalogue)).event_catalogue == catalogue


# -- malformed values are refused with one line naming the variable -------------------------------

MALFORMED = [
    ("PORT", "abc", "a whole number from 1 to 65535"),
    ("PORT", "70000", "a whole number from 1 to 65535"),
    ("PORT", "0", "a whole number from 1 to 65535"),
    ("MAX_RESOURCES", "0", "a whole number from 1 to 500"),
    ("MAX_EVENT_TYPES", "101", "a whole number from 1 to 100"),
    ("SLACK_BOT_TOKEN", "xoxp-1111-2222-3333-userT0ken", "a bot token starting xoxb-"),
    ("SLACK_APP_TOKEN", "xoxb-1111-2222-b0tT0ken", "an app-level token starting xapp-"),
    ("SLACK_SIGNING_SECRET", "not the secret!", "signing secret"),
    ("TRIAGE_CHANNEL", "general", "a Slack channel id"),
    ("LEADS_CHANNEL", "#leads", "a Slack channel id"),
    ("REQUESTER_GROUPS", "S1, S2", "comma-separated user group ids"),
    ("REQUESTER_GROUPS", "S0123, S0456", "comma-separated user group ids"),
    ("REQUESTER_GROUPS", "team", "comma-separated user group ids"),
    ("SUPPORT_GROUP", "U123", "a Slack user group id"),
    ("LEGAL_GROUP", "legal", "a Slack user group id"),
    ("SLACK_API_URL", "slack.com", "an http(s) URL"),
    ("GITLAB_URL", "ftp://gitlab.example.com", "an http(s) URL"),
    ("DATABASE_URL", "mysql://bot@db.internal/bot", "sqlite:// or postgresql://"),
    ("EVENT_CATALOGUE", "missing.toml", "TOML file"),
    ("LOG_LEVEL", "LOUD", "DEBUG, INFO, WARNING or ERROR"),
    ("LOG_FORMAT", "xml", "text or json"),
    ("METRICS_PORT", "0", "a whole number from 1 to 65535"),
    ("PROMETHEUS_MULTIPROC_DIR", "no-such-directory", "an existing directory"),
    ("SIRT_MENTION", "gitlab-com/gl-security/sirt", "starting with @"),
    ("GITLAB_WEBHOOK_SECRET", "short", "at least 16 visible ASCII characters"),
]


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    MALFORMED,
    ids=[f"{variable}={value}" for variable, value, _ in MALFORMED],
)
def test_a_malformed_value_is_refused_naming_the_variable_and_what_is_expected(
    variable, value, expected, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # a relative EVENT_CATALOGUE is looked up here
    error = refusal(**{variable: value})
    message = str(error)
    assert error.variable == variable
    assert message.startswith(f"{variable}: expected ")
    assert expected in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("variable", "value"),
    [("PORT", "abc"), ("TRIAGE_CHANNEL", "general"), ("LOG_LEVEL", "LOUD")],
)
def test_a_malformed_plain_value_is_quoted_back(variable, value):
    assert repr(value) in str(refusal(**{variable: value}))


SECRETS = [
    ("SLACK_BOT_TOKEN", "xoxp-1111-2222-3333-userT0kenTail"),
    ("SLACK_APP_TOKEN", "1-A0123-456-appT0kenTail"),
    ("SLACK_SIGNING_SECRET", "8f742231b10e8888abcd99yyyzzz85a5!"),
]


@pytest.mark.parametrize(("variable", "value"), SECRETS, ids=[v for v, _ in SECRETS])
def test_a_malformed_token_or_secret_is_never_echoed_in_full(variable, value):
    message = str(refusal(**{variable: value}))
    assert value not in message
    assert value[-8:] not in message


def test_a_malformed_token_shows_enough_of_its_start_to_recognise_it():
    assert "xoxp-" in str(refusal(SLACK_BOT_TOKEN="xoxp-1111-2222-3333-userT0kenTail"))


@pytest.mark.parametrize(
    "url", ["postgres://bot:hunter2pass@db.internal:5432/bot", "mysql://bot:hunter2pass@db/bot"]
)
def test_a_malformed_database_url_never_echoes_its_password(url):
    message = str(refusal(DATABASE_URL=url))
    assert message.startswith("DATABASE_URL: expected ")
    assert "hunter2pass" not in message


def test_a_slack_api_url_without_trailing_slash_still_reaches_the_api_methods():
    try:
        url = settings(SLACK_API_URL="https://slack.com/api").slack_api_url
    except ConfigError as error:  # refusing it is as good as fixing it
        assert error.variable == "SLACK_API_URL"
    else:
        assert url == "https://slack.com/api/"


# -- blank and padded values ----------------------------------------------------------------------


def test_blank_values_count_as_unset():
    blank = settings(
        PORT="",
        DATABASE_URL="   ",
        SLACK_BOT_TOKEN="\t",
        TRIAGE_CHANNEL=" \n ",
        LOG_LEVEL="",
        SIRT_MENTION=" ",
    )
    assert blank == settings()


def test_surrounding_whitespace_is_stripped():
    padded = settings(
        PORT=" 8080 ",
        TRIAGE_CHANNEL="  C0TRIAGE\n",
        SLACK_BOT_TOKEN=" xoxb-1-abc ",
        GITLAB_SIRT_PROJECT="  group/project\t",
    )
    assert padded.port == 8080
    assert padded.triage_channel == "C0TRIAGE"
    assert padded.slack_bot_token == "xoxb-1-abc"
    assert padded.gitlab_sirt_project == "group/project"


# -- .env -----------------------------------------------------------------------------------------


def write_dotenv(tmp_path: Path, text: str) -> Path:
    dotenv = tmp_path / ".env"
    dotenv.write_text(text, encoding="utf-8")
    return dotenv


def test_a_dotenv_file_is_read_when_present(tmp_path):
    dotenv = write_dotenv(
        tmp_path,
        "# local development\n"
        "SLACK_BOT_TOKEN=xoxb-from-file\n"
        "TRIAGE_CHANNEL=C0FROMFILE\n"
        'SIRT_MENTION="@acme/sirt"  # who is pinged\n'
        "export PORT=4000\n",
    )
    read = load_settings(environ={}, dotenv_path=dotenv)
    assert read.slack_bot_token == "xoxb-from-file"
    assert read.triage_channel == "C0FROMFILE"
    assert read.sirt_mention == "@acme/sirt"
    assert read.port == 4000


def test_the_environment_wins_over_the_dotenv_file(tmp_path):
    dotenv = write_dotenv(tmp_path, "PORT=4000\nTRIAGE_CHANNEL=C0FROMFILE\n")
    read = load_settings(environ={"PORT": "5000"}, dotenv_path=dotenv)
    assert read.port == 5000
    assert read.triage_channel == "C0FROMFILE"


def test_a_missing_dotenv_file_is_no_error(tmp_path):
    assert load_settings(environ={}, dotenv_path=tmp_path / ".env") == settings()


def test_a_malformed_value_in_the_dotenv_file_is_refused_too(tmp_path):
    dotenv = write_dotenv(tmp_path, "PORT=abc\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={}, dotenv_path=dotenv)
    assert caught.value.variable == "PORT"


# -- require --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["slack_bot_token", "slack_signing_secret"])
def test_missing_slack_credentials_point_to_the_demo(name):
    with pytest.raises(ConfigError) as caught:
        settings().require(name)
    message = str(caught.value)
    assert caught.value.variable == name.upper()
    assert message.startswith(f"{name.upper()}: expected ")
    assert "python -m bot demo" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("slack_app_token", "xapp-"),
        ("triage_channel", "channel"),
        ("leads_channel", "channel"),
        ("gitlab_token", "api scope"),
        ("gitlab_sirt_project", "project"),
        ("gitlab_gap_project", "project"),
    ],
)
def test_a_missing_required_setting_is_named_with_what_to_provide(name, words):
    with pytest.raises(ConfigError) as caught:
        settings().require(name)
    assert str(caught.value).startswith(f"{name.upper()}: expected ")
    assert words in str(caught.value)


def test_require_names_the_first_missing_setting():
    present = settings(SLACK_BOT_TOKEN="xoxb-1-abc")
    with pytest.raises(ConfigError) as caught:
        present.require("slack_bot_token", "slack_signing_secret", "triage_channel")
    assert caught.value.variable == "SLACK_SIGNING_SECRET"


def test_require_passes_when_everything_needed_is_set():
    complete = settings(
        SLACK_BOT_TOKEN="xoxb-1-abc",
        SLACK_SIGNING_SECRET="abcdef0123456789",
        TRIAGE_CHANNEL="C0TRIAGE",
    )
    complete.require("slack_bot_token", "slack_signing_secret", "triage_channel")


# -- requester groups -----------------------------------------------------------------------------


def test_requester_groups_are_split_on_commas():
    groups = settings(REQUESTER_GROUPS="S0REQ,S0SUPPORT,S0SALES").requester_group_ids
    assert groups == ("S0REQ", "S0SUPPORT", "S0SALES")


def test_a_single_requester_group_is_one_id():
    assert settings(REQUESTER_GROUPS="S0REQ").requester_group_ids == ("S0REQ",)


def test_no_requester_groups_means_no_ids():
    assert settings().requester_group_ids == ()
