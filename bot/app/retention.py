"""The retention purge: personal data of cases that ended long ago is blanked, once.

What goes: the `Case` columns listed in `db.models.PERSONAL_FIELDS`, the text of the case's
findings, and what people typed with its events (reasons, notes: `db.models.EventText`).
An intake acknowledged and never filed in all that time (`received_intake`) is dropped.
What stays: the case row, its number, state, dates, counts and the event history (who did
what, when), so the statistics and the audit trail survive. Each purge is one transaction
that records a `purge` event; a case that fails is logged and tried again on the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.app.steps import record
from bot.cases.model import State
from bot.cases.states import Action, transition
from db import cases as case_repo
from db import received as received_repo
from db.models import PERSONAL_FIELDS, Case, EventText, Finding
from db.session import transaction

log = logging.getLogger(__name__)

PURGE_ACTOR = "bot"  # events need an actor; the purge is the bot's own doing
BATCH = 100


def blank_value(name: str) -> Any:
    """What a purged column holds: empty where it must hold something, else nothing."""
    column = Case.__table__.columns[name]
    if column.nullable:
        return None
    if column.default is not None and column.default.is_callable:
        return column.default.arg(None)  # its own empty value: `people` is {}, not []
    return [] if isinstance(column.type, JSON) else ""


@dataclass
class RetentionPurge:
    sessions: sessionmaker[Session]
    retention: timedelta

    def run(self, now: datetime) -> int:
        """Purges every case that ended more than the retention period before `now`."""
        cutoff = now - self.retention
        purged, after = 0, 0
        while True:
            with transaction(self.sessions) as session:
                ids = list(
                    session.scalars(
                        select(Case.id)
                        .where(
                            Case.ended_at.is_not(None),
                            Case.ended_at <= cutoff,
                            Case.purged_at.is_(None),
                            Case.id > after,
                        )
                        .order_by(Case.id)
                        .limit(BATCH)
                    )
                )
            if not ids:
                break
            after = ids[-1]
            for case_id in ids:
                try:
                    purged += self.purge(case_id, now)
                except Exception:  # one case must not stop the others
                    log.exception("purging case %s failed; next run tries again", case_id)
        if purged:
            log.info("retention purge at %s: %s cases", now.isoformat(), purged)
        with transaction(self.sessions) as session:
            dropped = received_repo.drop(session=session, received_before=cutoff)
        if dropped:  # never filed in all that time: each failure was logged as it happened
            log.warning("retention purge: %s intakes never filed, older than %s", dropped, cutoff)
        return purged

    def purge(self, case_id: int, now: datetime) -> int:
        """Blanks one case's personal data and records it; 0 when it was done meanwhile."""
        with transaction(self.sessions) as session:
            case = case_repo.get(session=session, case_id=case_id, for_update=True)
            if case is None or case.purged_at is not None:
                return 0
            event = transition(
                State(case.state),
                Action.PURGE,
                actor_id=PURGE_ACTOR,
                at=now,
                data={"fields": list(PERSONAL_FIELDS), "findings": True, "event_texts": True},
            )
            for name in PERSONAL_FIELDS:
                setattr(case, name, blank_value(name))
            session.execute(
                update(Finding)
                .where(Finding.case_id == case.id)
                .values(text="", gitlab_author=None)  # a comment's author, by GitLab username
            )
            session.execute(update(EventText).where(EventText.case_id == case.id).values(text=""))
            case.purged_at = now
            record(session, case, event)
            return 1
