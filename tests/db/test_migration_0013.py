"""0013: cases filed before it know no names (GitLab shows their Slack ids), and back."""

from __future__ import annotations

from sqlalchemy import MetaData, Table, inspect, select

from db import migrate
from db.session import make_engine
from tests.db.old_case import case_with_an_event


def test_existing_cases_get_no_names_and_the_column_goes_on_a_downgrade(empty_db_url):
    engine = make_engine(empty_db_url)
    case_with_an_event(engine, "0008")

    migrate.upgrade(engine)
    new = Table("info_case", MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        assert connection.execute(select(new.c.people)).scalars().all() == [{}]

    migrate.downgrade(engine, "0008")
    assert "people" not in {c["name"] for c in inspect(engine).get_columns("info_case")}
    engine.dispose()
