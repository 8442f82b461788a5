"""Deliveries Slack may repeat: each Events API event is handled once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from db import deliveries
from db.session import transaction


@dataclass
class Inbox:
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]

    def first_delivery(self, event_id: str) -> bool:
        """Records the event id; False when it was already recorded (a retry)."""
        try:
            with transaction(self.sessions) as session:
                deliveries.remember(session=session, event_id=event_id, now=self.clock())
            return True
        except IntegrityError:
            return False
