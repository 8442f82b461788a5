"""The scope as SQL, from one sqlglot expression: run by DuckDB over the same files
(`--engine duckdb`), or printed for logs kept in BigQuery (`--print-sql bigquery`).

The query reads a table of `kind` (the log kind) and `json` (one line, a JSON object) and keeps
what `bot.dive.scope.in_scope` keeps; the kept lines are then projected and redacted in Python
exactly as the streaming path does. Needs the `dive-sql` extra (duckdb, sqlglot).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlglot import exp

from bot.dive.bag import part_name
from bot.dive.kinds import kind_of
from bot.dive.reader import Counts, render
from bot.dive.redact import Redactor
from bot.dive.scope import PATH_FIELDS, PERSON_FIELDS, Match, Scope

TABLE = "logs"


def _field(name: str) -> exp.Expression:
    path = exp.JSONPath(expressions=[exp.JSONPathRoot(), exp.JSONPathKey(this=name)])
    return exp.JSONExtractScalar(this=exp.column("json"), expression=path)


def _text(value: str) -> exp.Expression:
    return exp.Literal.string(value)


def _under(value: exp.Expression, namespace: str) -> exp.Expression:
    lowered, namespace = exp.Lower(this=value), namespace.lower()
    return exp.paren(
        exp.or_(
            lowered.eq(_text(namespace)),
            exp.func("STARTS_WITH", lowered, _text(namespace + "/")),
        )
    )


def _present(value: exp.Expression) -> exp.Expression:
    return exp.paren(exp.and_(exp.not_(value.is_(exp.null())), value.neq("")))


def _when(value: str) -> exp.Expression:
    return exp.cast(_text(value), "timestamptz")


def _match(match: Match) -> exp.Expression:
    value = _field(match.field)
    hits: list[Any] = [value.isin(*map(_text, match.values))] if match.values else []
    hits.extend(exp.func("STARTS_WITH", value, _text(p)) for p in match.prefixes)
    return exp.paren(exp.and_(exp.column("kind").eq(_text(match.kind)), exp.paren(exp.or_(*hits))))


def predicate(scope: Scope) -> exp.Condition:
    """`in_scope` as one SQL condition over the columns `kind` and `json`."""
    window = scope.to_json()["window"]
    when = exp.TryCast(this=_field("time"), to=exp.DataType.build("timestamptz"))
    paths = [_field(name) for name in PATH_FIELDS]
    users = [_text(u.lower()) for u in scope.users]
    people = [exp.Lower(this=_field(name)).isin(*users) for name in PERSON_FIELDS] if users else []
    tied = exp.or_(*(_present(p) for p in paths), *people)
    conditions = [
        exp.Between(this=when, low=_when(window["start"]), high=_when(window["end"])),
        *(exp.paren(exp.or_(exp.not_(_present(p)), _under(p, scope.namespace))) for p in paths),
        exp.paren(tied),
    ]
    if scope.events and all(e.matches for e in scope.events):
        conditions.append(exp.paren(exp.or_(*(_match(m) for e in scope.events for m in e.matches))))
    return exp.and_(*conditions)


def query(scope: Scope, source: exp.Expression | str = TABLE) -> exp.Select:
    return exp.select("json").from_(source).where(predicate(scope))


def print_sql(scope: Scope, dialect: str) -> str:
    """The query for a table `logs` (`kind`, `json`) in that database's dialect."""
    return query(scope).sql(dialect=dialect, pretty=True) + ";"


def duckdb_engine(scope: Scope, logs: Sequence[Path], out: Path) -> list[Counts]:
    """Selects each file's lines with DuckDB (`read_ndjson_objects`), redacts them in Python."""
    import duckdb

    results = []
    with duckdb.connect() as db:
        db.execute("SET TimeZone = 'UTC'")
        for index, path in enumerate(logs, start=1):
            reader = exp.func(
                "read_ndjson_objects",
                _text(str(path)),
                exp.EQ(this=exp.column("ignore_errors"), expression=exp.true()),
            )
            source = exp.select(exp.alias_(_text(kind_of(path)), "kind"), "json").from_(reader)
            lines = db.execute(f"SELECT count(*) FROM {reader.sql('duckdb')}").fetchone()
            rows = db.execute(query(scope, source.subquery(TABLE)).sql("duckdb")).fetchall()
            results.append(_write(scope, path, out / part_name(index, path), rows))
            results[-1].lines_read = lines[0] if lines else 0
    return results


def _write(scope: Scope, path: Path, part: Path, rows: list[tuple[str]]) -> Counts:
    redactor, kind = Redactor(scope), kind_of(path)
    if rows:
        with open(part, "w", encoding="utf-8") as sink:
            for (line,) in rows:
                sink.write(render(redactor, kind, json.loads(line)) + "\n")
    return Counts(
        lines_kept=len(rows),
        fields_dropped=redactor.tally.dropped,
        values_pseudonymised=redactor.tally.pseudonymised,
        values_masked=redactor.tally.masked,
    )
