"""The start-up schema check answers as Alembic would, without Alembic when plainly at head."""

from __future__ import annotations

from db import migrate
from db.schema_check import is_current, plain_head
from db.session import make_engine


def test_the_plain_head_is_alembics_head():
    assert plain_head() == migrate.head_revision()


def test_current_at_head_and_not_before_or_when_empty(empty_db_url):
    engine = make_engine(empty_db_url)
    try:
        assert not is_current(engine)  # nothing migrated: no alembic_version table
        migrate.upgrade(engine, "0012")
        assert not is_current(engine)
        migrate.upgrade(engine)
        assert is_current(engine)
    finally:
        engine.dispose()


def test_a_chain_it_cannot_read_plainly_is_left_to_alembic(tmp_path):
    (tmp_path / "a.py").write_text('revision = "1"\ndown_revision = None\n')
    (tmp_path / "b.py").write_text('revision: str = "2"\ndown_revision: str | None = "1"\n')
    assert plain_head(tmp_path) == "2"
    (tmp_path / "c.py").write_text('revision = "3"\ndown_revision = ("1", "2")\n')  # a merge
    assert plain_head(tmp_path) is None
