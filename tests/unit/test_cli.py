"""`python -m bot` as an operator runs it: a real subprocess in an empty directory.

Each run gets a copy of the environment with every setting of the contract removed, HOME and
the working directory in a temporary directory (so no `.env` is picked up), and the repository
on PYTHONPATH.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from bot.config import Settings
from db import migrate
from db.session import make_engine

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {spec.name.upper() for spec in fields(Settings)}
CREDENTIALS = {
    "SLACK_BOT_TOKEN": "xoxb-1-abc",
    "SLACK_SIGNING_SECRET": "abcdef0123456789",
    "TRIAGE_CHANNEL": "C0TRIAGE",
    # Nothing listens on the discard port: reaching Slack would fail loudly, not hang.
    "SLACK_API_URL": "http://127.0.0.1:9/api/",
}


def run_bot(*args: str, home: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS}
    env.update(settings, HOME=str(home), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'bot.db'}"


def the_one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("configuration error: ")
    return lines[0]


def test_serve_without_slack_credentials_names_the_token_and_suggests_the_demo(tmp_path):
    result = run_bot("serve", home=tmp_path)
    assert result.returncode == 2
    line = the_one_error_line(result)
    assert line.startswith("configuration error: SLACK_BOT_TOKEN: expected ")
    assert "python -m bot demo" in line
    assert result.stdout == ""


def test_socket_without_slack_credentials_names_a_missing_token(tmp_path):
    result = run_bot("socket", home=tmp_path)
    assert result.returncode == 2
    line = the_one_error_line(result)
    assert "SLACK_BOT_TOKEN" in line or "SLACK_APP_TOKEN" in line


def test_socket_with_only_a_bot_token_asks_for_the_app_token(tmp_path):
    result = run_bot("socket", home=tmp_path, SLACK_BOT_TOKEN="xoxb-1-abc")
    assert result.returncode == 2
    assert the_one_error_line(result).startswith("configuration error: SLACK_APP_TOKEN: ")


def test_a_malformed_port_stops_serve_with_one_line_naming_port(tmp_path):
    result = run_bot("serve", home=tmp_path, PORT="abc")
    assert result.returncode == 2
    line = the_one_error_line(result)
    assert line.startswith("configuration error: PORT: expected ")
    assert "'abc'" in line


def test_migrate_brings_a_new_sqlite_database_to_the_latest_revision_and_can_run_again(tmp_path):
    database = sqlite_url(tmp_path)
    head = migrate.head_revision()
    for _ in range(2):
        result = run_bot("migrate", home=tmp_path, DATABASE_URL=database)
        assert result.returncode == 0, result.stderr
        assert f"revision {head}" in result.stdout
    engine = make_engine(database)
    try:
        assert migrate.current_revision(engine) == head
    finally:
        engine.dispose()


def test_log_format_json_writes_one_object_a_line(tmp_path):
    import json

    result = run_bot("migrate", home=tmp_path, DATABASE_URL=sqlite_url(tmp_path), LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines, "alembic logs each revision it applies"
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line)
    assert any(line["logger"].startswith("alembic") for line in lines)


def test_report_prints_the_desk_metrics_as_text_and_csv(tmp_path):
    from datetime import UTC, datetime, timedelta

    from db.models import CaseEvent
    from db.session import make_session_factory, transaction
    from tests.factories import make_case

    database = sqlite_url(tmp_path)
    engine = make_engine(database)
    migrate.upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        case = make_case(session)
        when = datetime.now(UTC) - timedelta(days=2)
        session.add(
            CaseEvent(case_id=case.id, at=when, actor_id="U", action="submit", to_state="submitted")
        )
    engine.dispose()
    text = run_bot("report", "--days", "7", home=tmp_path, DATABASE_URL=database)
    assert text.returncode == 0, text.stderr
    assert "(7 days)" in text.stdout
    assert "Filed" in text.stdout and "1 (support 1)" in text.stdout
    table = run_bot("report", "--csv", home=tmp_path, DATABASE_URL=database)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0] == "figure,route,value"
    assert "filed,support,1" in table.stdout.splitlines()
    refused = run_bot("report", "--days", "0", home=tmp_path, DATABASE_URL=database)
    assert the_one_error_line(refused).startswith("configuration error: --days")


@pytest.fixture(scope="module")
def serve_on_unmigrated_database(tmp_path_factory) -> subprocess.CompletedProcess[str]:
    home = tmp_path_factory.mktemp("unmigrated")
    return run_bot(
        "serve", "--host", "127.0.0.1", home=home, DATABASE_URL=sqlite_url(home), **CREDENTIALS
    )


def test_serve_on_an_unmigrated_database_asks_to_run_migrate(serve_on_unmigrated_database):
    result = serve_on_unmigrated_database
    assert result.returncode == 2
    last = result.stderr.splitlines()[-1]
    assert last.startswith("configuration error: DATABASE_URL: expected ")
    assert "python -m bot migrate" in last
    assert result.stdout == ""


def test_serve_on_an_unmigrated_database_prints_only_the_error_line(
    serve_on_unmigrated_database,
):
    the_one_error_line(serve_on_unmigrated_database)


def test_help_lists_every_command(tmp_path):
    result = run_bot("--help", home=tmp_path)
    assert result.returncode == 0
    for command in ("serve", "socket", "migrate", "demo"):
        assert command in result.stdout


@pytest.mark.parametrize("args", [["launch"], []], ids=["unknown", "none"])
def test_an_unknown_or_missing_command_exits_2_with_usage(tmp_path, args):
    result = run_bot(*args, home=tmp_path)
    assert result.returncode == 2
    assert "usage: python -m bot" in result.stderr
    assert result.stdout == ""
