"""Events API deliveries already handled: Slack retries an event up to three times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from db.models import ProcessedEvent
from db.session import transaction


def first_delivery(*, sessions: sessionmaker[Session], event_id: str, now: datetime) -> bool:
    """Records the event id; False when it was already recorded (a retry)."""
    try:
        with transaction(sessions) as session:
            session.add(ProcessedEvent(event_id=event_id[:64], received_at=now))
        return True
    except IntegrityError:
        return False
