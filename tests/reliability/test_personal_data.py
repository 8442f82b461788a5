"""Personal data: cases filed with a unique marker in every personal field, worked through
several steps; no channel message and no log line at INFO or above (as text or as JSON) may
carry a marker, a resource path, a user name or an IP address.
"""

from __future__ import annotations

import io
import json
import logging
import re

from sqlalchemy import event

from bot.logs import JsonFormatter
from bot.standins.slack_payloads import multi_static_select, plain_text_input, static_select
from bot.standins.workspace import TRIAGE
from db.models import Case
from tests.reliability.conftest import count

IP = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")


def personal(n: int) -> dict:
    """Answers whose every personal field holds a marker unique to case n."""
    return {
        "namespace": plain_text_input(f"nsmark{n}"),
        "projects": plain_text_input(f"nsmark{n}/projmark{n}\nnsmark{n}/other/projmark{n}b"),
        "groups": plain_text_input(f"nsmark{n}/grpmark{n}"),
        "users": plain_text_input(f"@usermark{n}\nusermark{n}b"),
        "event_types": multi_static_select(["sign_in", "other"]),
        "event_other": plain_text_input(f"othermark{n} from 192.0.2.{n}"),
        "summary": plain_text_input(f"summark{n}: token used from 203.0.113.{n} by usermark{n}"),
        "ticket_url": plain_text_input(f"https://support.example.com/tickets/ticketmark{n}"),
    }


def markers(n: int) -> list[str]:
    return [
        f"nsmark{n}",
        f"projmark{n}",
        f"grpmark{n}",
        f"usermark{n}",
        f"othermark{n}",
        f"summark{n}",
        f"ticketmark{n}",
        f"192.0.2.{n}",
        f"203.0.113.{n}",
    ]


def file_and_work(desk) -> list[str]:
    """Files three cases (one with an exception) and walks them through several steps."""
    count("personal", desk.file("UREQ", **personal(1)))
    count("personal", desk.file("UREQ2", **personal(2)))
    exception = {"plan": static_select("free"), "exception": plain_text_input("excmark3 Legal")}
    count("personal", desk.file("UREQ", **personal(3), **exception))
    for n in (1, 2, 3):
        desk.wait_for_card(n)
    desk.press("case_claim", 1, user="USUP")
    desk.fill(
        "case_add_finding", 1, {"text": plain_text_input("findmark1 198.51.100.1")}, user="USUP"
    )
    desk.fill("case_request_rescope", 1, {"text": plain_text_input("whymark1")}, user="USUP")
    desk.press("case_claim", 2, user="USUP2")
    desk.fill("case_withdraw", 2, {"text": plain_text_input("wdmark2")}, user="UREQ2")
    desk.press("case_legal_approve", 3, user="ULEGAL")
    desk.press("case_claim", 1, user="UNOBODY")  # a refusal is logged too
    return [*markers(1), *markers(2), *markers(3), "excmark3", "findmark1", "whymark1", "wdmark2"]


def test_no_channel_message_carries_a_path_a_user_name_or_an_ip_address(desk):
    secrets = file_and_work(desk)
    posts = desk.slack.channel_posts()
    assert any(p.get("channel") == TRIAGE for p in posts)
    posted = json.dumps(posts, ensure_ascii=False)
    for secret in secrets:
        assert secret not in posted, secret
    assert IP.findall(posted) == []


def test_logs_at_info_carry_no_personal_data_while_cases_are_worked(desk, caplog):
    with caplog.at_level(logging.INFO):
        secrets = file_and_work(desk)
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "case 1 filed" in logged
    for secret in secrets:
        assert secret not in logged, secret
    assert IP.findall(logged) == [], "an IP address reached the log"


def test_a_database_error_while_filing_logs_no_personal_data(desk, caplog):
    engine = desk.bot.sessions.kw["bind"]
    dbapi_error = engine.dialect.loaded_dbapi.OperationalError

    def locked(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO INFO_CASE"):
            raise dbapi_error("database is locked")

    event.listen(engine, "before_cursor_execute", locked)
    try:
        with caplog.at_level(logging.INFO):
            response = count("personal", desk.file("UREQ", **personal(7)))
    finally:
        event.remove(engine, "before_cursor_execute", locked)
    assert "error id" in json.dumps(response.json())
    with desk.bot.sessions() as session:
        assert session.query(Case).count() == 0
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "unexpected error" in logged
    for secret in markers(7):
        assert secret not in logged, secret


def test_json_logs_are_one_object_a_line_with_case_and_request_and_no_personal_data(desk):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        secrets = file_and_work(desk)
        desk.settle()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and all({"time", "level", "logger", "message"} <= set(x) for x in lines)
    assert any(x["message"].startswith("intake received (view ") and "request" in x for x in lines)
    assert any(x["message"] == "case 1 filed (support)" and x.get("case") == 1 for x in lines)
    refusal = next(x for x in lines if x["message"].startswith("refused actor=UNOBODY"))
    assert len(refusal["request"]) == 12
    assert any(x.get("case") == 1 for x in lines)
    logged = stream.getvalue()
    for secret in secrets:
        assert secret not in logged, secret
    assert IP.findall(logged) == [], "an IP address reached the log"
