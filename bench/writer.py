"""Bulk row writing below the ORM: COPY on Postgres, one executemany per chunk on SQLite.

Values are converted the way the models store them (JSON as text, UTC datetimes; SQLite keeps
them as naive ISO text, as SQLAlchemy does), so the bot reads the rows back like its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, text
from sqlalchemy.orm import DeclarativeBase

from db.session import make_engine

Convert = Callable[[Any], Any]


def _json(value: Any) -> str:
    return json.dumps(value)


def _sqlite_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _same(value: Any) -> Any:
    return value


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _converters(model: type[DeclarativeBase], sqlite: bool) -> list[tuple[str, Convert | None]]:
    columns: list[tuple[str, Convert | None]] = []
    for column in model.__table__.columns:
        kind = column.type
        convert: Convert | None = None
        if isinstance(kind, JSON):
            convert = _json
        elif sqlite and isinstance(getattr(kind, "impl", kind), DateTime):
            convert = _sqlite_time
        elif sqlite and isinstance(kind, Boolean):
            convert = _sqlite_bool
        columns.append((column.name, convert))
    return columns


class TableWriter:
    """Appends rows (dicts keyed by column name) to the tables of `models`."""

    def __init__(self, url: str, models: Iterable[type[DeclarativeBase]]) -> None:
        self.engine = make_engine(url)
        self.sqlite = self.engine.dialect.name == "sqlite"
        self.columns = {m.__tablename__: _converters(m, self.sqlite) for m in models}
        self.raw = self.engine.raw_connection()
        # How a datetime goes into a row written with `write_tuples`.
        self.time: Convert = _sqlite_time if self.sqlite else _same
        if self.sqlite:  # the bot's connections autocommit; one transaction for the load
            self.raw.cursor().execute("BEGIN")

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if exc_info[0] is None:
                if self.sqlite:
                    self.raw.cursor().execute("COMMIT")
                else:
                    self.raw.commit()
                self._finish()
        finally:
            self.raw.close()
            self.engine.dispose()

    def write(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Rows as dicts, converted column by column (for the few wide rows)."""
        columns = self.columns[table]
        values = (
            tuple(row[name] if convert is None else convert(row[name]) for name, convert in columns)
            for row in rows
        )
        self.write_tuples(table, [name for name, _ in columns], values)

    def write_tuples(self, table: str, names: list[str], values: Iterable[tuple]) -> None:
        """Rows already in storage form (datetimes through `self.time`, JSON as text)."""
        marks = ", ".join("?" for _ in names)
        names_sql = ", ".join(names)
        cursor = self.raw.cursor()
        try:
            if self.sqlite:
                cursor.executemany(f"INSERT INTO {table} ({names_sql}) VALUES ({marks})", values)
            else:
                with cursor.copy(f"COPY {table} ({names_sql}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
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
