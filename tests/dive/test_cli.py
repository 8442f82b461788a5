"""`python -m bot scope` and `python -m bot dive` as a handler runs them, on each database."""

from __future__ import annotations

import json

from db.session import transaction
from tests.dive import planted as logs
from tests.factories import make_case
from tests.unit.test_cli import run_bot


def test_the_scope_file_dives_like_the_case_and_each_case_has_its_own_key(
    db_url, sessions, tmp_path
):
    with transaction(sessions) as session:
        case = make_case(session)
        case.namespace, case.users = logs.NAMESPACE, list(logs.USERS)
        case.window_start_at, case.window_end_at = logs.START, logs.END
        case.event_types, case.personal_data = ["git_push", "other"], True
        number = case.id
        other = make_case(session, "V2").id
    paths, truth = logs.write_logs(tmp_path, values=200)

    written = run_bot(
        "scope", str(number), "--out", "scope.json", home=tmp_path, DATABASE_URL=db_url
    )
    assert written.returncode == 0, written.stderr
    scope = json.loads((tmp_path / "scope.json").read_text())
    assert scope["case"] == number and scope["namespace"] == logs.NAMESPACE
    assert scope["window"] == {"start": "2026-11-20T00:00:00Z", "end": "2026-11-22T00:00:00Z"}
    assert [e["id"] for e in scope["event_types"]] == ["git_push", "other"]
    assert scope["event_types"][0]["matches"] == [
        {"kind": "production", "field": "action", "values": ["git_receive_pack"]}
    ]
    assert scope["redaction_policy"] == {"version": "1", "disclose_customer_personal_data": True}
    printed = run_bot("scope", str(other), home=tmp_path, DATABASE_URL=db_url)
    assert json.loads(printed.stdout)["pseudonym_key"] != scope["pseudonym_key"]

    logs_args = ["--logs", *map(str, paths)]
    by_file = run_bot("dive", "--scope", "scope.json", *logs_args, "--out", "a", home=tmp_path)
    by_case = run_bot(
        "dive", "--case", str(number), *logs_args, "--out", "b", home=tmp_path,
        DATABASE_URL=db_url,
    )  # fmt: skip
    assert by_file.returncode == by_case.returncode == 0, by_file.stderr + by_case.stderr
    digest = by_file.stdout.splitlines()[-1]
    assert digest.startswith("digest: ") and len(digest.removeprefix("digest: ")) == 64
    assert digest == by_case.stdout.splitlines()[-1]
    assert f"{len(truth.in_scope)} of {truth.lines} lines kept" in by_file.stdout
    assert "100%" in by_file.stderr  # the progress bar


def test_a_case_that_does_not_exist_or_a_broken_scope_file_is_a_clear_error(db_url, tmp_path):
    missing = run_bot("scope", "999", home=tmp_path, DATABASE_URL=db_url)
    assert missing.returncode == 2 and "There is no case 999." in missing.stderr
    (tmp_path / "scope.json").write_text('{"format": "something else"}')
    broken = run_bot("dive", "--scope", "scope.json", "--logs", "x", "--out", "b", home=tmp_path)
    assert broken.returncode == 2 and "not a scope file" in broken.stderr
