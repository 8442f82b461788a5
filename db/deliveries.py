"""Events API deliveries already handled: Slack retries an event up to three times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from db.models import ProcessedEvent


def remember(*, session: Session, event_id: str, now: datetime) -> None:
    """Records an event id; the flush fails (IntegrityError) when it was recorded before."""
    session.add(ProcessedEvent(event_id=event_id[:64], received_at=now))
    session.flush()
