"""The date-window rules: one calendar month, 7 days, in the requester's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cases.model import Limits, Route
from bot.cases.routing import is_long_window, route_for
from bot.cases.rules import Field, assess
from bot.cases.windows import days_before, earliest_allowed_start, months_before
from tests.factories import intake

ZONES = [
    "UTC",
    "Pacific/Auckland",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Europe/London",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "America/St_Johns",
]
moments = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)
zones = st.sampled_from(ZONES)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2026-03-31T10:00", "2026-02-28T10:00"),  # clamped to February's end
        ("2028-03-31T10:00", "2028-02-29T10:00"),  # leap year
        ("2028-02-29T10:00", "2028-01-29T10:00"),
        ("2027-01-15T08:30", "2026-12-15T08:30"),  # across the year end
        ("2026-05-31T23:59", "2026-04-30T23:59"),
    ],
)
def test_one_calendar_month_back_in_local_time(today, expected):
    tz = "Pacific/Auckland"
    now = datetime.fromisoformat(today).replace(tzinfo=ZoneInfo(tz))
    assert months_before(now, 1, tz) == datetime.fromisoformat(expected).replace(
        tzinfo=ZoneInfo(tz)
    )


def test_the_month_boundary_follows_the_requesters_wall_clock_across_dst():
    # Auckland leaves daylight saving on 5 April 2026: the offsets differ by an hour.
    tz = "Pacific/Auckland"
    now = datetime(2026, 4, 20, 9, 0, tzinfo=ZoneInfo(tz))
    boundary = earliest_allowed_start(now, tz)
    assert boundary.astimezone(ZoneInfo(tz)).replace(tzinfo=None) == datetime(2026, 3, 20, 9, 0)
    assert boundary.tzinfo is UTC


@given(moments, zones)
def test_one_month_back_is_between_28_and_31_days_and_keeps_the_local_time(now, tz):
    boundary = months_before(now, 1, tz)
    assert timedelta(days=27, hours=22) <= now - boundary <= timedelta(days=31, hours=2)
    local_now, local_boundary = now.astimezone(ZoneInfo(tz)), boundary.astimezone(ZoneInfo(tz))
    if local_boundary.utcoffset() == (local_boundary - timedelta(hours=3)).utcoffset():
        assert local_boundary.time() == local_now.time()
    assert local_boundary.day == min(local_now.day, local_boundary.day)


@given(moments, zones, st.integers(min_value=0, max_value=60 * 24 * 40))
def test_a_start_is_refused_exactly_when_it_is_before_the_month_boundary(now, tz, minutes_back):
    start = now - timedelta(minutes=minutes_back)
    request = intake(window_start=start, window_end=now, requester_tz=tz)
    refused = Field.WINDOW_START in assess(request, now=now, limits=Limits()).errors
    assert refused == (start < months_before(now, 1, tz))


@given(moments, zones, st.integers(min_value=1, max_value=60 * 24 * 14))
def test_seven_days_decides_the_route_and_the_notice(now, tz, minutes_back):
    start = now - timedelta(minutes=minutes_back)
    request = intake(window_start=start, window_end=now, requester_tz=tz)
    beyond = start < days_before(now, 7, tz)
    assert is_long_window(request, now=now) == beyond
    assert route_for(request, now=now, exception=False) == (Route.SIRT if beyond else Route.SUPPORT)


def test_exactly_seven_days_back_stays_with_support():
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    request = intake(window_start=now - timedelta(days=7), window_end=now)
    assert route_for(request, now=now, exception=False) is Route.SUPPORT
    assert not is_long_window(request, now=now)


@pytest.mark.parametrize(
    ("changes", "route"),
    [
        ({}, Route.SUPPORT),
        ({"personal_data": True}, Route.SIRT),
        ({"exception": True}, Route.SIRT),
        ({"exception_justification": "CRO asked"}, Route.SUPPORT),  # nothing waived
    ],
)
def test_personal_data_or_an_exception_goes_to_sirt(changes, route):
    now = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    exception = changes.pop("exception", False)
    assert route_for(intake(**changes), now=now, exception=exception) is route


def test_seven_days_is_counted_on_the_local_calendar_across_a_dst_change():
    # London moved its clocks back on 25 October 2026; 7 local days are 7 days and 1 hour.
    tz = "Europe/London"
    now = datetime(2026, 10, 30, 12, 0, tzinfo=ZoneInfo(tz))
    assert now - days_before(now, 7, tz) == timedelta(days=7, hours=1)


def test_an_unknown_time_zone_falls_back_to_utc():
    now = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
    assert months_before(now, 1, "Mars/Olympus") == datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
