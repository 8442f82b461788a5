"""0010: findings recorded before the two-way sync stay the handlers' own; a downgrade drops
what the sync added."""

from __future__ import annotations

from sqlalchemy import MetaData, Table, inspect, select

from db import migrate
from db.session import make_engine
from tests.factories import NOW, case_values


def test_findings_kept_before_0010_are_the_handlers_own(empty_db_url):
    """Findings recorded before the two-way sync are no comments from GitLab."""
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine, "0008")
    old = MetaData()
    info_case, finding = (
        Table(n, old, autoload_with=engine) for n in ("info_case", "case_finding")
    )
    with engine.begin() as connection:
        case_id = connection.execute(
            info_case.insert().values(**case_values())
        ).inserted_primary_key[0]
        connection.execute(
            finding.insert().values(case_id=case_id, at=NOW, author_id="USUP", text="Found")
        )
    migrate.upgrade(engine)
    new = MetaData()
    finding = Table("case_finding", new, autoload_with=engine)
    with engine.connect() as connection:
        row = connection.execute(select(finding)).one()
    assert (row.internal, row.gitlab_note_id, row.gitlab_author, row.withdrawn_at) == (
        False, None, None, None,
    )  # fmt: skip
    assert {"gitlab_delivery", "sync_mark"} <= set(inspect(engine).get_table_names())
    migrate.downgrade(engine, "0008")
    assert "gitlab_delivery" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert (
            connection.execute(
                select(Table("case_finding", MetaData(), autoload_with=engine).c.text)
            ).scalar()
            == "Found"
        )
    engine.dispose()
