"""0013: cases filed before it know no names (GitLab shows their Slack ids), and back."""

from __future__ import annotations

from sqlalchemy import MetaData, Table, inspect, select

from db import migrate
from db.session import make_engine
from tests.factories import NOW, case_values


def test_existing_cases_get_no_names_and_the_column_goes_on_a_downgrade(empty_db_url):
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
        connection.execute(  # an event refers to the case: the column goes in place
            case_event.insert().values(
                case_id=case_id, at=NOW, actor_id="U1", action="submit", to_state="submitted",
                data={},
            )
        )  # fmt: skip

    migrate.upgrade(engine)
    new = Table("info_case", MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        assert connection.execute(select(new.c.people)).scalars().all() == [{}]

    migrate.downgrade(engine, "0008")
    assert "people" not in {c["name"] for c in inspect(engine).get_columns("info_case")}
    engine.dispose()
