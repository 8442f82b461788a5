"""The event log as the desk metrics read it: whole histories of the cases active in a period."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from db.models import Case, CaseEvent


def histories(*, session: Session, since: datetime, until: datetime) -> list[Row[Any]]:
    """Every event before `until` of the cases with an event in [since, until), in order."""
    active = select(CaseEvent.case_id).where(CaseEvent.at >= since, CaseEvent.at < until)
    query = (
        select(
            CaseEvent.case_id,
            Case.route,
            Case.requester_tz,
            CaseEvent.at,
            CaseEvent.action,
            CaseEvent.from_state,
            CaseEvent.to_state,
            CaseEvent.data,
        )
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.case_id.in_(active.distinct()), CaseEvent.at < until)
        .order_by(CaseEvent.case_id, CaseEvent.id)
    )
    return list(session.execute(query).all())
