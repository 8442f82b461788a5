"""0007: cases filed before it take their waivers and Legal's approval from their history."""

from __future__ import annotations

from sqlalchemy import MetaData, Table, select

from db import migrate
from db.session import make_engine
from tests.factories import NOW, case_values


def test_existing_cases_keep_what_legal_approved(empty_db_url):
    engine = make_engine(empty_db_url)
    migrate.upgrade(engine, "0006")
    old = MetaData()
    info_case, case_event = (
        Table(n, old, autoload_with=engine) for n in ("info_case", "case_event")
    )
    with engine.begin() as connection:
        ids = []
        for n, approved in enumerate((True, False)):
            values = {**case_values(f"V{n}"), "exception_justification": "Renewal next week."}
            case_id = connection.execute(info_case.insert().values(**values)).inserted_primary_key[
                0
            ]
            ids.append(case_id)
            events = [("submit", None, "submitted", {"waived": ["plan"]})]
            if approved:
                events.append(("legal_approve", "pending_legal", "triage", {}))
                events.append(("submit_for_review", "investigating", "in_review", {}))
            for action, source, target, data in events:
                actor = "USUB" if action == "submit_for_review" else "U1"
                connection.execute(
                    case_event.insert().values(
                        case_id=case_id, at=NOW, actor_id=actor, action=action,
                        from_state=source, to_state=target, data=data,
                    )
                )  # fmt: skip
    migrate.upgrade(engine)
    new = Table("info_case", MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                new.c.waived,
                new.c.approved_waivers,
                new.c.approved_justification,
                new.c.exception_unneeded,
                new.c.users_in_namespace,
                new.c.audit_events,
                new.c.submitter_id,
            ).order_by(new.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        (["plan"], ["plan"], "Renewal next week.", False, False, "", "USUB"),
        (["plan"], [], "", False, False, "", None),
    ]
    engine.dispose()
