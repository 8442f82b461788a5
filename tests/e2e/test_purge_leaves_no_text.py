"""After the retention purge, nothing anyone typed into a case remains in the database.

Every free-text box of the process is filled through the served bot with a marker of its
own; the cases end; the purge runs; then every text and JSON column of every table is read
back and searched for the markers. (The organisation's name is the case's label and stays.)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import JSON, MetaData, String, Text, select

from bot.cases.permissions import Actor, Role
from bot.standins.slack_payloads import multi_static_select, plain_text_input, static_select
from bot.standins.workspace import intake_answers
from db.session import transaction
from tests.e2e.test_casework import ARTEFACTS
from tests.e2e.test_rules_hold import WAIVED_PLAN, row

MARKERS: list[str] = []


def mark(name: str) -> str:
    """A text carrying a marker no other text contains."""
    marker = f"qqmark{name}qq"
    MARKERS.append(marker)
    return f"Typed {marker} here."


def said(name: str) -> dict:
    return {"text": plain_text_input(mark(name))}


def typed_intake() -> dict:
    return {
        "ticket_url": {"type": "url_text_input", "value": "https://t.example.com/qqmarkurlqq"},
        "namespace": plain_text_input("qqmarknamespaceqq"),
        "projects": plain_text_input("qqmarknamespaceqq/qqmarkprojectqq"),
        "groups": plain_text_input("qqmarknamespaceqq/qqmarkgroupqq"),
        "users": plain_text_input("qqmarkuserqq"),
        "event_types": multi_static_select(["sign_in", "other"]),
        "event_other": plain_text_input(mark("other")),
        "summary": plain_text_input(mark("summary")),
        "audit_events": plain_text_input(mark("audit")),
    }


def text_columns(desk) -> dict[str, list[str]]:
    """Every value of every text or JSON column, by table.column, as text."""
    engine = desk.bot.sessions.kw["bind"]
    metadata = MetaData()
    metadata.reflect(engine)
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, String | Text | JSON):
                    values = connection.execute(select(column)).scalars()
                    found[f"{table.name}.{column.name}"] = [json.dumps(v) for v in values]
    return found


def test_after_the_purge_no_typed_text_of_a_case_remains(desk):
    MARKERS[:] = ["qqmarknamespaceqq", "qqmarkprojectqq", "qqmarkgroupqq", "qqmarkuserqq"]
    MARKERS.append("qqmarkurlqq")
    # 1: an exception Legal approves, worked, re-scoped, costed, updated, then withdrawn
    desk.file(**typed_intake(), **WAIVED_PLAN)
    desk.wait_for_card(1)
    desk.press("case_legal_approve", 1, user="ULEGAL")
    desk.press("case_claim", 1, user="USIRT")
    desk.fill("case_add_finding", 1, said("finding"), user="USIRT")
    desk.fill("case_request_rescope", 1, said("rescope"), user="USIRT")
    edit = desk.modal_from("case_edit_scope", 1, user="UREQ")
    answers = intake_answers(**typed_intake(), plan=static_select("free"))
    answers["exception"] = {"input": plain_text_input(mark("exc2"))}
    desk.submit(edit, answers, user="UREQ")
    desk.settle(1)
    desk.press("case_legal_approve", 1, user="ULEGAL")
    desk.fill("case_cost_notice", 1, said("cost"), user="USIRT")
    relay = Actor("UREQ", frozenset({Role.REQUESTER}))  # an update summary, as the API takes it
    desk.bot.use_cases.cadence.record_customer_update(1, relay, mark("update"))
    desk.fill("case_withdraw", 1, said("withdraw"), user="UREQ")
    # 2: Legal denies; 3: a handler declines
    desk.file(**typed_intake(), **WAIVED_PLAN | {"exception": plain_text_input(mark("exc"))})
    desk.fill("case_legal_deny", 2, said("deny"), user="ULEGAL")
    desk.file(**typed_intake())
    desk.fill("case_decline", 3, said("decline"), user="USUP")
    # 4: reviewed, rejected once, shared, closed with no gap
    desk.file(**typed_intake())
    desk.wait_for_card(4)
    desk.press("case_claim", 4, user="USUP")
    artefacts = {
        **ARTEFACTS,
        "artefact_description": plain_text_input(mark("artefacts")),
        "artefact_location": plain_text_input(mark("location")),
    }
    desk.fill("case_submit_review", 4, artefacts, user="USUP")
    desk.fill("case_reject", 4, said("reject"), user="ULEGAL")
    desk.fill("case_submit_review", 4, artefacts, user="USUP")
    desk.press("case_approve", 4, user="USEC")
    desk.press("case_approve", 4, user="ULEGAL")
    desk.press("case_mark_shared", 4, user="UREQ")
    desk.fill("case_close_gap", 4, {"no_gap": plain_text_input(mark("nogap"))}, user="USUP")
    assert [row(desk, n).state for n in (1, 2, 3, 4)] == [
        "withdrawn",
        "rejected",
        "declined",
        "closed",
    ]
    before = json.dumps(text_columns(desk))
    assert [m for m in MARKERS if m not in before] == [], "every marker was stored somewhere"

    later = datetime.now(UTC) + timedelta(days=400)
    assert desk.bot.use_cases.purge.run(later) == 4
    after = text_columns(desk)
    left = {
        f"{where}: {marker}"
        for where, values in after.items()
        for marker in MARKERS
        if any(marker in value for value in values)
    }
    assert left == set()
    with transaction(desk.bot.sessions) as session:
        assert session.get_bind()  # the database is still there, with its cases
    assert row(desk, 1).organisation == "Acme Corp"
