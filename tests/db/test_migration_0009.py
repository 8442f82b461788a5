"""0009: cases that exist owe no cost confirmation, and the asks table comes and goes, in place
(the cases keep their events through both directions)."""

from __future__ import annotations

from sqlalchemy import MetaData, Table, inspect, select

from db import migrate
from db.session import make_engine
from tests.db.old_case import case_with_an_event


def test_existing_cases_owe_no_cost_confirmation_and_the_way_back_keeps_them(empty_db_url):
    engine = make_engine(empty_db_url)
    case_id = case_with_an_event(engine, "0008")

    migrate.upgrade(engine)
    cases = Table("info_case", MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        pending = connection.execute(select(cases.c.cost_notice_pending)).scalars().all()
    assert [bool(p) for p in pending] == [False]
    assert "case_message" in inspect(engine).get_table_names()

    migrate.downgrade(engine, "0008")
    assert "case_message" not in inspect(engine).get_table_names()
    columns = {c["name"] for c in inspect(engine).get_columns("info_case")}
    assert "cost_notice_pending" not in columns
    with engine.connect() as connection:
        events = Table("case_event", MetaData(), autoload_with=engine)
        assert connection.execute(select(events.c.case_id)).scalars().all() == [case_id]
    engine.dispose()
