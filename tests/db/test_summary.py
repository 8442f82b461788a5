"""The leads' summary against hand-computed figures on a seeded database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app.queries import Status
from bot.cases.errors import NotAllowed, NotFound
from bot.cases.permissions import Actor, Role
from db.models import CaseEvent
from db.session import transaction
from tests.factories import make_case

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
LEAD = Actor("ULEAD", frozenset({Role.LEAD}))


def seed(
    sessions,
    number,
    *,
    state,
    route="support",
    created,
    entered_triage=None,
    due=None,
    snoozed=None,
    owner=None,
    requester="UREQ",
):
    with transaction(sessions) as session:
        case = make_case(session, view_id=f"V{number}")
        case.state, case.route, case.created_at = state, route, created
        case.organisation, case.owner_id, case.requester_id = f"Org{number}", owner, requester
        case.relay_contact_id = requester
        case.next_update_due_at, case.snoozed_until_at = due, snoozed
        if entered_triage:
            session.add(
                CaseEvent(
                    case_id=case.id,
                    at=entered_triage,
                    actor_id="U",
                    action="accept",
                    from_state="submitted",
                    to_state="triage",
                )
            )
        return case.id


@pytest.fixture
def desk(sessions):
    ids = {
        "old_triage": seed(
            sessions,
            1,
            state="triage",
            created=NOW - 30 * H,
            entered_triage=NOW - 30 * H,
            due=NOW - 5 * H,
        ),
        "fresh_triage": seed(
            sessions,
            2,
            state="triage",
            created=NOW - 1 * H,
            entered_triage=NOW - 1 * H,
            due=NOW + 11 * H,
        ),
        "edge_triage": seed(
            sessions,
            3,
            state="triage",
            route="sirt",
            created=NOW - 4 * H,
            entered_triage=NOW - 4 * H,
            due=NOW,
        ),
        "investigating": seed(
            sessions,
            4,
            state="investigating",
            route="sirt",
            created=NOW - 10 * H,
            due=NOW - 1 * H,
            owner="USIRT",
        ),
        "snoozed": seed(
            sessions,
            5,
            state="in_review",
            created=NOW - 8 * H,
            due=NOW - 2 * H,
            snoozed=NOW + H,
            owner="USUP",
        ),
        "legal": seed(sessions, 6, state="pending_legal", route="sirt", created=NOW - 50 * H),
        "closed": seed(sessions, 7, state="closed", created=NOW - 500 * H, due=NOW - 400 * H),
        "withdrawn": seed(sessions, 8, state="withdrawn", created=NOW - 90 * H),
        "shared": seed(sessions, 9, state="shared", created=NOW - 20 * H, due=NOW - 3 * H),
    }
    return Status(sessions=sessions, clock=lambda: NOW, unclaimed_after=4 * H), ids


def test_the_leads_summary_matches_the_hand_count(desk):
    status, ids = desk
    s = status.leads(LEAD)
    assert s.by_state == {
        "triage": 3,
        "investigating": 1,
        "in_review": 1,
        "pending_legal": 1,
        "shared": 1,
    }
    assert s.open_count == 7
    assert s.by_route == {"support": 4, "sirt": 3}
    assert (s.oldest.number, s.oldest.by) == (ids["legal"], 50 * H)
    # Overdue: due strictly before now, in the cadence states, not snoozed past now.
    assert s.overdue_count == 2
    assert [(late.number, late.by) for late in s.overdue] == [
        (ids["old_triage"], 5 * H),
        (ids["investigating"], H),
    ]
    # Unclaimed: in triage for more than 4 hours (exactly 4 is not yet "too long").
    assert s.unclaimed_count == 1
    assert [(late.number, late.by) for late in s.unclaimed] == [(ids["old_triage"], 30 * H)]
    assert s.mirror == {"pending": 0, "parked": 0}


def test_only_leads_get_the_summary(desk):
    status, _ = desk
    with pytest.raises(NotAllowed, match="for leads"):
        status.leads(Actor("USUP", frozenset({Role.SUPPORT})))


def test_one_case_is_for_its_participants_and_leads(desk):
    status, ids = desk
    n = ids["investigating"]
    assert status.case(Actor("USIRT", frozenset()), n).case.number == n  # owner
    assert status.case(Actor("UREQ", frozenset()), n).case.number == n  # requester
    assert status.case(LEAD, n).next_update_due == NOW - H
    with pytest.raises(NotAllowed, match="participants and leads"):
        status.case(Actor("USUP2", frozenset({Role.SUPPORT})), n)
    with pytest.raises(NotFound):
        status.case(LEAD, 999)


def test_mine_lists_open_cases_a_person_files_or_owns(desk):
    status, ids = desk
    assert [c.number for c in status.mine("USIRT")] == [ids["investigating"]]
    assert len(status.mine("UREQ")) == 7
    assert status.mine("UNOBODY") == []


def test_an_empty_desk(sessions):
    s = Status(sessions=sessions, clock=lambda: NOW).leads(LEAD)
    assert (s.open_count, s.oldest, s.overdue_count, s.unclaimed_count) == (0, None, 0, 0)
