"""GitLab failing in every way it does: each case still gets one issue and each note once."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from bot.app.casework import Casework
from bot.app.filing import Filing, Requester
from bot.cases.model import Limits
from bot.cases.permissions import Actor, Role
from bot.config import Settings
from bot.delivery.drain import MAX_ATTEMPTS, MAX_DELAY
from bot.gitlab import build_gitlab_drain
from bot.standins.gitlab_api import FakeGitLab
from db import outbox
from db.cases import history
from db.models import Case, OutboxMessage
from db.session import transaction
from tests import factories
from tests.gitlab.conftest import SIRT_PROJECT, Clock, drain_all, gitlab_env, pending

NOTE_MARKER = re.compile(r"<!-- info-request-bot:event-(\d+) -->")


def assert_mirrored_once(sessions, fake: FakeGitLab, cases: int) -> None:
    """One issue per case, and every event after `submit` as one note, in order."""
    issues = fake.issues(SIRT_PROJECT)
    assert sorted(i["title"] for i in issues) == sorted(
        f"Information request: Acme Corp (case {n})" for n in range(1, cases + 1)
    )
    with transaction(sessions) as session:
        for case in session.scalars(select(Case).order_by(Case.id)):
            events = [e.id for e in history(session=session, case_id=case.id)]
            notes = fake.notes(SIRT_PROJECT, case.gitlab_issue_iid)
            noted = [int(m.group(1)) for n in notes if (m := NOTE_MARKER.search(n["body"]))]
            assert noted == events[1:], f"case {case.id}"
            linked = [n for n in notes if f"info-request-bot:card-{case.id} " in n["body"]]
            assert len(linked) == (1 if case.card_ts else 0), f"case {case.id}"
    assert pending(sessions) == 0 and pending(sessions, "parked") == 0


def file_cases(desk, count: int) -> None:
    for n in range(1, count + 1):
        desk.file("UREQ")
        desk.wait_for_card(n)


def test_gitlab_down_during_submissions_then_back(gdesk, fake):
    fake.down()
    file_cases(gdesk, 3)
    drain_all(gdesk.bot.delivery.gitlab_drain, rounds=3)
    # Each case: its issue, the acceptance note, the note linking its card in Slack.
    assert pending(gdesk.bot.sessions) == 9 and fake.issues(SIRT_PROJECT) == []
    fake.up()
    drain_all(gdesk.bot.delivery.gitlab_drain)
    assert_mirrored_once(gdesk.bot.sessions, fake, 3)


def test_a_429_storm_is_ridden_out_and_retry_after_is_honoured(gdesk, fake):
    sessions = gdesk.bot.sessions
    file_cases(gdesk, 2)
    fake.rate_limit("*", r"/projects/", retry_after=120)
    clock = Clock(datetime.now(UTC))
    replace(gdesk.bot.delivery.gitlab_drain, clock=clock).run()
    with transaction(sessions) as session:
        first = session.get(OutboxMessage, 1)
        assert first.status == "pending" and "rate limited" in first.last_error
        # The listener's own background mirror may have met the 429 first, on the real clock.
        assert abs((first.available_at - clock.now).total_seconds() - 120) < 5

    # Being told to wait costs no attempt: a storm longer than MAX_ATTEMPTS parks nothing.
    fake.rate_limit("*", r"/projects/", retry_after=0, times=12)
    drain_all(gdesk.bot.delivery.gitlab_drain)
    assert_mirrored_once(sessions, fake, 2)


def test_a_create_that_hangs_past_the_timeout_is_adopted_not_repeated(gdesk, fake):
    bot = gdesk.bot
    drain = build_gitlab_drain(
        bot.settings, bot.sessions, bot.delivery.slack_drain.clock, timeout=0.5
    )
    file_cases(gdesk, 1)
    fake.hang("POST", r"/issues$", seconds=1.0)  # carried out after the bot gave up waiting
    drain.run()
    gdesk.wait_until(lambda: fake.issues(SIRT_PROJECT), what="the slow create to land")
    drain_all(drain)
    assert_mirrored_once(bot.sessions, fake, 1)
    assert len(fake.requests("GET", r"/issues$")) >= 1  # the marker search ran


def test_a_lost_create_is_found_among_every_issue_its_search_matches(gdesk, fake):
    """GitLab's search matches part of a word: case 1's marker also finds the issues of cases
    10-19, 100-199, 1000-1999... The issue a lost create opened is found past the first page."""

    def similar(numbers: range) -> None:
        for n in numbers:
            marker = f"<!-- info-request-bot:case-{n} -->"
            fake.add_issue(SIRT_PROJECT, f"Case {n}", description=marker, confidential=True)

    clock = Clock(datetime.now(UTC))
    drain = replace(gdesk.bot.delivery.gitlab_drain, clock=clock)
    fake.down()
    file_cases(gdesk, 1)
    similar(range(100, 250))  # opened after case 1 was filed, before its issue
    fake.up()
    fake.succeed_then_fail("POST", r"/issues$", times=1)  # case 1's issue opens; the bot sees 502
    clock.advance(MAX_DELAY + 1)
    drain.run()
    assert [i["title"] for i in fake.issues(SIRT_PROJECT)][-1].endswith("(case 1)")
    similar(range(1000, 1030))  # and more after it
    drain_all(gdesk.bot.delivery.gitlab_drain)
    ones = [i for i in fake.issues(SIRT_PROJECT) if "info-request-bot:case-1 " in i["description"]]
    assert len(ones) == 1
    with transaction(gdesk.bot.sessions) as session:
        assert session.get(Case, 1).gitlab_issue_iid == ones[0]["iid"]
    searched = fake.requests("GET", r"/issues$")
    assert {r.query_value("page") for r in searched} >= {"1", "2"}


def test_writes_that_succeed_then_answer_502_are_not_duplicated(gdesk, fake):
    file_cases(gdesk, 2)
    gdesk.press("case_claim", 1, user="USUP")
    fake.succeed_then_fail("POST", r"/issues$", times=2)
    fake.succeed_then_fail("POST", r"/notes$", times=2)
    fake.succeed_then_fail("PUT", r"/issues/\d+$", times=1)
    drain_all(gdesk.bot.delivery.gitlab_drain)
    assert_mirrored_once(gdesk.bot.sessions, fake, 2)
    [issue] = [i for i in fake.issues(SIRT_PROJECT) if i["title"].endswith("(case 1)")]
    assert "state::investigating" in issue["labels"] and "state::triage" not in issue["labels"]


def test_what_keeps_failing_is_parked_after_bounded_attempts(gdesk, fake):
    sessions = gdesk.bot.sessions
    file_cases(gdesk, 1)
    fake.fail("POST", r"/issues$", status=503, times=None)
    drain_all(gdesk.bot.delivery.gitlab_drain, rounds=MAX_ATTEMPTS * 3)
    with transaction(sessions) as session:
        # The issue is parked; its notes (acceptance, the card's link) wait behind it, untried.
        assert outbox.backlog(session=session, topic="gitlab") == {"pending": 2, "parked": 1}
        first = session.get(OutboxMessage, 1)
        assert first.attempts == MAX_ATTEMPTS and "503" in first.last_error
    assert len(fake.requests("POST", r"/issues$")) == MAX_ATTEMPTS


def test_a_request_gitlab_refuses_as_invalid_is_parked_at_once(gdesk, fake):
    file_cases(gdesk, 1)
    fake.fail("POST", r"/issues$", status=400, times=None)
    gdesk.bot.delivery.gitlab_drain.run()
    with transaction(gdesk.bot.sessions) as session:
        first = session.get(OutboxMessage, 1)
        assert first.status == "parked" and first.attempts == 1


def _queue_200(sessions) -> None:
    """20 cases of 10 mirror operations each: submit, accept, claim and 7 findings."""
    now = factories.NOW
    services = Filing(sessions=sessions, clock=lambda: now, limits=Limits())
    casework = Casework(sessions=sessions, clock=lambda: now, limits=Limits())
    handler = Actor("USUP", frozenset({Role.SUPPORT}))
    for n in range(20):
        filed = services.submit_intake(
            intake=factories.intake(), requester=Requester("UREQ", "T0"), view_id=f"V{n}"
        )
        casework.claim(filed.case.number, handler)
        for k in range(7):
            casework.add_finding(filed.case.number, handler, f"finding {k}")


def test_two_drains_send_200_operations_exactly_once(pg_sessions):
    sessions = pg_sessions
    _queue_200(sessions)
    assert pending(sessions) == 200
    with FakeGitLab() as fake:
        fake.add_project(SIRT_PROJECT)
        fake.add_project("gitlab-org/gitlab")
        settings = Settings(**{k.lower(): v for k, v in gitlab_env(fake).items()})
        drain = build_gitlab_drain(settings, sessions, lambda: datetime.now(UTC))
        drains = [replace(drain, owner=f"drain-{n}") for n in (1, 2)]
        sent = [0, 0]

        def work(n: int) -> None:
            while pending(sessions):
                sent[n] += drains[n].run()

        threads = [threading.Thread(target=work, args=(n,)) for n in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sum(sent) == 200
        assert len(fake.requests("POST", r"/issues$")) == 20
        assert len(fake.requests("POST", r"/notes$")) == 180
        assert_mirrored_once(sessions, fake, 20)
        assert fake.server_errors == []


def test_an_operation_that_can_never_be_sent_is_parked_and_its_batch_goes_out(gdesk, fake):
    sessions = gdesk.bot.sessions
    file_cases(gdesk, 2)
    with transaction(sessions) as session:
        for case_id, kind, payload in ((1, "note", {"event_id": 9999}), (2, "reindex", {})):
            outbox.enqueue(
                session=session,
                case_id=case_id,
                topic="gitlab",
                kind=kind,
                payload=payload,
                now=datetime.now(UTC),
            )
    drain_all(gdesk.bot.delivery.gitlab_drain)
    with transaction(sessions) as session:
        parked = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "parked"))
        reasons = sorted(row.last_error for row in parked)
    assert reasons == ["case event 9999 does not exist", "unknown GitLab operation 'reindex'"]
    assert len(fake.issues(SIRT_PROJECT)) == 2
