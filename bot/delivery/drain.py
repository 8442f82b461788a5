"""Draining the outbox: claim, send, mark; retry with back-off; park what keeps failing.

The same loop serves every topic (Slack deliveries, GitLab operations). A sender reads what it
needs in the claiming transaction (`load`), then sends without touching the database (`send`):
it returns normally when the message went out, may return a function that records what came
back (a message ts, an issue id) in the transaction that marks it sent, and raises `Retry` for
a failure worth trying again or `Permanent` for one that never will succeed.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
import random
import socket
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot import logs
from bot.delivery.lease import KEEPER, LEASE
from bot.delivery.rows import apply_all
from db import outbox
from db.models import OutboxMessage
from db.session import transaction

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_DELAY = 2.0
MAX_DELAY = 900.0
# A row whose lease ends this soon is given back rather than sent: paced at Slack's one post a
# second, a batch can outlast its lease, and another drain may have claimed the row by then.
LEASE_MARGIN = timedelta(seconds=10)


class Retry(Exception):
    """Try again later; `after` seconds when the far side said so (429 Retry-After).

    Being told to wait gives the attempt back (`refund`), unless the attempt already sent
    something: the next one then counts as a retry, which looks before it posts again.
    """

    def __init__(self, reason: str, after: float | None = None, *, refund: bool = True) -> None:
        super().__init__(reason)
        self.after = after
        self.refund = refund and after is not None


class Permanent(Exception):
    """Retrying cannot help (bad request, missing channel): park it for a person to look at."""


Apply = Callable[[Session], None]  # what a sender's answer writes, in the recording commit


# Called in the transaction that parks a message, with the drain's time.
OnParked = Callable[[Session, OutboxMessage, datetime], None]


class Sender(Protocol):
    """Sends one topic's messages, in two steps so the database is not touched in between."""

    def load(self, session: Session, batch: Sequence[OutboxMessage]) -> list[Any]:
        """What sending each message needs, read in the transaction that claimed the batch.

        One item per message, in order; a `Permanent` error in place of what can never be
        sent (its case is gone, its kind unknown).
        """

    def send(self, message: OutboxMessage, loaded: Any) -> Apply | None:
        """Sends; returns what to record with "sent", or raises Retry or Permanent."""


