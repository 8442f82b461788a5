"""A database at an older revision holding one case and one event that refers to it."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData, Table

from db import migrate
from tests.factories import NOW, case_values


def case_with_an_event(engine: Engine, revision: str) -> int:
    """Migrates to `revision`, files one case with one event (so SQLite refuses a batch copy
    of the case table), and returns the case's id."""
    migrate.upgrade(engine, revision)
    old = MetaData()
    info_case, case_event = (
        Table(n, old, autoload_with=engine) for n in ("info_case", "case_event")
    )
    with engine.begin() as connection:
        case_id = connection.execute(
            info_case.insert().values(**case_values())
        ).inserted_primary_key[0]
        connection.execute(
            case_event.insert().values(
                case_id=case_id, at=NOW, actor_id="U1", action="claim", from_state="triage",
                to_state="investigating", data={},
            )
        )  # fmt: skip
    return case_id
