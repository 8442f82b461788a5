"""Draining the outbox: claim, send, mark; retry with back-off; park what keeps failing.

The same loop serves every topic (Slack deliveries now, GitLab operations later). A sender
returns normally when the message went out, may return a function that records what came back
(a message ts, an issue id) in the same transaction that marks it sent, and raises `Retry`
for a failure worth trying again or `Permanent` for one that never will succeed.
"""

from __future__ import annotations

import logging
import os
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from db import outbox
from db.models import OutboxMessage
from db.session import transaction

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_DELAY = 2.0
MAX_DELAY = 900.0


class Retry(Exception):
    """Try again later; `after` seconds when the far side said so (429 Retry-After)."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after


class Permanent(Exception):
    """Retrying cannot help (bad request, missing channel): park it for a person to look at."""


Apply = Callable[[Session], None]
Sender = Callable[[OutboxMessage], Apply | None]


def backoff(attempts: int, *, rng: random.Random | None = None) -> float:
    """Exponential delay with full jitter, so many failing rows don't retry in lockstep."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** max(attempts - 1, 0))
    return (rng or random).uniform(ceiling / 2, ceiling)


def drain_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Drain:
    sessions: sessionmaker[Session]
    topic: str
    send: Sender
    clock: Callable[[], datetime]
    owner: str
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = MAX_ATTEMPTS

    def run(self, *, case_id: int | None = None, max_rounds: int = 1000) -> int:
        """Sends what is due until nothing is left to claim; returns how many went out."""
        sent = 0
        for _ in range(max_rounds):
            with transaction(self.sessions) as session:
                batch = outbox.claim(
                    session=session,
                    topic=self.topic,
                    owner=self.owner,
                    now=self.clock(),
                    lease=self.lease,
                    case_id=case_id,
                )
            if not batch:
                return sent
            sent += sum(self._deliver(message) for message in batch)
        return sent

    def _deliver(self, message: OutboxMessage) -> bool:
        try:
            apply = self.send(message)
        except Retry as error:
            self._fail(message, str(error), error.after)
            return False
        except Permanent as error:
            self._fail(message, str(error), None, park=True)
            return False
        except Exception as error:  # an unknown failure is retried, never dropped
            log.exception("outbox %s #%s failed unexpectedly", self.topic, message.id)
            self._fail(message, f"{type(error).__name__}: {error}", None)
            return False
        with transaction(self.sessions) as session:
            if (
                outbox.mark_sent(
                    session=session, message_id=message.id, owner=self.owner, now=self.clock()
                )
                and apply
            ):
                apply(session)
        return True

    def _fail(
        self, message: OutboxMessage, error: str, after: float | None, park: bool = False
    ) -> None:
        told_to_wait = after is not None and not park  # 429: not a failure of ours
        give_up = park or (message.attempts >= self.max_attempts and not told_to_wait)
        delay = after if told_to_wait else backoff(message.attempts)
        retry_at = None if give_up else self.clock() + timedelta(seconds=delay)
        if give_up:
            log.error(
                "outbox %s #%s parked after %s attempts: %s",
                self.topic,
                message.id,
                message.attempts,
                error,
            )
        else:
            log.warning(
                "outbox %s #%s will retry in %.0fs: %s", self.topic, message.id, delay, error
            )
        with transaction(self.sessions) as session:
            outbox.mark_failed(
                session=session,
                message_id=message.id,
                owner=self.owner,
                error=error,
                retry_at=retry_at,
                refund=told_to_wait,
            )