def backoff(attempts: int, *, rng: random.Random | None = None) -> float:
    """Exponential delay with full jitter, so many failing rows don't retry in lockstep."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** max(attempts - 1, 0))
    return (rng or random).uniform(ceiling / 2, ceiling)


_RUNS = itertools.count(1)


def drain_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class _Outcome:
    message: OutboxMessage
    apply: Apply | None = None
    error: str | None = None
    retry_at: datetime | None = None
    refund: bool = False


@dataclass
class Drain:
    """Sends a topic's messages a batch at a time, with one commit per batch.

    That commit records the results of the batch just sent and claims the next one, reading
    what its messages need. A slow batch also records along the way, whenever `record_every`
    seconds have passed: every result is then recorded promptly, well inside the lease, and a
    process that keeps crashing still makes progress. A crash before a record sends those rows
    again after the lease; the senders' markers and look-before-repost keep that from showing
    twice.

    Each run leases under an owner of its own (`owner` and a run number), so two drains of one
    process (couriers, the mirror thread, the jobs) never mark each other's rows; while a
    batch is in hand its leases are renewed (`bot.delivery.lease`).
    """

    sessions: sessionmaker[Session]
    topic: str
    send: Sender
    clock: Callable[[], datetime]
    owner: str
    lease: timedelta = LEASE
    max_attempts: int = MAX_ATTEMPTS
    record_every: float = 0.2
    held_by: frozenset[str] = frozenset()  # kinds whose parked row holds its case's rows back
    on_parked: OnParked | None = None
    batch: int = 50  # messages claimed at once (at most one per case)

    def run(self, *, case_id: int | None = None, max_rounds: int = 1000) -> int:
        """Sends what is due until nothing is left to claim; returns how many went out."""
        run = dataclasses.replace(self, owner=f"{self.owner}:{next(_RUNS)}"[-64:])
        return run._run(case_id=case_id, max_rounds=max_rounds)

    def _run(self, *, case_id: int | None, max_rounds: int) -> int:
        sent = 0
        unrecorded: list[_Outcome] = []
        for _ in range(max_rounds):
            with transaction(self.sessions) as session:
                # One commit records a batch's results and claims the next batch, which can
                # then hold the next message of a case whose last one was just marked sent.
                recorded = bool(unrecorded)
                self._write(session, unrecorded)
                batch = outbox.claim(
                    session=session,
                    topic=self.topic,
                    owner=self.owner,
                    now=self.clock(),
                    lease=self.lease,
                    case_id=case_id,
                    held_by=self.held_by,
                    limit=self.batch,
                )
                loaded = list(zip(batch, self.send.load(session, batch), strict=True))
            if not batch:
                if recorded:
                    # Another drain that claimed while this transaction was open saw the rows
                    # just marked still unsent, and so nothing of their cases after them; and
                    # what was committed meanwhile was not seen here. One more look takes both.
                    unrecorded = []
                    continue
                return sent
            with self._keeping(batch):
                went_out, unrecorded = self._send_all(loaded)
            sent += went_out
        self._record(unrecorded)
        return sent

    def _keeping(self, batch: list[OutboxMessage]) -> AbstractContextManager[None]:
        """Renews the batch's leases every third of the lease until the batch is sent."""
        ids = [message.id for message in batch]

        def renew() -> None:
            until = self.clock() + self.lease
            with transaction(self.sessions) as session:
                held = outbox.renew(session=session, message_ids=ids, owner=self.owner, until=until)
            for message in batch:  # what `_given_back` reads before sending
                if message.id in held:
                    message.lease_until = until

        return KEEPER.holding(renew, self.lease.total_seconds() / 3)

    def _send_all(self, loaded: list[tuple[OutboxMessage, Any]]) -> tuple[int, list[_Outcome]]:
        """Sends a batch, recording along the way when it is slow; returns what is unrecorded."""
        outcomes: list[_Outcome] = []
        sent, since = 0, time.monotonic()
        for message, work in loaded:
            outcome = self._given_back(message) or self._attempt(message, work)
            sent += outcome.error is None
            outcomes.append(outcome)
            if time.monotonic() - since >= self.record_every:
                self._record(outcomes)
                outcomes, since = [], time.monotonic()
        return sent, outcomes

    def _given_back(self, message: OutboxMessage) -> _Outcome | None:
        """Gives the row back, due now and its attempt refunded, when its lease is (nearly)
        over before its turn came (the keeper renews it while this drain lives, so that means
        the renewals failed or were refused: another drain may have taken the row)."""
        now, margin = self.clock(), min(LEASE_MARGIN, self.lease / 4)
        if message.lease_until is None or message.lease_until - margin > now:
            return None
        log.info(
            "outbox %s #%s given back: its lease ran out before its turn", self.topic, message.id
        )
        return _Outcome(message, error="lease ran out before its turn", retry_at=now, refund=True)

    def _attempt(self, message: OutboxMessage, work: Any) -> _Outcome:
        with logs.bound(case=message.case_id):
            return self._attempt_bound(message, work)

    def _attempt_bound(self, message: OutboxMessage, work: Any) -> _Outcome:
        try:
            if isinstance(work, Permanent):
                raise work
            return _Outcome(message, apply=self.send.send(message, work))
        except Retry as error:
            return self._failed(message, str(error), error.after, refund=error.refund)
        except Permanent as error:
            return self._failed(message, str(error), None, park=True)
        except Exception as error:  # an unknown failure is retried, never dropped
            log.exception("outbox %s #%s failed unexpectedly", self.topic, message.id)
            return self._failed(message, f"{type(error).__name__}: {error}", None)

    def _failed(
        self,
        message: OutboxMessage,
        error: str,
        after: float | None,
        park: bool = False,
        refund: bool = False,
    ) -> _Outcome:
        told_to_wait = after is not None and not park  # 429: not a failure of ours
        give_up = park or (message.attempts >= self.max_attempts and not told_to_wait)
        delay = after if told_to_wait else backoff(message.attempts)
        retry_at = None if give_up else self.clock() + timedelta(seconds=delay)  # type: ignore[arg-type]
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
        return _Outcome(message, error=error, retry_at=retry_at, refund=told_to_wait and refund)

    def _record(self, outcomes: list[_Outcome]) -> None:
        if outcomes:
            with transaction(self.sessions) as session:
                self._write(session, outcomes)

    def _write(self, session: Session, outcomes: list[_Outcome]) -> None:
        sent = [o for o in outcomes if o.error is None]
        marked = outbox.mark_sent(
            session=session,
            message_ids=[o.message.id for o in sent],
            owner=self.owner,
            now=self.clock(),
        )
        apply_all(session, [o.apply for o in sent if o.apply and o.message.id in marked])
        for outcome in outcomes:
            if outcome.error is None:
                continue
            marked_failed = outbox.mark_failed(
                session=session,
                message_id=outcome.message.id,
                owner=self.owner,
                error=outcome.error,
                retry_at=outcome.retry_at,
                refund=outcome.refund,
            )
            if marked_failed and outcome.retry_at is None and self.on_parked:
                self.on_parked(session, outcome.message, self.clock())
