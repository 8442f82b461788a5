"""0011: every case keeps a pseudonym key for the log-dive, cases filed before included."""

from __future__ import annotations

from sqlalchemy import MetaData, Table, inspect, select

from db import migrate
from db.session import make_engine
from tests.factories import NOW, case_values


def test_cases_filed_before_get_their_own_key_and_a_downgrade_drops_it(empty_db_url):
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine, "0008")
    info_case = Table("info_case", MetaData(), autoload_with=engine)
    case_event = Table("case_event", MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        for view in ("V1", "V2"):
            case_id = connection.execute(
                info_case.insert().values(**case_values(view))
            ).inserted_primary_key[0]
            connection.execute(  # an event refers to the case: the table is altered in place
                case_event.insert().values(
                    case_id=case_id, at=NOW, actor_id="U1", action="claim",
                    from_state="triage", to_state="investigating", data={},
                )
            )  # fmt: skip

    migrate.upgrade(engine)
    upgraded = Table("info_case", MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        keys = connection.execute(select(upgraded.c.dive_key)).scalars().all()
    assert len(keys) == 2 and len(set(keys)) == 2
    assert all(len(bytes.fromhex(key)) == 32 for key in keys)

    migrate.downgrade(engine, "0008")
    assert "dive_key" not in {c["name"] for c in inspect(engine).get_columns("info_case")}
    engine.dispose()
