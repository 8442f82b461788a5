"""Filing after the ack: the submission is kept as one row and acknowledged with "Filing…",
then filed; what a dead process left is filed by the worker, once, however many try."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.app.filing import Filed, Requester
from bot.jobs.scheduler import tick
from bot.standins.workspace import TEAM, TRIAGE, intake_answers
from bot.wiring import build_worker
from db.models import Case, ReceivedIntake
from db.session import transaction
from tests.factories import intake


def cases(desk) -> list[int]:
    with transaction(desk.bot.sessions) as session:
        return list(session.scalars(select(Case.id).order_by(Case.id)))


def kept(desk) -> int:
    with transaction(desk.bot.sessions) as session:
        return session.scalar(select(func.count()).select_from(ReceivedIntake))


def received_without_filing(desk, view_id: str) -> None:
    """What the ack wrote, as if `serve` had died before its filer ran."""
    now = datetime.now(UTC)
    fresh = intake(window_start=now - timedelta(days=3), window_end=now - timedelta(days=1))
    filing = desk.bot.use_cases.filing
    filing.receive(intake=fresh, requester=Requester("UREQ", TEAM), view_id=view_id)


def test_the_modal_says_filing_then_shows_the_case_number(desk):
    view = desk.open_intake("UREQ")
    response = desk.submit(view, intake_answers())
    ack = response.ack.json()
    assert ack["response_action"] == "update"
    assert ack["view"]["title"]["text"] == "Filing request"
    assert "*case" not in json.dumps(ack["view"]), "no case number before the case exists"
    assert "Filed as *case 1* (Support)" in json.dumps(desk.slack.get_view(view["id"]))
    desk.wait_for_card(1)
    desk.wait_for_dm("UREQ", "Case 1 filed")
    assert kept(desk) == 0, "the kept answers go once the case holds them"


def test_a_second_delivery_of_a_filed_view_shows_its_case_and_files_nothing(desk):
    view = desk.open_intake("UREQ")
    desk.submit(view, intake_answers())
    again = desk.submit(view, intake_answers())
    assert again.ack.json()["view"]["title"]["text"] == "Filing request"
    assert "Filed as *case 1*" in json.dumps(again.json()["view"])
    assert cases(desk) == [1] and kept(desk) == 0


def test_an_intake_a_dead_process_left_is_filed_by_the_worker_once(desk):
    view = desk.open_intake("UREQ")
    received_without_filing(desk, view["id"])
    received_without_filing(desk, view["id"])  # Slack delivering it again: still one row
    assert kept(desk) == 1
    jobs, now = build_worker(desk.bot), datetime.now(UTC)
    tick(jobs, now)
    assert cases(desk) == [], "a fresh intake is serve's to file, right after its ack"
    results = tick(jobs, now + timedelta(seconds=31))
    assert results["intake"] == 1
    assert cases(desk) == [1] and kept(desk) == 0
    assert "Filed as *case 1*" in json.dumps(desk.slack.get_view(view["id"]))
    assert [m for m in desk.slack.channel_posts() if m.get("channel") == TRIAGE]
    assert tick(jobs, now + timedelta(seconds=62))["intake"] == 0
    assert cases(desk) == [1]


def test_filers_racing_for_one_intake_file_one_case(desk):
    received_without_filing(desk, "VRACE")
    outcomes: list[object] = []
    start = threading.Barrier(4)

    def file() -> None:
        start.wait()
        outcomes.append(desk.bot.use_cases.filing.file_received("VRACE"))

    threads = [threading.Thread(target=file) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    filed = [o for o in outcomes if isinstance(o, Filed)]
    assert len(outcomes) == 4 and len(filed) == 1 and filed[0].created
    assert cases(desk) == [1] and kept(desk) == 0
