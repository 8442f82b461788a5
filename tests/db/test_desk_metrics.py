"""The desk metrics against a hand-counted desk: weekends, holidays and two time zones.

The calendar: 09:00-17:00, Monday to Friday, with Friday 25 and Monday 28 December 2026 as
holidays. The period is the 30 days up to Wednesday 30 December, 12:00 UTC.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.app.cadence import CadencePolicy
from bot.app.queries import Status
from bot.app.reports import DeskReport
from bot.cases.metrics import Miss, sparkline
from bot.cases.permissions import Actor, Role
from db.models import CaseEvent
from db.session import transaction
from messages.metrics import csv_rows, text_report
from messages.status import build_leads_summary
from tests.factories import make_case

NOW = datetime(2026, 12, 30, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
HOLIDAYS = {date(2026, 12, 25), date(2026, 12, 28)}
POLICY = CadencePolicy(is_holiday=HOLIDAYS.__contains__)
LEAD = Actor("ULEAD", frozenset({Role.LEAD}))


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# (action, from, to, when, data): the history of each case, as the use cases would write it.
FILED = [("submit", None, "submitted"), ("accept", "submitted", "triage")]


def seed(sessions, view_id, *, route, tz, state, history):
    with transaction(sessions) as session:
        case = make_case(session, view_id=view_id)
        case.route, case.requester_tz, case.state = route, tz, state
        for action, from_state, to_state, when, *data in history:
            session.add(
                CaseEvent(
                    case_id=case.id,
                    at=when,
                    actor_id="U",
                    action=action,
                    from_state=from_state,
                    to_state=to_state,
                    data=data[0] if data else {},
                )
            )
        return case.id


def filed(when):
    return [(action, a, b, when) for action, a, b in FILED]


@pytest.fixture
def desk(sessions):
    ids = {}
    # A: filed Thursday 24th 16:00, claimed Tuesday 29th 10:00 over a holiday, a weekend and a
    # holiday: 1 h + 1 h. Its first update was due at the next opening (Tue 09:00); sent 09:30.
    ids["a"] = seed(
        sessions,
        "VA",
        route="support",
        tz="UTC",
        state="investigating",
        history=[
            *filed(at(24, 16)),
            ("customer_update", "triage", "triage", at(29, 9, 30)),
            ("claim", "triage", "investigating", at(29, 10)),
        ],
    )
    # B, in New York (UTC-5): filed Friday 18th 15:00 local, claimed Monday 10:00 local: 2 h +
    # 1 h. Update due Monday 09:00 local (12 h on is Saturday), sent exactly then: on time.
    ids["b"] = seed(
        sessions,
        "VB",
        route="sirt",
        tz="America/New_York",
        state="closed",
        history=[
            *filed(at(18, 20)),
            ("customer_update", "triage", "triage", at(21, 14)),
            ("claim", "triage", "investigating", at(21, 15)),
            ("request_rescope", "investigating", "rescope_requested", at(22, 15)),
            ("rescope", "rescope_requested", "investigating", at(22, 16)),
            ("submit_for_review", "investigating", "in_review", at(23, 14)),
            # Security 2 h after submission (11:00 local); Legal the next morning at 09:00
            # local, after the whole of Wednesday: 8 h.
            ("review_approve", "in_review", "in_review", at(23, 16), {"as": "security"}),
            ("review_approve", "in_review", "in_review", at(24, 14), {"as": "legal"}),
            ("review_complete", "in_review", "approved", at(24, 14)),
            ("mark_shared", "approved", "shared", at(29, 15)),
            ("close", "shared", "closed", at(29, 15)),
        ],
    )
    # C: filed and claimed before the period; its clock restarted Wednesday 25 November, due
    # Thursday 09:00; the next update came Tuesday 1 December 10:00: 8 + 8 + 8 + 1 = 25 h late.
    ids["c"] = seed(
        sessions,
        "VC",
        route="support",
        tz="UTC",
        state="withdrawn",
        history=[
            *filed(at(23, 10, month=11)),
            ("customer_update", "triage", "triage", at(25, 10, month=11)),
            ("claim", "triage", "investigating", at(30, 11, month=11)),
            ("customer_update", "investigating", "investigating", at(1, 10)),
            ("withdraw", "investigating", "withdrawn", at(2, 10)),
        ],
    )
    # D: filed this morning, unclaimed; an update sent well within its window.
    ids["d"] = seed(
        sessions,
        "VD",
        route="support",
        tz="UTC",
        state="triage",
        history=[*filed(at(30, 9)), ("customer_update", "triage", "triage", at(30, 11))],
    )
    # E: referred to Legal and denied; an update while with Legal is owed nothing, not counted.
    ids["e"] = seed(
        sessions,
        "VE",
        route="sirt",
        tz="UTC",
        state="rejected",
        history=[
            ("submit", None, "submitted", at(7, 10)),
            ("refer_to_legal", "submitted", "pending_legal", at(7, 10)),
            ("customer_update", "pending_legal", "pending_legal", at(8, 10)),
            ("legal_deny", "pending_legal", "rejected", at(10, 10)),
        ],
    )
    # H: filed Monday 14th 08:00 before opening, claimed 13:00 (4 h); released and claimed
    # again the next day after 30 minutes.
    ids["h"] = seed(
        sessions,
        "VH",
        route="support",
        tz="UTC",
        state="investigating",
        history=[
            *filed(at(14, 8)),
            ("claim", "triage", "investigating", at(14, 13)),
            ("unclaim", "investigating", "triage", at(15, 10)),
            ("claim", "triage", "investigating", at(15, 10, 30)),
        ],
    )
    # G: all of it in October: not in the period at all.
    seed(
        sessions,
        "VG",
        route="sirt",
        tz="UTC",
        state="closed",
        history=[*filed(at(1, 10, month=10)), ("close", "shared", "closed", at(5, 10, month=10))],
    )
    return DeskReport(sessions=sessions, clock=lambda: NOW, policy=POLICY), ids


def test_the_desk_metrics_match_the_hand_count(desk):
    report, ids = desk
    m = report.figures(30)
    assert (m.since, m.until, m.days) == (NOW - timedelta(days=30), NOW, 30)
    assert m.filed == {"support": 3, "sirt": 2}  # A, D, H; B, E (C and G were filed before)
    assert m.closed == {"support": 1, "sirt": 2}  # C withdrawn; B closed, E rejected
    # Claims in the period: H 4 h and 0.5 h, B 3 h, A 2 h (C's claim was before it).
    assert m.claims == 4
    assert (m.claim_median, m.claim_p90) == (2.5 * H, 4 * H)
    # Updates owed and sent in the period: A late, B on time, C late, D on time (E owed none).
    assert (m.updates, m.updates_on_time, m.on_time_share) == (4, 2, 0.5)
    assert m.worst_miss == Miss(ids["c"], 25 * H)
    assert (m.security_waits, m.security_wait_median) == (1, 2 * H)
    assert (m.legal_waits, m.legal_wait_median) == (1, 8 * H)
    # One re-scope (B) among the six cases active in the period (not G).
    assert (m.rescopes, m.active_cases, m.rescopes_per_case) == (1, 6, 1 / 6)
    # Weeks ending at NOW: E (7th), H (14th), B (18th), A and D (24th, 30th).
    assert m.weekly_intake == (0, 1, 1, 1, 2)
    assert m.trend == "▁▄▄▄█"


def test_a_shorter_period_counts_only_its_days(desk):
    report, _ = desk
    m = report.figures(7)  # from Wednesday 23rd 12:00
    assert m.filed == {"support": 2}  # A, D
    assert m.claims == 1 and m.claim_median == 2 * H  # A
    assert (m.updates, m.updates_on_time) == (2, 1)  # A late by 30 minutes, D on time
    assert m.worst_miss is not None and m.worst_miss.late_by == 0.5 * H
    assert (m.security_waits, m.legal_waits) == (1, 1)  # B's, Wednesday 16:00 and Thursday
    assert m.closed == {"sirt": 1}  # B
    assert m.weekly_intake == (2,)


def test_the_leads_view_shows_the_figures(desk, sessions):
    report, ids = desk
    status = Status(sessions=sessions, clock=lambda: NOW, report=report)
    reply = build_leads_summary(status.leads(LEAD))
    shown = str(reply["blocks"])
    assert "Last 30 days" in shown
    assert "median 2.5 business h, p90 4.0 business h (4 claims)" in shown
    assert "50% (2 of 4)" in shown
    assert f"case {ids['c']}, 25.0 business h late" in shown
    assert "▁▄▄▄█" in shown


def test_the_report_as_text_and_csv(desk):
    report, ids = desk
    m = report.figures(30)
    assert "Customer updates on time  50% (2 of 4)" in text_report(m)
    rows = list(csv.reader(io.StringIO("\n".join(",".join(row) for row in csv_rows(m)))))
    values = {(figure, route): value for figure, route, value in rows}
    assert values[("filed", "support")] == "3"
    assert values[("closed", "sirt")] == "2"
    assert values[("claim_median_business_hours", "")] == "2.50"
    assert values[("worst_miss_case", "")] == str(ids["c"])
    assert values[("updates_on_time_share", "")] == "0.5000"
    assert values[("intake_week_5", "")] == "2"


def test_an_empty_desk(sessions):
    m = DeskReport(sessions=sessions, clock=lambda: NOW).figures()
    assert (m.filed, m.claims, m.claim_median, m.on_time_share, m.worst_miss) == (
        {},
        0,
        None,
        None,
        None,
    )
    assert m.rescopes_per_case is None
    assert m.trend == "▁▁▁▁▁"
    assert "no updates sent" in text_report(m)


def test_the_sparkline():
    assert sparkline([]) == ""
    assert sparkline([3, 3]) == "▁▁"
    assert sparkline([0, 7, 14]) == "▁▄█"


def test_leads_asking_together_share_one_reading_until_a_step_or_a_minute_passes(sessions):
    clock = [NOW]
    report = DeskReport(sessions=sessions, clock=lambda: clock[0], policy=POLICY)
    status = Status(sessions=sessions, clock=lambda: clock[0], report=report)

    def filed_count() -> int:
        desk = status.leads(LEAD).desk
        assert desk is not None
        return sum(desk.filed.values())

    seed(sessions, "V1", route="support", tz="UTC", state="triage", history=filed(at(29, 10)))
    assert filed_count() == 1
    first = report.recent()
    clock[0] = NOW + timedelta(seconds=59)
    assert report.recent() is first  # nothing happened: the same figures, not read again

    # A step taken: the next lead sees it at once.
    seed(sessions, "V2", route="sirt", tz="UTC", state="triage", history=filed(at(29, 11)))
    assert filed_count() == 2
    # A minute on with nothing new: read again (the period moved).
    again = report.recent()
    clock[0] += timedelta(seconds=61)
    assert report.recent() is not again
