"""0009: cases that exist owe no cost confirmation, and the asks table comes and goes, in place
(the cases keep their events through both directions)."""

from __future__ import annotations

from sqlalchemy import MetaData, Table, inspect, select

from db import migrate
from db.session import make_engine
from tests.factories import NOW, case_values


def test_existing_cases_owe_no_cost_confirmation_and_the_way_back_keeps_them(empty_db_url):
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine, "0008")
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
        assert connection.execute(select(case_event.c.case_id)).scalars().all() == [case_id]
    engine.dispose()
