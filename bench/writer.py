"""Bulk row writing below the ORM: COPY on Postgres, one executemany per chunk on SQLite.

Values are converted the way the models store them (JSON as text, UTC datetimes; SQLite keeps
them as naive ISO text, as SQLAlchemy does), so the bot reads the rows back like its own. A
naive datetime is taken as UTC.

On Postgres the rows go in as COPY text, formatted here into one string per table and chunk,
and the load is done the way `pg_restore` does one: the tables' plain indexes and foreign keys
are dropped for the load and made again, from their own definitions, before the one commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from itertools import repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, text
from sqlalchemy.orm import DeclarativeBase

from db.session import make_engine

Convert = Callable[[Any], Any]
NULL = "\\N"  # COPY text's null
ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

# The plain indexes and the foreign keys of the tables being loaded, as `pg_restore` makes
# them after the data: (how to drop it, how to make it again).
DEFERRED = """
SELECT format('DROP INDEX %%s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = ANY(CAST(%(tables)s AS regclass[]))
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
UNION ALL
SELECT format('ALTER TABLE %%s DROP CONSTRAINT %%I', c.conrelid::regclass, c.conname),
       format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', c.conrelid::regclass, c.conname,
              pg_get_constraintdef(c.oid))
FROM pg_constraint c
WHERE c.contype = 'f' AND c.conrelid = ANY(CAST(%(tables)s AS regclass[]))
"""


def _json(value: Any) -> str:
    return json.dumps(value)


def _sqlite_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


def _postgres_time(value: datetime | None) -> str | None:
    """ISO text, with its offset when it has one (the load's session is in UTC)."""
    return None if value is None else str(value)


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _converters(model: type[DeclarativeBase], sqlite: bool) -> list[tuple[str, Convert | None]]:
    columns: list[tuple[str, Convert | None]] = []
    for column in model.__table__.columns:
        kind = column.type
        convert: Convert | None = None
        if isinstance(kind, JSON):
            convert = _json
        elif isinstance(getattr(kind, "impl", kind), DateTime):
            convert = _sqlite_time if sqlite else _postgres_time
        elif sqlite and isinstance(kind, Boolean):
            convert = _sqlite_bool
        columns.append((column.name, convert))
    return columns


def _field(value: Any) -> str:
    return NULL if value is None else str(value).translate(ESCAPES)


def copy_text(rows: list[tuple]) -> str:
    """Rows as COPY text: None as null, booleans as True/False (which Postgres reads), the
    rest as `str` gives it. Formatted without escaping, and checked: when the text holds a
    backslash, tab or newline that is not one of ours, formatted again with escapes."""
    lines = "".join(
        [
            "\t".join([v if type(v) is str else NULL if v is None else str(v) for v in row]) + "\n"
            for row in rows
        ]
    )
    fields, nulls = sum(map(len, rows)), sum(map(tuple.count, rows, repeat(None)))
    if (
        lines.count("\\") == nulls
        and lines.count("\t") == fields - len(rows)
        and lines.count("\n") == len(rows)
        and "\r" not in lines
    ):
        return lines
    return "".join(["\t".join([_field(v) for v in row]) + "\n" for row in rows])


class TableWriter:
    """Appends rows (dicts keyed by column name) to the tables of `models`."""

    def __init__(self, url: str, models: Iterable[type[DeclarativeBase]]) -> None:
        self.engine = make_engine(url)
        self.sqlite = self.engine.dialect.name == "sqlite"
        self.columns = {m.__tablename__: _converters(m, self.sqlite) for m in models}
        self.raw = self.engine.raw_connection()
        # How a datetime goes into a row written with `write_tuples`.
        self.time: Convert = _sqlite_time if self.sqlite else _postgres_time
        self.deferred: list[tuple[str, str]] = []
        if self.sqlite:  # the bot's connections autocommit; one transaction for the load
            self.raw.cursor().execute("BEGIN")
        else:
            self._defer()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if exc_info[0] is None:
                if self.sqlite:
                    self.raw.cursor().execute("COMMIT")
                else:
                    self._restore()
                    self.raw.commit()
                self._finish()
        finally:
            self.raw.close()
            self.engine.dispose()

    def write(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Rows as dicts, converted column by column (for the few wide rows)."""
        columns = self.columns[table]
        names = [name for name, _ in columns]
        converted = [(i, convert) for i, (_, convert) in enumerate(columns) if convert]
        pick, values = itemgetter(*names), []
        for row in rows:
            value = list(pick(row))
            for i, convert in converted:
                value[i] = convert(value[i])
            values.append(tuple(value))
        self.write_tuples(table, names, values)

    def write_tuples(self, table: str, names: list[str], values: Iterable[tuple]) -> None:
        """Rows already in storage form (datetimes through `self.time`, JSON as text)."""
        names_sql = ", ".join(names)
        cursor = self.raw.cursor()
        try:
            if self.sqlite:
                marks = ", ".join("?" for _ in names)
                cursor.executemany(f"INSERT INTO {table} ({names_sql}) VALUES ({marks})", values)
            else:
                with cursor.copy(f"COPY {table} ({names_sql}) FROM STDIN") as copy:
                    copy.write(copy_text(list(values)))
        finally:
            cursor.close()

    def _defer(self) -> None:
        """Drops the plain indexes and foreign keys of the tables, in the load's transaction;
        naive datetimes are read as UTC."""
        cursor = self.raw.cursor()
        try:
            cursor.execute("SET LOCAL TIME ZONE 'UTC'")
            cursor.execute(DEFERRED, {"tables": list(self.columns)})
            self.deferred = cursor.fetchall()
            for drop, _ in self.deferred:
                cursor.execute(drop)
        finally:
            cursor.close()

    def _restore(self) -> None:
        """Makes the dropped indexes, then the foreign keys, again (checking every row)."""
        cursor = self.raw.cursor()
        try:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _, make in self.deferred:
                cursor.execute(make)
        finally:
            cursor.close()

    def _finish(self) -> None:
        """Postgres: move the id sequences past the copied ids, and refresh the statistics
        autovacuum would gather soon after such a load (SQLite has none unless asked)."""
        if self.sqlite:
            return
        with self.engine.begin() as connection:
            for table in self.columns:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
                    )
                )
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
