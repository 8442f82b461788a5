"""The scope as SQL: DuckDB keeps exactly the lines the streaming path keeps, and the BigQuery
query parses in that dialect. Skipped only when the `dive-sql` extra is not installed."""

from __future__ import annotations

import pytest

pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")

from bot.dive.bag import dive  # noqa: E402
from bot.dive.sql import duckdb_engine, print_sql  # noqa: E402
from tests.dive import planted as logs  # noqa: E402
from tests.dive.test_leak import kept_lines  # noqa: E402

SCOPES = {
    "all events": logs.scope(),
    "git pushes": logs.scope(events=[logs.GIT_PUSH]),
    "no disclosure": logs.scope(disclose=False),
}


@pytest.mark.parametrize("name", SCOPES)
def test_duckdb_keeps_exactly_the_lines_the_stream_keeps(tmp_path, name):
    paths, _ = logs.write_logs(tmp_path, values=1000)
    scope = SCOPES[name]
    streamed = dive(scope, paths, tmp_path / "stream", processes=1)
    selected = dive(scope, paths, tmp_path / "duckdb", engine=duckdb_engine)
    assert streamed.counts.lines_kept > 0
    assert kept_lines(selected.bag) == kept_lines(streamed.bag)
    assert selected.counts.lines_kept == streamed.counts.lines_kept


@pytest.mark.parametrize("name", SCOPES)
def test_the_bigquery_query_parses_in_bigquery(name):
    text = print_sql(SCOPES[name], "bigquery")
    parsed = sqlglot.parse_one(text, read="bigquery")
    assert parsed.find(sqlglot.exp.Where) is not None
    assert "JSON_EXTRACT_SCALAR" in text and "SAFE_CAST" in text
    assert logs.NAMESPACE in text


def test_the_command_line_prints_the_query_and_dives_with_duckdb(tmp_path):
    import json

    from tests.unit.test_cli import run_bot

    paths, truth = logs.write_logs(tmp_path, values=200)
    (tmp_path / "scope.json").write_text(json.dumps(logs.scope().to_json()))
    printed = run_bot("dive", "--scope", "scope.json", "--print-sql", "bigquery", home=tmp_path)
    assert printed.returncode == 0, printed.stderr
    sqlglot.parse_one(printed.stdout, read="bigquery")
    dived = run_bot(
        "dive", "--scope", "scope.json", "--engine", "duckdb", "--out", "bag",
        "--logs", *map(str, paths), home=tmp_path,
    )  # fmt: skip
    assert dived.returncode == 0, dived.stderr
    assert f"{len(truth.in_scope)} of " in dived.stdout
