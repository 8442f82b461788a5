"""Desk metrics for leads: how the desk did over a period, read from the cases' event log.

Every duration is business time on the cadence's calendar (its hours, working days and
holidays), on the wall clock of the case's requester: a case filed on Friday evening and
claimed on Monday at 10:00 waited one business hour. Figures count what happened inside the
period; earlier events only give context (when a case entered triage, when its clock started).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.cases.calendar import BusinessHours, HolidayCheck, business_time, due_time, no_holidays
from bot.cases.model import CADENCE_STATES, ENDED_STATES, State
from bot.cases.states import Action

SPARKS = "▁▂▃▄▅▆▇█"
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Step:
    """One event of a case's history, as the metrics read it.

    `clock` is what the event does to the customer-update clock: "start", "restart", "stop"
    or None (the table of effects says; the caller looks it up).
    """

    case_id: int
    route: str
    tz: str
    at: datetime
    action: str
    from_state: str | None
    to_state: str
    clock: str | None = None
    reviewer: str | None = None  # "security" or "legal" on a review approval


@dataclass(frozen=True)
class Miss:
    case_id: int
    late_by: timedelta  # business time past the due time


@dataclass(frozen=True)
class DeskMetrics:
    since: datetime
    until: datetime
    filed: dict[str, int] = field(default_factory=dict)  # by route
    closed: dict[str, int] = field(default_factory=dict)  # reached an end, by route
    claims: int = 0
    claim_median: timedelta | None = None
    claim_p90: timedelta | None = None
    updates: int = 0
    updates_on_time: int = 0
    worst_miss: Miss | None = None
    security_waits: int = 0
    security_wait_median: timedelta | None = None
    legal_waits: int = 0
    legal_wait_median: timedelta | None = None
    rescopes: int = 0
    active_cases: int = 0  # cases with any event in the period
    weekly_intake: tuple[int, ...] = ()  # oldest week first; the last week ends at `until`

    @property
    def days(self) -> int:
        return round((self.until - self.since) / timedelta(days=1))

    @property
    def on_time_share(self) -> float | None:
        return self.updates_on_time / self.updates if self.updates else None

    @property
    def rescopes_per_case(self) -> float | None:
        return self.rescopes / self.active_cases if self.active_cases else None

    @property
    def trend(self) -> str:
        return sparkline(self.weekly_intake)


@dataclass(frozen=True)
class Calendar:
    """The cadence's business calendar; the zone comes with each case."""

    hours: BusinessHours = field(default_factory=BusinessHours)
    is_holiday: HolidayCheck = no_holidays

    def between(self, start: datetime, end: datetime, tz: str) -> timedelta:
        return business_time(start, end, tz, self.hours, self.is_holiday)


def desk_metrics(
    steps: Iterable[Step], *, since: datetime, until: datetime, calendar: Calendar
) -> DeskMetrics:
    """The figures for [since, until) from the histories of the cases (each in event order)."""
    by_case: dict[int, list[Step]] = defaultdict(list)
    for step in steps:
        by_case[step.case_id].append(step)
    filed: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    claims: list[timedelta] = []
    waits: dict[str, list[timedelta]] = {"security": [], "legal": []}
    on_time = late = rescopes = active = 0
    worst: Miss | None = None
    weeks = max(1, math.ceil((until - since) / WEEK))
    intake = [0] * weeks
    for case_id, history in by_case.items():
        entered_triage = review_from = clock_from = None
        counted = False
        for step in history:
            inside = since <= step.at < until
            counted = counted or inside
            if step.action == Action.CLAIM and inside and entered_triage is not None:
                claims.append(calendar.between(entered_triage, step.at, step.tz))
            if step.reviewer in waits and inside and review_from is not None:
                waits[step.reviewer].append(calendar.between(review_from, step.at, step.tz))
            if step.action == Action.CUSTOMER_UPDATE and inside and clock_from is not None:
                due = due_time(clock_from, step.tz, calendar.hours, calendar.is_holiday)
                if step.at <= due:
                    on_time += 1
                else:
                    late += 1
                    miss = Miss(case_id, calendar.between(due, step.at, step.tz))
                    worst = miss if worst is None or miss.late_by > worst.late_by else worst
            if inside:
                if step.action == Action.SUBMIT:
                    filed[step.route] += 1
                    intake[weeks - 1 - int((until - step.at) / WEEK)] += 1
                if step.action == Action.REQUEST_RESCOPE:
                    rescopes += 1
                if step.to_state in ENDED_STATES and step.from_state not in ENDED_STATES:
                    closed[step.route] += 1
            if step.to_state == State.TRIAGE and step.from_state != State.TRIAGE:
                entered_triage = step.at
            if step.to_state == State.IN_REVIEW and step.from_state != State.IN_REVIEW:
                review_from = step.at
            clock_from = _clock(step, clock_from)
        active += counted
    return DeskMetrics(
        since=since,
        until=until,
        filed=dict(filed),
        closed=dict(closed),
        claims=len(claims),
        claim_median=median(claims),
        claim_p90=percentile(claims, 90),
        updates=on_time + late,
        updates_on_time=on_time,
        worst_miss=worst,
        security_waits=len(waits["security"]),
        security_wait_median=median(waits["security"]),
        legal_waits=len(waits["legal"]),
        legal_wait_median=median(waits["legal"]),
        rescopes=rescopes,
        active_cases=active,
        weekly_intake=tuple(intake),
    )


def _clock(step: Step, running_since: datetime | None) -> datetime | None:
    """When the update clock last (re)started after `step`, or None when it is stopped."""
    if step.clock is None:
        return running_since
    if step.clock == "stop" or step.to_state not in CADENCE_STATES:
        return None
    return step.at


def median(values: Sequence[timedelta]) -> timedelta | None:
    """The middle value (the mean of the two middle ones for an even count)."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[timedelta], p: int) -> timedelta | None:
    """The nearest-rank percentile: the smallest value at or above p% of them."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1]


def sparkline(counts: Sequence[int]) -> str:
    """One character per count, ▁ for the smallest and █ for the largest (▁ for all if flat)."""
    if not counts:
        return ""
    low, high = min(counts), max(counts)
    span = high - low or 1
    return "".join(SPARKS[(n - low) * (len(SPARKS) - 1) // span] for n in counts)
