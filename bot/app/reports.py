"""The desk metrics: how the desk did over the last days, for `/case-status` and `report`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.app.cadence import CadencePolicy
from bot.app.effects import EFFECTS
from bot.cases.metrics import Calendar, DeskMetrics, Step, desk_metrics
from bot.cases.states import Action
from bot.telemetry import DeskGauges
from db import metrics
from db.outbox import PENDING
from db.session import reading

DEFAULT_DAYS = 30
# How long `/case-status` may show the same figures while no step was taken: reading a month
# of histories costs a few hundred milliseconds on a big desk, and leads ask together.
FRESH_FOR = timedelta(seconds=60)


@dataclass
class DeskReport:
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    policy: CadencePolicy = field(default_factory=CadencePolicy)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _last: tuple[datetime, int | None, DeskMetrics] | None = field(
        default=None, repr=False, compare=False
    )

    def recent(self) -> DeskMetrics:
        """The last `DEFAULT_DAYS` days' figures for `/case-status`: computed once for everyone
        asking at the same moment, and again after any step or once `FRESH_FOR` has passed."""
        with self._lock:
            now = self.clock()
            with reading(self.sessions) as session:
                latest = metrics.last_event_id(session=session)
            if self._last is not None:
                at, seen, figures = self._last
                if seen == latest and at <= now < at + FRESH_FOR:
                    return figures
            figures = self.figures()
            self._last = (now, latest, figures)
            return figures

    def figures(self, days: int = DEFAULT_DAYS) -> DeskMetrics:
        """The figures of the `days` up to now, on the cadence's business calendar."""
        until = self.clock()
        since = until - timedelta(days=days)
        calendar = Calendar(self.policy.hours, self.policy.is_holiday)
        with reading(self.sessions) as session:
            rows = metrics.histories(session=session, since=since, until=until)
            steps = (
                Step(
                    case_id=row.case_id,
                    route=row.route,
                    tz=row.requester_tz or "UTC",
                    at=row.at,
                    action=row.action,
                    from_state=row.from_state,
                    to_state=row.to_state,
                    clock=_clock(row.action),
                    reviewer=(row.data or {}).get("as")
                    if row.action == Action.REVIEW_APPROVE
                    else None,
                )
                for row in rows
            )
            return desk_metrics(steps, since=since, until=until, calendar=calendar)

    def gauges(self) -> DeskGauges:
        """The desk now, for Prometheus: cases by state, outbox backlog, overdue updates."""
        now = self.clock()
        with reading(self.sessions) as session:
            states = metrics.cases_by_state(session=session)
            outbox = metrics.outbox_by_topic(session=session)
            overdue = metrics.overdue_count(session=session, now=now)
        backlog: dict[str, dict[str, int]] = {"pending": {}, "parked": {}}
        oldest: dict[str, float] = {}
        for topic, status, count, first in outbox:
            backlog[status][topic] = count
            if status == PENDING:
                oldest[topic] = max((now - first).total_seconds(), 0.0)
        return DeskGauges(
            cases_by_state=states,
            outbox_pending=backlog["pending"],
            outbox_parked=backlog["parked"],
            outbox_oldest_seconds=oldest,
            updates_overdue=overdue,
        )


def _clock(action: str) -> str | None:
    clock = EFFECTS[Action(action)].clock
    return clock.value if clock is not None else None
