"""Calendar arithmetic for request windows, done in the requester's own time zone.

"One calendar month" and "7 days" are wall-clock notions: a request filed on 31 March at
10:00 in Auckland may reach back to 28 (or 29) February at 10:00 Auckland time, whatever UTC
offset either date had.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SUPPORT_WINDOW_DAYS = 7


def zone(name: str) -> ZoneInfo:
    """Returns the named zone, or UTC when Slack gave us nothing usable."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def months_before(moment: datetime, months: int, tz: str) -> datetime:
    """The same wall-clock time `months` calendar months earlier, clamped to the month's end.

    Returned in UTC: aware datetimes sharing one tzinfo compare by wall clock, not by instant.
    """
    local = moment.astimezone(zone(tz))
    month_index = local.year * 12 + (local.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(UTC)


def days_before(moment: datetime, days: int, tz: str) -> datetime:
    """The same wall-clock time `days` calendar days earlier in the zone `tz`."""
    local = moment.astimezone(zone(tz))
    return (local - timedelta(days=days)).astimezone(UTC)


def earliest_allowed_start(requested_at: datetime, tz: str) -> datetime:
    """Log-dives cannot reach back more than one calendar month from the request."""
    return months_before(requested_at, 1, tz)


def reaches_past_support_window(start: datetime, requested_at: datetime, tz: str) -> bool:
    """True when the window starts more than 7 days before the request (slower, SIRT's)."""
    return start < days_before(requested_at, SUPPORT_WINDOW_DAYS, tz)
