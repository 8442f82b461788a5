"""The cadence sweep: one run looks at the cases at one instant and queues what is due.

1. Schedules: a case whose clock (re)started has no due time yet; it gets one here, in its
   relay contact's Slack time zone (the requester's zone when Slack can't say).
2. Reminds: due, not snoozed, and not yet reminded for this due time. The claim marks
   `reminded_due_at` and queues the DM in one transaction, so two workers, or a worker killed
   half-way, never send a reminder twice or lose one. After downtime there is one due time
   per case, so one DM, never one per missed slot.
3. Nudges the owner once per due time when it is near and they logged nothing since the last
   customer update, and 4. escalates to the leads once when it is well overdue.

Only rows with a due time are read (indexed); work goes in batches, and a case that fails is
logged and left for the next run without holding up the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.app.cadence import CadencePolicy
from bot.app.effects import Due
from bot.app.steps import notify_due
from bot.cases.calendar import due_time
from bot.cases.model import CADENCE_STATES
from db.models import Case, Finding
from db.session import transaction

log = logging.getLogger(__name__)

BATCH = 200
TimeZoneOf = Callable[[str], str | None]  # a Slack user id -> their IANA zone, None if unknown


@dataclass
class SweepReport:
    scheduled: int = 0
    reminded: int = 0
    nudged: int = 0
    escalated: int = 0
    failed: int = 0

    @property
    def queued(self) -> int:
        """Messages this sweep queued for Slack."""
        return self.reminded + self.nudged + self.escalated


@dataclass
class CadenceSweep:
    sessions: sessionmaker[Session]
    policy: CadencePolicy
    tz_of: TimeZoneOf = field(default=lambda user_id: None)
    batch: int = BATCH

    def run(self, now: datetime) -> SweepReport:
        """Everything the cadence asks for at the instant `now`."""
        report = SweepReport()
        report.scheduled, report.failed = self.schedule(now)
        report.reminded = self._mark_all(now, self._remind)
        report.nudged = self._mark_all(now, self._nudge)
        report.escalated = self._mark_all(now, self._escalate)
        if any(vars(report).values()):
            log.info("cadence sweep at %s: %s", now.isoformat(), report)
        return report

    # -- 1. due times ----------------------------------------------------------------------
    def schedule(self, now: datetime) -> tuple[int, int]:
        """Gives every running clock without a due time one; returns (done, failed).

        The ids come first, unordered: found through the state index, they are the few
        running cases. Asked for in id order a batch at a time, the planner would walk the
        primary key through the whole history looking for them (a tenth of a second a sweep
        at 100,000 cases, every minute)."""
        done = failed = 0
        with transaction(self.sessions) as session:
            unscheduled = select(Case.id).where(_running(), Case.next_update_due_at.is_(None))
            ids = sorted(session.scalars(unscheduled))
        for start in range(0, len(ids), self.batch):
            batch = ids[start : start + self.batch]
            with transaction(self.sessions) as session:
                rows = session.execute(
                    select(Case.id, Case.relay_contact_id, Case.requester_tz)
                    .add_columns(Case.last_customer_update_at, Case.created_at)
                    .where(Case.id.in_(batch), _running(), Case.next_update_due_at.is_(None))
                    .order_by(Case.id)
                ).all()
            dues: list[dict[str, Any]] = []
            for row in rows:
                try:
                    dues.append(self._due(row))
                except Exception:  # one case's bad data must not stop the others
                    log.exception("could not compute the update due time of case %s", row.id)
                    failed += 1
            done += self._store_dues(dues)
        return done, failed

    def _due(self, row: Any) -> dict[str, Any]:
        tz = self._zone(row.relay_contact_id) or row.requester_tz or "UTC"
        seen = row.last_customer_update_at
        hours, is_holiday = self.policy.hours, self.policy.is_holiday
        due = due_time(seen or row.created_at, tz, hours, is_holiday)
        return {"id": row.id, "seen": seen, "due": due}

    def _zone(self, user_id: str) -> str | None:
        try:
            return self.tz_of(user_id)
        except Exception as error:  # Slack down: the requester's zone is a fair stand-in
            log.warning("time zone of %s unknown (%s); using the requester's", user_id, error)
            return None

    def _store_dues(self, dues: list[dict[str, Any]]) -> int:
        stored = 0
        with transaction(self.sessions) as session:
            for item in dues:
                # Conditional: an update recorded meanwhile restarted the clock; leave it.
                result = session.execute(
                    update(Case)
                    .where(
                        Case.id == item["id"],
                        Case.next_update_due_at.is_(None),
                        Case.last_customer_update_at.is_(None)
                        if item["seen"] is None
                        else Case.last_customer_update_at == item["seen"],
                    )
                    .values(next_update_due_at=item["due"])
                )
                stored += result.rowcount  # type: ignore[attr-defined]
        return stored

    # -- 2.-4. claims ----------------------------------------------------------------------
    def _mark_all(self, now: datetime, claim: Callable[[Session, datetime], int]) -> int:
        total = 0
        while True:
            with transaction(self.sessions) as session:
                claimed = claim(session, now)
            total += claimed
            if claimed < self.batch:
                return total

    def _remind(self, session: Session, now: datetime) -> int:
        not_snoozed = Case.snoozed_until_at.is_(None) | (Case.snoozed_until_at <= now)
        return self._claim(
            session,
            now,
            Case.reminded_due_at,
            Due.REMINDER,
            Case.next_update_due_at <= now,
            not_snoozed,
        )

    def _nudge(self, session: Session, now: datetime) -> int:
        # The owner's own findings, and comments people wrote on the GitLab issue.
        logged = exists().where(
            Finding.case_id == Case.id,
            (Finding.author_id == Case.owner_id) | Finding.gitlab_note_id.is_not(None),
            Finding.withdrawn_at.is_(None),
            Finding.at > Case.last_customer_update_at,
        )
        return self._claim(
            session,
            now,
            Case.nudged_due_at,
            Due.NUDGE,
            Case.next_update_due_at <= now + self.policy.nudge_lead,
            Case.owner_id.is_not(None),
            ~logged,
        )

    def _escalate(self, session: Session, now: datetime) -> int:
        return self._claim(
            session,
            now,
            Case.escalated_due_at,
            Due.ESCALATION,
            Case.next_update_due_at < now - self.policy.escalation_margin,
        )

    def _claim(
        self,
        session: Session,
        now: datetime,
        mark: Any,
        due: Due,
        *conditions: ColumnElement[bool],
    ) -> int:
        """Marks up to a batch of cases done for their due time and queues one message each.

        Candidates are locked (SKIP LOCKED on Postgres; SQLite's writer lock serialises), and
        the UPDATE repeats every condition, so a case another worker marked is not taken.
        """
        where = (
            _running(),
            Case.next_update_due_at.is_not(None),
            mark.is_distinct_from(Case.next_update_due_at),
            *conditions,
        )
        candidates = select(Case.id).where(*where).order_by(Case.next_update_due_at, Case.id)
        candidates = candidates.limit(self.batch)
        if session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True, of=Case)
        ids = list(session.scalars(candidates))
        if not ids:
            return 0
        claimed = session.execute(
            update(Case)
            .where(Case.id.in_(ids), *where)
            .values({mark.key: Case.next_update_due_at})
            .returning(Case.id, Case.next_update_due_at)
            .execution_options(synchronize_session=False)
        ).all()
        for case_id, due_at in claimed:
            notify_due(session, case_id, due, now, due_at)  # type: ignore[arg-type]
        return len(ids)


def _running() -> ColumnElement[bool]:
    return Case.state.in_([state.value for state in CADENCE_STATES])
