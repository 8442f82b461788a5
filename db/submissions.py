"""Case modals already acted on: Slack may deliver a submission again, and so may anyone who
copied one within its five minutes. A second delivery finds the first and changes nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from db.models import ModalSubmission


def case_of(*, session: Session, view_id: str) -> int | None:
    """Returns the case a submitted view already acted on, or None."""
    row = session.get(ModalSubmission, view_id)
    return row.case_id if row is not None else None


def record(*, session: Session, view_id: str, case_id: int, at: datetime) -> None:
    """Records that the view acted on the case; a concurrent second delivery fails here
    (IntegrityError) instead of acting twice."""
    session.add(ModalSubmission(view_id=view_id, case_id=case_id, at=at))
    session.flush()
