"""The customer-update cadence, as its participants drive it: "update sent", and "snooze".

The relay contact owes the customer an update while the case is in triage..approved. Recording
one restarts the clock (its row in `bot.app.effects`); the sweep in `bot.app.reminders` then
computes the next due time in the contact's own time zone. A
snooze holds back the reminder for a few hours and re-arms it, so it comes once more.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.app import steps
from bot.app.steps import locked_case
from bot.cases.calendar import BusinessHours, HolidayCheck, no_holidays
from bot.cases.errors import NotAllowed
from bot.cases.model import CADENCE_STATES, CaseSnapshot, State
from bot.cases.permissions import Actor
from bot.cases.states import Action, InvalidTransition, transition

log = logging.getLogger(__name__)

SNOOZE_HOURS = (1, 2, 4)
SUMMARY_MAX_CHARS = 300


@dataclass(frozen=True)
class CadencePolicy:
    """The calendar and margins every case's cadence follows, from the settings."""

    hours: BusinessHours = field(default_factory=BusinessHours)
    is_holiday: HolidayCheck = no_holidays
    escalation_margin: timedelta = timedelta(hours=4)
    nudge_lead: timedelta = timedelta(hours=2)


def holiday_check(country: str | None) -> HolidayCheck:
    """The public holidays of `country` (ISO code) from the `holidays` package, or none."""
    if not country:
        return no_holidays
    import holidays

    calendar = holidays.country_holidays(country)

    def is_holiday(day: date) -> bool:
        return day in calendar

    return is_holiday


@dataclass
class Cadence:
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    policy: CadencePolicy = field(default_factory=CadencePolicy)
    view_id: str | None = None  # the "update sent" modal the update comes from

    def for_view(self, view_id: str) -> Cadence:
        """This cadence for an update submitted from one modal: recorded once however often
        the submission arrives."""
        return dataclasses.replace(self, view_id=view_id or None)

    def check_update(self, case_id: int, actor: Actor) -> None:
        """Refuses now what recording an update would refuse, before the modal opens."""
        steps.check(self.sessions, self.clock(), case_id, actor, Action.CUSTOMER_UPDATE)

    def record_customer_update(
        self, case_id: int, actor: Actor, summary: str | None = None
    ) -> CaseSnapshot:
        """The relay contact updated the customer: record it (with what they said, if they
        gave a line) and restart the clock."""
        summary = (summary or "").strip()[:SUMMARY_MAX_CHARS] or None
        return steps.once(
            self.sessions,
            self.view_id,
            lambda: steps.act(
                self.sessions,
                self.clock(),
                case_id,
                actor,
                Action.CUSTOMER_UPDATE,
                reason=summary,
                view_id=self.view_id,
            ),
        )

    def snooze(self, case_id: int, actor: Actor, hours: int) -> datetime:
        """Holds the reminder back `hours` and asks for it again then; returns when."""
        if hours not in SNOOZE_HOURS:
            raise NotAllowed("Snooze for 1, 2 or 4 hours.")
        now = self.clock()
        with locked_case(self.sessions, case_id, actor, Action.CUSTOMER_UPDATE) as (_session, case):
            # Snoozing is no event of the case's history, but it is refused where an update
            # could not be recorded, and only the relay contact may do it.
            transition(State(case.state), Action.CUSTOMER_UPDATE, actor_id=actor.user_id, at=now)
            if State(case.state) not in CADENCE_STATES:
                raise InvalidTransition(State(case.state), Action.CUSTOMER_UPDATE)
            until = now + timedelta(hours=hours)
            case.snoozed_until_at = until
            case.reminded_due_at = None  # re-armed: one more reminder once the snooze ends
            log.info("snoozed case=%s by=%s until=%s", case_id, actor.user_id, until.isoformat())
            return until
