"""Business hours: when a relay contact's next customer update falls due.

A contact owes the customer an update 12 elapsed hours after the last one, but nobody is asked
to work at night, at weekends or on holidays: a due time outside the contact's business hours
moves to the start of their next business period, on the wall clock of their own time zone.
Holidays come from the caller as a plain predicate, so this module stays standard-library only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.cases.windows import zone

HolidayCheck = Callable[[date], bool]
UPDATE_INTERVAL = timedelta(hours=12)
MAX_SEARCH_DAYS = 400  # a year of holidays plus slack; beyond that the configuration is broken

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONDAY_TO_FRIDAY = frozenset(range(5))
_HOURS = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", re.ASCII)


def no_holidays(day: date) -> bool:
    """The default: every weekday is a working day."""
    return False


@dataclass(frozen=True)
class BusinessHours:
    """Local working hours [start, end) on the given weekdays (Monday is 0)."""

    start: time = time(9)
    end: time = time(17)
    weekdays: frozenset[int] = MONDAY_TO_FRIDAY

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))  # a set would not hash
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("business hours are wall-clock times: start and end take no tzinfo")
        if not self.start < self.end:
            raise ValueError(f"business hours must start before they end, got {self}")
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise ValueError(f"weekdays must be a non-empty set of 0 (Mon) to 6 (Sun), got {self}")

    @classmethod
    def parse(cls, text: str, days: str | None = None) -> BusinessHours:
        """Reads "09:00-17:00" (24-hour HH:MM-HH:MM) and, optionally, days like "mon-fri"."""
        found = _HOURS.fullmatch(text)
        if not found:
            raise ValueError(f"business hours must look like 09:00-17:00, got {text!r}")
        h1, m1, h2, m2 = (int(part) for part in found.groups())
        if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
            raise ValueError(f"business hours need times from 00:00 to 23:59, got {text!r}")
        weekdays = cls.parse_days(days) if days is not None else MONDAY_TO_FRIDAY
        return cls(time(h1, m1), time(h2, m2), weekdays)

    @staticmethod
    def parse_days(text: str) -> frozenset[int]:
        """Reads "mon-fri", "mon,tue,wed" or "sun-thu" (ranges wrap round the week's end)."""
        expected = f"days like 'mon-fri' or 'mon,tue,wed' (names: {', '.join(DAY_NAMES)})"
        days: set[int] = set()
        for item in text.lower().split(","):
            ends = [name.strip() for name in item.split("-")]
            if len(ends) > 2 or any(name not in DAY_NAMES for name in ends):
                raise ValueError(f"expected {expected}, got {text!r}")
            first, last = DAY_NAMES.index(ends[0]), DAY_NAMES.index(ends[-1])
            days.update((first + step) % 7 for step in range((last - first) % 7 + 1))
        return frozenset(days)


def is_business_moment(
    moment: datetime, tz: str, hours: BusinessHours, is_holiday: HolidayCheck = no_holidays
) -> bool:
    """True when the local wall clock is in [start, end) on a working weekday, not a holiday."""
    local = _aware(moment).astimezone(zone(tz))
    return (
        hours.start <= local.time() < hours.end
        and local.weekday() in hours.weekdays
        and not is_holiday(local.date())
    )


def next_business_moment(
    moment: datetime, tz: str, hours: BusinessHours, is_holiday: HolidayCheck = no_holidays
) -> datetime:
    """`moment` (in UTC) if it is a business moment, else the first business moment after it.

    That is normally `start` on the next working day; around a clock change it is the first
    real instant after a skipped `start`, or the first occurrence of a repeated one.
    """
    moment = _aware(moment).astimezone(UTC)
    if is_business_moment(moment, tz, hours, is_holiday):
        return moment
    place = zone(tz)

    def openings(day: date) -> list[datetime]:
        return [
            instant
            for instant in _period_starts(day, place, hours)
            if instant > moment and is_business_moment(instant, tz, hours, is_holiday)
        ]

    # From the day before, and one day past the first find: a clock falling back over midnight
    # revisits a date, so local dates are not quite in the order of the instants.
    first_day = moment.astimezone(place).date() - timedelta(days=1)
    for offset in range(MAX_SEARCH_DAYS + 2):
        day = first_day + timedelta(days=offset)
        if found := openings(day):
            return min(found + openings(day + timedelta(days=1)))
    raise ValueError(f"no business hours within {MAX_SEARCH_DAYS} days after {moment}")


def due_time(
    last_update: datetime,
    tz: str,
    hours: BusinessHours = BusinessHours(),
    is_holiday: HolidayCheck = no_holidays,
    interval: timedelta = UPDATE_INTERVAL,
) -> datetime:
    """When the next customer update is due: `interval` of elapsed time, then business hours.

    The sum is taken in UTC: Python adds to a zoned datetime on its wall clock, which would make
    "12 hours" 11 or 13 real hours across a clock change.
    """
    elapsed = _aware(last_update).astimezone(UTC) + interval
    return next_business_moment(elapsed, tz, hours, is_holiday)


def _period_starts(day: date, place: ZoneInfo, hours: BusinessHours) -> Iterator[datetime]:
    """Every UTC instant on `day` where a business period may begin (callers filter them).

    Either the local clock reads `start` (once, or twice when the clock falls back), or it
    jumps: forward over a skipped `start`, or back from `end` or later into the hours.
    """
    early, late, real = _readings(day, hours.start, place)
    yield from real or [_clock_change(early, late, place)]
    early, late, real = _readings(day, hours.end, place)
    if len(real) == 2:
        yield _clock_change(early, late, place)


def _readings(day: date, wall: time, place: ZoneInfo) -> tuple[datetime, datetime, list[datetime]]:
    """`wall` on `day` read with fold 0 and 1 (UTC, earliest first), and which of them are real.

    The two differ only at a clock change, which they then bracket: both are real when the
    clock repeats `wall`, neither is when it skips it.
    """
    local = datetime.combine(day, wall, place)
    early, late = sorted(local.replace(fold=fold).astimezone(UTC) for fold in (0, 1))
    shown = local.replace(tzinfo=None)
    real = [
        i for i in dict.fromkeys((early, late)) if i.astimezone(place).replace(tzinfo=None) == shown
    ]
    return early, late, real


def _clock_change(before: datetime, after: datetime, place: ZoneInfo) -> datetime:
    """The first whole second in (before, after] that already has `after`'s UTC offset."""
    target = after.astimezone(place).utcoffset()
    low, high = 0, int((after - before).total_seconds())
    while high - low > 1:
        middle = (low + high) // 2
        if (before + timedelta(seconds=middle)).astimezone(place).utcoffset() == target:
            high = middle
        else:
            low = middle
    return before + timedelta(seconds=high)


def _aware(moment: datetime) -> datetime:
    """Naive datetimes would be read in the server's zone, silently; refuse them instead."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got {moment!r}")
    return moment


def business_time(
    start: datetime,
    end: datetime,
    tz: str,
    hours: BusinessHours = BusinessHours(),
    is_holiday: HolidayCheck = no_holidays,
) -> timedelta:
    """How much of [start, end) falls in business hours on `tz`'s wall clock.

    Each working day contributes its opening hours clipped to the interval; sums are taken in
    UTC, so a clock change shortens or lengthens that day's hours as it does on the wall.
    """
    start, end = _aware(start).astimezone(UTC), _aware(end).astimezone(UTC)
    place = zone(tz)
    total = timedelta(0)
    day, last = start.astimezone(place).date(), end.astimezone(place).date()
    while day <= last:
        if day.weekday() in hours.weekdays and not is_holiday(day):
            opens = datetime.combine(day, hours.start, place).astimezone(UTC)
            closes = datetime.combine(day, hours.end, place).astimezone(UTC)
            total += max(min(closes, end) - max(opens, start), timedelta(0))
        day += timedelta(days=1)
    return total
