"""0008: reasons already recorded move to `event_text`, and back on a downgrade."""

from __future__ import annotations

from sqlalchemy import MetaData, Table, inspect, select

from db import migrate
from db.session import make_engine
from tests.factories import NOW, case_values


def _event(case_id: int, action: str, reason: str | None) -> dict:
    return dict(
        case_id=case_id, at=NOW, actor_id="U1", action=action, from_state="triage",
        to_state="withdrawn", data={}, reason=reason,
    )  # fmt: skip


def test_recorded_reasons_move_to_event_texts_and_back(empty_db_url):
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine, "0007")
    old = MetaData()
    info_case, case_event = (
        Table(n, old, autoload_with=engine) for n in ("info_case", "case_event")
    )
    with engine.begin() as connection:
        case_id = connection.execute(
            info_case.insert().values(**case_values())
        ).inserted_primary_key[0]
        for action, reason in (("claim", None), ("withdraw", "The customer gave up.")):
            connection.execute(case_event.insert().values(**_event(case_id, action, reason)))

    migrate.upgrade(engine)
    assert "reason" not in {c["name"] for c in inspect(engine).get_columns("case_event")}
    event_text = Table("event_text", MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        assert connection.execute(select(event_text.c.case_id, event_text.c.text)).all() == [
            (case_id, "The customer gave up.")
        ]

    migrate.downgrade(engine, "0007")
    restored = Table("case_event", MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        reasons = connection.execute(select(restored.c.reason).order_by(restored.c.id)).scalars()
        assert list(reasons) == [None, "The customer gave up."]
    engine.dispose()
