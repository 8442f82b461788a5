"""What operators do to the outbox: see its backlog (doctor), retry what was parked (unpark)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.kinds import Topic
from db import outbox
from db.session import reading, transaction


@dataclass
class Operations:
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]

    def backlog(self) -> dict[Topic, dict[str, int]]:
        """Pending and parked messages, by topic."""
        with reading(self.sessions) as session:
            return {topic: outbox.backlog(session=session, topic=topic) for topic in Topic}

    def unpark(self) -> int:
        """Gives every parked message a fresh set of attempts; returns how many."""
        with transaction(self.sessions) as session:
            return outbox.unpark(session=session, now=self.clock())
