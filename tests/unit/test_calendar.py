"""When a relay contact's next customer update is due: 12 elapsed hours, then business hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cases.calendar import (
    UPDATE_INTERVAL,
    BusinessHours,
    HolidayCheck,
    business_time,
    due_time,
    is_business_moment,
    next_business_moment,
    no_holidays,
)

ZONES = [
    "UTC",
    "Pacific/Auckland",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Europe/London",
    "Australia/Lord_Howe",  # moves its clocks by 30 minutes
    "America/St_Johns",  # -03:30; changed its clocks at 00:01 until 2011
    "Pacific/Chatham",  # +12:45
]
EVERY_DAY = frozenset(range(7))
QUARTER = timedelta(minutes=15)
MINUTE = timedelta(minutes=1)


def at(tz: str, *fields: int, fold: int = 0) -> datetime:
    """The UTC instant of a local wall-clock time in `tz`.

    In UTC because Python never finds a repeated local time equal to an instant in another zone.
    """
    return datetime(*fields, tzinfo=ZoneInfo(tz), fold=fold).astimezone(UTC)


def on(*days: date) -> HolidayCheck:
    """A holiday calendar holding just `days`."""
    return frozenset(days).__contains__


# --- examples: Monday to Friday, 09:00-17:00 -------------------------------------------------

NEW_YORK = "America/New_York"


@pytest.mark.parametrize(
    ("accepted", "due"),
    [
        ((2026, 3, 6, 18, 0), (2026, 3, 9, 9, 0)),  # Fri 18:00 -> Sat 06:00 -> Mon 09:00
        ((2026, 3, 5, 16, 0), (2026, 3, 6, 9, 0)),  # Thu 16:00 -> Fri 04:00 -> Fri 09:00
        ((2026, 3, 2, 8, 0), (2026, 3, 3, 9, 0)),  # Mon 08:00 -> Mon 20:00 -> Tue 09:00
        ((2026, 3, 3, 3, 0), (2026, 3, 3, 15, 0)),  # Tue 03:00 -> Tue 15:00, inside the hours
        ((2026, 3, 3, 4, 59), (2026, 3, 3, 16, 59)),  # the last minute still counts
        ((2026, 3, 3, 5, 0), (2026, 3, 4, 9, 0)),  # 17:00 itself is closed
        ((2027, 12, 31, 19, 0), (2028, 1, 3, 9, 0)),  # Friday 31 Dec -> Monday 3 Jan
    ],
)
def test_a_due_time_outside_the_hours_moves_to_the_next_business_morning(accepted, due):
    result = due_time(at(NEW_YORK, *accepted), NEW_YORK)
    assert result == at(NEW_YORK, *due)
    assert result.tzinfo is UTC


def test_a_holiday_monday_moves_the_update_to_tuesday():
    # Friday 1 May 2026 18:00; Monday 4 May is the UK's early May bank holiday.
    tz = "Europe/London"
    holiday = on(date(2026, 5, 4))
    assert due_time(at(tz, 2026, 5, 1, 18), tz, is_holiday=holiday) == at(tz, 2026, 5, 5, 9)


def test_holidays_over_the_year_end_are_skipped_too():
    tz = "Europe/London"
    holidays = on(date(2027, 12, 31), date(2028, 1, 3))
    due = due_time(at(tz, 2027, 12, 30, 17, 30), tz, is_holiday=holidays)
    assert due == at(tz, 2028, 1, 4, 9)


def test_the_interval_and_the_hours_are_configurable():
    tz = "Asia/Kolkata"
    hours = BusinessHours.parse("10:00-18:30", "sun-thu")
    # Thursday 2026-03-05 10:00 + 24 h = Friday 10:00, a day off -> Sunday 10:00.
    due = due_time(at(tz, 2026, 3, 5, 10), tz, hours, interval=timedelta(hours=24))
    assert due == at(tz, 2026, 3, 8, 10)


# --- clock changes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "accepted", "due", "utc"),
    [
        # London springs forward on Sun 29 March 2026: Monday 09:00 is 08:00 UTC.
        ("Europe/London", (2026, 3, 27, 18), (2026, 3, 30, 9), (2026, 3, 30, 8)),
        # ...and falls back on Sun 25 October 2026: Monday 09:00 is 09:00 UTC again.
        ("Europe/London", (2026, 10, 23, 18), (2026, 10, 26, 9), (2026, 10, 26, 9)),
        ("America/Los_Angeles", (2026, 3, 6, 18), (2026, 3, 9, 9), (2026, 3, 9, 16)),
        ("America/Los_Angeles", (2026, 10, 30, 18), (2026, 11, 2, 9), (2026, 11, 2, 17)),
        # Auckland leaves daylight saving on Sun 5 April 2026 and re-enters it on 27 September.
        ("Pacific/Auckland", (2026, 4, 3, 18), (2026, 4, 6, 9), (2026, 4, 5, 21)),
        ("Pacific/Auckland", (2026, 9, 25, 18), (2026, 9, 28, 9), (2026, 9, 27, 20)),
        # Kolkata: +05:30 all year.
        ("Asia/Kolkata", (2026, 3, 6, 18), (2026, 3, 9, 9), (2026, 3, 9, 3, 30)),
        ("Asia/Kolkata", (2026, 10, 30, 18), (2026, 11, 2, 9), (2026, 11, 2, 3, 30)),
    ],
)
def test_the_next_business_morning_is_on_the_local_clock_across_a_clock_change(
    tz, accepted, due, utc
):
    result = due_time(at(tz, *accepted), tz)
    assert result == at(tz, *due)
    assert result == datetime(*utc, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "updated", "due"),
    [
        # 12 elapsed hours over a spring-forward night read 13 hours on the wall clock...
        ("Europe/London", (2026, 3, 28, 22, 30), (2026, 3, 29, 11, 30)),
        ("America/Los_Angeles", (2026, 3, 7, 22, 0), (2026, 3, 8, 11, 0)),
        ("Pacific/Auckland", (2026, 9, 26, 22, 0), (2026, 9, 27, 11, 0)),
        # ...and 11 hours over a fall-back night.
        ("Europe/London", (2026, 10, 24, 22, 30), (2026, 10, 25, 9, 30)),
        ("America/Los_Angeles", (2026, 10, 31, 22, 0), (2026, 11, 1, 9, 0)),
        ("Pacific/Auckland", (2026, 4, 4, 22, 0), (2026, 4, 5, 9, 0)),
    ],
)
def test_twelve_hours_are_elapsed_time_not_wall_clock_time(tz, updated, due):
    hours = BusinessHours(weekdays=EVERY_DAY)
    assert due_time(at(tz, *updated), tz, hours) == at(tz, *due)
    # Python adds to a zoned datetime on its wall clock: the sum must not be taken there.
    zoned = at(tz, *updated).astimezone(ZoneInfo(tz))
    assert due_time(zoned, tz, hours) == at(tz, *due)


LOS_ANGELES = "America/Los_Angeles"


def test_a_start_the_clock_skips_becomes_the_first_real_instant_after_it():
    # 8 March 2026: Los Angeles jumps from 02:00 to 03:00, so 02:30 never happens.
    hours = BusinessHours(time(2, 30), time(17), EVERY_DAY)
    due = due_time(at(LOS_ANGELES, 2026, 3, 7, 12), LOS_ANGELES, hours)  # Sun 00:00 PST
    assert due == at(LOS_ANGELES, 2026, 3, 8, 3) == datetime(2026, 3, 8, 10, tzinfo=UTC)


def test_hours_that_the_clock_skips_entirely_are_no_business_that_day():
    hours = BusinessHours(time(2), time(2, 45), EVERY_DAY)
    due = next_business_moment(at(LOS_ANGELES, 2026, 3, 8, 0), LOS_ANGELES, hours)
    assert due == at(LOS_ANGELES, 2026, 3, 9, 2)


def test_a_start_the_clock_repeats_takes_its_first_occurrence():
    # 1 November 2026: Los Angeles goes from 01:59 PDT back to 01:00 PST.
    hours = BusinessHours(time(1, 30), time(17), EVERY_DAY)
    due = next_business_moment(at(LOS_ANGELES, 2026, 11, 1, 0), LOS_ANGELES, hours)
    assert due == at(LOS_ANGELES, 2026, 11, 1, 1, 30, fold=0)
    assert due == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)


def test_hours_the_clock_repeats_open_again_on_the_second_pass():
    hours = BusinessHours(time(1), time(1, 30), EVERY_DAY)
    after_first_pass = at(LOS_ANGELES, 2026, 11, 1, 1, 45, fold=0)
    due = next_business_moment(after_first_pass, LOS_ANGELES, hours)
    assert due == at(LOS_ANGELES, 2026, 11, 1, 1, 0, fold=1)  # 09:00 UTC, not the next day


def test_a_repeated_start_counts_again_when_the_first_pass_is_missed():
    hours = BusinessHours(time(1, 30), time(1, 45), EVERY_DAY)
    after_first_pass = at(LOS_ANGELES, 2026, 11, 1, 1, 50, fold=0)
    due = next_business_moment(after_first_pass, LOS_ANGELES, hours)
    assert (
        due
        == at(LOS_ANGELES, 2026, 11, 1, 1, 30, fold=1)
        == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    )


# St John's changed its clocks at 00:01 until 2011: on 30 October 2005 the clock went from
# Sunday 00:00:59 NDT back to Saturday 23:01 NST, so local dates ran out of order.
ST_JOHNS = "America/St_Johns"
BACK_TO_SATURDAY = datetime(2005, 10, 30, 2, 31, tzinfo=UTC)


def test_a_clock_falling_back_over_midnight_reopens_the_day_before():
    sunday_just_after_midnight = BACK_TO_SATURDAY - timedelta(seconds=30)
    saturday_late = BusinessHours(time(23, 15), time(23, 45), frozenset({5}))
    due = next_business_moment(sunday_just_after_midnight, ST_JOHNS, saturday_late)
    assert due == datetime(2005, 10, 30, 2, 45, tzinfo=UTC)  # Saturday 23:15 NST


def test_a_clock_falling_back_over_midnight_still_finds_the_earliest_moment():
    weekend = BusinessHours(time(0), time(23, 30), frozenset({5, 6}))
    saturday_evening = BACK_TO_SATURDAY - timedelta(minutes=11)  # 23:50 NDT, closed
    # Saturday reopens at 23:01 NST, but Sunday 00:00 NDT comes a minute earlier.
    due = next_business_moment(saturday_evening, ST_JOHNS, weekend)
    assert due == BACK_TO_SATURDAY - timedelta(minutes=1)


def test_falling_back_into_the_hours_opens_them_at_the_clock_change():
    # From 01:59:59 PDT the clock reads 01:00 PST: inside 00:30-01:30 again, until 01:30 PST.
    hours = BusinessHours(time(0, 30), time(1, 30), EVERY_DAY)
    due = next_business_moment(at(LOS_ANGELES, 2026, 11, 1, 1, 40), LOS_ANGELES, hours)
    assert due == datetime(2026, 11, 1, 9, tzinfo=UTC)


def test_a_half_hour_clock_change_is_handled_like_any_other():
    # Lord Howe Island goes from 02:00 to 02:30 on Sunday 4 October 2026.
    tz = "Australia/Lord_Howe"
    hours = BusinessHours(time(2, 15), time(17), EVERY_DAY)
    due = next_business_moment(at(tz, 2026, 10, 4, 1), tz, hours)
    assert due == at(tz, 2026, 10, 4, 2, 30)


# --- inputs ----------------------------------------------------------------------------------


def test_an_unknown_time_zone_is_read_as_utc():
    due = due_time(datetime(2026, 3, 6, 18, tzinfo=UTC), "Mars/Olympus_Mons")
    assert due == datetime(2026, 3, 9, 9, tzinfo=UTC)


def test_a_naive_datetime_is_refused_rather_than_read_in_the_servers_zone():
    with pytest.raises(ValueError, match="timezone-aware"):
        due_time(datetime(2026, 3, 6, 18), "UTC")


def test_a_calendar_without_any_business_day_is_reported():
    with pytest.raises(ValueError, match="no business hours within"):
        due_time(datetime(2026, 3, 6, 18, tzinfo=UTC), "UTC", is_holiday=lambda day: True)


def test_a_business_moment_is_inside_the_hours_on_a_working_day():
    tz = "Pacific/Chatham"
    hours = BusinessHours()
    assert is_business_moment(at(tz, 2026, 3, 6, 9), tz, hours)
    assert is_business_moment(at(tz, 2026, 3, 6, 16, 59), tz, hours)
    assert not is_business_moment(at(tz, 2026, 3, 6, 17), tz, hours)
    assert not is_business_moment(at(tz, 2026, 3, 6, 8, 59), tz, hours)
    assert not is_business_moment(at(tz, 2026, 3, 7, 12), tz, hours)  # Saturday
    assert not is_business_moment(at(tz, 2026, 3, 6, 12), tz, hours, on(date(2026, 3, 6)))


@pytest.mark.parametrize(
    ("text", "days", "expected"),
    [
        ("09:00-17:00", None, BusinessHours()),
        (" 8:30 - 16:45 ", None, BusinessHours(time(8, 30), time(16, 45))),
        ("00:00-23:59", "mon-sun", BusinessHours(time(0), time(23, 59), EVERY_DAY)),
        ("10:00-18:00", "Sun-Thu", BusinessHours(time(10), time(18), frozenset({6, 0, 1, 2, 3}))),
    ],
)
def test_business_hours_are_read_from_configuration(text, days, expected):
    assert BusinessHours.parse(text, days) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("mon,tue,wed", {0, 1, 2}),
        (" MON , Wed-Fri ", {0, 2, 3, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        ("sat", {5}),
    ],
)
def test_working_days_are_read_from_configuration(text, expected):
    assert BusinessHours.parse_days(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9-17", "must look like 09:00-17:00"),
        ("09:00", "must look like 09:00-17:00"),
        ("09:00-17:00-18:00", "must look like 09:00-17:00"),
        ("25:00-26:00", "from 00:00 to 23:59"),
        ("09:60-10:00", "from 00:00 to 23:59"),
        ("17:00-09:00", "start before they end"),
        ("09:00-09:00", "start before they end"),
    ],
)
def test_malformed_business_hours_are_refused_with_the_expected_form(text, message):
    with pytest.raises(ValueError, match=message):
        BusinessHours.parse(text)


@pytest.mark.parametrize("text", ["", "funday", "mon-", "mon-tue-wed", "monday", "mon;tue"])
def test_malformed_working_days_are_refused_with_the_expected_form(text):
    with pytest.raises(ValueError, match="expected days like 'mon-fri'"):
        BusinessHours.parse_days(text)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": time(17), "end": time(9)}, "start before they end"),
        ({"weekdays": frozenset()}, "non-empty set"),
        ({"weekdays": frozenset({7})}, "0 \\(Mon\\) to 6 \\(Sun\\)"),
        ({"weekdays": frozenset({-1})}, "0 \\(Mon\\) to 6 \\(Sun\\)"),
        ({"start": time(9, tzinfo=UTC)}, "wall-clock times"),
    ],
)
def test_impossible_business_hours_are_refused(fields, message):
    with pytest.raises(ValueError, match=message):
        BusinessHours(**fields)


# --- properties ------------------------------------------------------------------------------


def _clock_changes(tz: str, year: int) -> list[datetime]:
    """The UTC instants (to the minute) where `tz` changed its offset during `year`."""
    place, changes = ZoneInfo(tz), []
    day = datetime(year, 1, 1, tzinfo=UTC)
    while day.year == year:
        low, high = day, day + timedelta(days=1)
        if low.astimezone(place).utcoffset() != high.astimezone(place).utcoffset():
            while high - low > MINUTE:
                middle = low + (high - low) / 2
                same = middle.astimezone(place).utcoffset() == low.astimezone(place).utcoffset()
                low, high = (middle, high) if same else (low, middle)
            changes.append(high.replace(second=0, microsecond=0))
        day += timedelta(days=1)
    return changes


CLOCK_CHANGES = [
    (tz, c) for tz in ZONES for year in (2005, 2026, 2099) for c in _clock_changes(tz, year)
]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[datetime, str, BusinessHours, frozenset[date]]:
    """A last update, a zone, business hours on quarter hours and holidays near the due time.

    Half the instants are spread over the century; half sit near one of the zone's clock
    changes, mostly with business hours that begin or end close to it, where the edge cases
    live.
    """
    quarters = st.lists(st.integers(0, 95), min_size=2, max_size=2, unique=True)
    weekdays = st.frozensets(st.integers(0, 6), min_size=1)
    if draw(st.booleans()):
        tz = draw(st.sampled_from(ZONES))
        last_update = draw(
            st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31), timezones=st.just(UTC))
        )
    else:
        tz, change = draw(st.sampled_from(CLOCK_CHANGES))
        hour = 60 * 60
        nudge = draw(st.integers(-48 * hour, 12 * hour) | st.integers(-6 * hour, hour))
        last_update = change - UPDATE_INTERVAL + timedelta(seconds=nudge)
        wall = change.astimezone(ZoneInfo(tz))
        near_change = st.integers(-8, 8).map(lambda q: (wall.hour * 4 + wall.minute // 15 + q) % 96)
        quarters = quarters | st.lists(near_change, min_size=2, max_size=2, unique=True)
        weekdays = weekdays | weekdays.map(lambda days: days | {wall.weekday()})
    if draw(st.booleans()):  # as stored (UTC) or as the contact saw it
        last_update = last_update.astimezone(ZoneInfo(tz))
    start, end = sorted(draw(quarters))
    hours = BusinessHours(
        time(*divmod(start * 15, 60)),
        time(*divmod(end * 15, 60)),
        draw(weekdays),
    )
    near = (last_update.astimezone(UTC) + UPDATE_INTERVAL).astimezone(ZoneInfo(tz)).date()
    holidays = draw(st.frozensets(st.integers(-2, 30), max_size=8))
    return last_update, tz, hours, frozenset(near + timedelta(days=n) for n in holidays)


def _open(instant: datetime, tz: str, hours: BusinessHours, holidays: frozenset[date]) -> bool:
    """The definition, written out independently of the module under test."""
    local = instant.astimezone(ZoneInfo(tz))
    return (
        local.weekday() in hours.weekdays
        and local.date() not in holidays
        and hours.start <= local.time() < hours.end
    )


def _closed_throughout(
    begin: datetime, end: datetime, tz: str, hours: BusinessHours, holidays: frozenset[date]
) -> bool:
    """True when no instant in [begin, end) is a business moment.

    Business periods begin where the local clock reads `start` (a quarter hour) or at a
    midnight, both on UTC quarter hours as every offset here is a multiple of 15 minutes, or
    at a clock change (on a whole minute). So it is enough to check `begin`, every UTC quarter
    hour, and every minute of a quarter hour that holds a clock change.
    """
    place = ZoneInfo(tz)
    if begin < end and _open(begin, tz, hours, holidays):
        return False
    cell = begin.replace(minute=begin.minute // 15 * 15, second=0, microsecond=0)
    while cell < end:
        offset = cell.astimezone(place).utcoffset()
        assert offset is not None and offset % QUARTER == timedelta(0), (tz, offset)
        changes = offset != (cell + QUARTER).astimezone(place).utcoffset()
        probes = [cell + k * MINUTE for k in range(15)] if changes else [cell]
        if any(begin < p < end and _open(p, tz, hours, holidays) for p in probes):
            return False
        cell += QUARTER
    return True


@given(scenarios())
def test_the_due_time_is_the_first_business_moment_twelve_hours_on(scenario):
    last_update, tz, hours, holidays = scenario
    due = due_time(last_update, tz, hours, holidays.__contains__)
    earliest = last_update.astimezone(UTC) + UPDATE_INTERVAL  # elapsed, not wall-clock, time
    assert due.tzinfo is UTC
    assert due >= earliest
    assert _open(due, tz, hours, holidays)
    assert is_business_moment(due, tz, hours, holidays.__contains__)
    assert _closed_throughout(earliest, due, tz, hours, holidays)


@given(scenarios())
def test_a_business_moment_is_its_own_next_business_moment(scenario):
    last_update, tz, hours, holidays = scenario
    due = due_time(last_update, tz, hours, holidays.__contains__)
    assert next_business_moment(due, tz, hours, holidays.__contains__) == due
    assert next_business_moment(due, tz, hours) <= due  # fewer holidays, never later


def test_no_holidays_is_the_default():
    assert not no_holidays(date(2026, 12, 25))


def test_business_time_counts_only_opening_hours():
    friday_4pm = datetime(2026, 12, 18, 16, tzinfo=UTC)
    monday_10am = datetime(2026, 12, 21, 10, tzinfo=UTC)
    assert business_time(friday_4pm, monday_10am, "UTC") == timedelta(hours=2)
    # A holiday Monday: only Tuesday's first hour counts after Friday's last.
    monday = date(2026, 12, 21)
    tuesday_10am = datetime(2026, 12, 22, 10, tzinfo=UTC)
    assert business_time(friday_4pm, tuesday_10am, "UTC", BusinessHours(), monday.__eq__) == (
        timedelta(hours=2)
    )
    # Read on New York's wall clock (UTC-5): Friday 11:00-17:00 local.
    assert business_time(friday_4pm, friday_4pm + timedelta(hours=8), "America/New_York") == (
        timedelta(hours=6)
    )
    assert business_time(tuesday_10am, friday_4pm, "UTC") == timedelta(0)


def test_business_time_across_a_clock_change():
    # London springs forward on Sunday 29 March 2026; Monday's hours are 08:00-16:00 UTC.
    friday = datetime(2026, 3, 27, 12, tzinfo=UTC)
    monday = datetime(2026, 3, 30, 9, tzinfo=UTC)
    assert business_time(friday, monday, "Europe/London") == timedelta(hours=5 + 1)
