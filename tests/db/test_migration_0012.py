"""0012: the event log is indexed by time, and the index goes on a downgrade."""

from __future__ import annotations

from sqlalchemy import inspect

from db import migrate
from db.session import make_engine


def _indexes(engine) -> dict[str, list[str]]:
    return {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("case_event")}


def test_the_event_log_is_indexed_by_time_and_back(empty_db_url):
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine)
    assert _indexes(engine)["ix_case_event_at"] == ["at"]
    migrate.downgrade(engine, "0008")
    assert "ix_case_event_at" not in _indexes(engine)
    migrate.upgrade(engine)
    assert "ix_case_event_at" in _indexes(engine)
    engine.dispose()
