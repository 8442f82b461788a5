"""What the senders' answers write, recorded together: one statement for many rows.

A sender returns an `Apply` (bot.delivery.drain) to run in the commit that marks its message
sent. Most set a few columns of one row (the mirror storing an issue's number on its case);
as `Rows`, those of one commit that set the same columns of the same table go as one
executemany instead of one round trip each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Rows:
    """An `Apply` that sets columns of one row of a table, by its id. The drain records the
    `Rows` of one commit that set the same columns of the same table as one statement, run
    for every row at once (one round trip, not one a message)."""

    table: Table
    row_id: int
    values: tuple[tuple[str, Any], ...]

    def __call__(self, session: Session) -> None:
        statement = update(self.table).where(self.table.c.id == self.row_id)
        session.execute(statement.values(dict(self.values)))


def apply_all(session: Session, applies: Sequence[Callable[[Session], None]]) -> None:
    """Runs each apply; the `Rows` that set the same columns go as one executemany."""
    together: dict[tuple[Table, tuple[str, ...]], list[Rows]] = {}
    for apply in applies:
        if isinstance(apply, Rows):
            together.setdefault((apply.table, tuple(k for k, _ in apply.values)), []).append(apply)
        else:
            apply(session)
    for (table, columns), rows in together.items():
        if len(rows) == 1:
            rows[0](session)
            continue
        statement = update(table).where(table.c.id == bindparam("row_id"))
        statement = statement.values({name: bindparam(f"set_{name}") for name in columns})
        params = [
            {"row_id": row.row_id} | {f"set_{name}": value for name, value in row.values}
            for row in rows
        ]
        session.connection().execute(statement, params)
