"""The outbox table: messages written with the change that causes them, claimed by lease.

A drain claims a batch with one UPDATE ... RETURNING, setting a lease; another drain skips
leased rows until the lease runs out (a crashed drain's rows come back by themselves). On
Postgres the candidate rows are picked with FOR UPDATE SKIP LOCKED so drains don't wait on
each other. Rows of one case are handed out oldest first, and never while an older row of the
same case and topic is still unsent, so a case's messages keep their order (and a GitLab
backlog never holds up Slack). A parked row of a kind the drain names (`held_by`: the GitLab
issue that could not be opened) holds its case's later rows back, pending, until it is
unparked and sent; other parked rows hold nothing back.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session, aliased

from db.models import OutboxMessage

PENDING, SENT, PARKED = "pending", "sent", "parked"


def enqueue(
    *,
    session: Session,
    case_id: int,
    topic: str,
    kind: str,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Adds a message to the outbox in the caller's transaction."""
    row = OutboxMessage(
        case_id=case_id,
        topic=topic,
        kind=kind,
        payload=payload or {},
        status=PENDING,
        attempts=0,
        available_at=now,
        created_at=now,
    )
    session.add(row)
    return row


def claim(
    *,
    session: Session,
    topic: str,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int = 50,
    case_id: int | None = None,
    held_by: Collection[str] = (),
) -> list[OutboxMessage]:
    """Leases up to `limit` due messages of `topic`, at most the oldest unsent one per case;
    none behind a parked message of a kind in `held_by`."""
    older = aliased(OutboxMessage)
    unsent = older.status == PENDING
    if held_by:
        unsent = unsent | ((older.status == PARKED) & older.kind.in_(list(held_by)))
    earlier_unsent = (
        select(older.id)
        .where(
            older.case_id == OutboxMessage.case_id,
            older.topic == OutboxMessage.topic,
            older.id < OutboxMessage.id,
            unsent,
        )
        .exists()
    )
    candidates = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.topic == topic,
            OutboxMessage.status == PENDING,
            OutboxMessage.available_at <= now,
            (OutboxMessage.lease_until.is_(None)) | (OutboxMessage.lease_until < now),
            ~earlier_unsent,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if case_id is not None:
        candidates = candidates.where(OutboxMessage.case_id == case_id)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True, of=OutboxMessage)
    ids = list(session.scalars(candidates))
    if not ids:
        return []
    claimed = session.scalars(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == PENDING,
            (OutboxMessage.lease_until.is_(None)) | (OutboxMessage.lease_until < now),
        )
        .values(lease_owner=owner, lease_until=now + lease, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed, key=lambda row: row.id)


def mark_sent(
    *, session: Session, message_ids: Sequence[int], owner: str, now: datetime
) -> set[int]:
    """Marks messages sent where this drain still holds their lease; returns those it marked."""
    if not message_ids:
        return set()
    marked = session.scalars(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(message_ids),
            OutboxMessage.lease_owner == owner,
            OutboxMessage.status == PENDING,
        )
        .values(status=SENT, sent_at=now, lease_until=None, last_error=None)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return set(marked)


def mark_failed(
    *,
    session: Session,
    message_id: int,
    owner: str,
    error: str,
    retry_at: datetime | None,
    refund: bool = False,
) -> bool:
    """Releases a message for another try at `retry_at`, or parks it when that is None;
    False when this drain no longer held its lease (nothing changed).

    `refund` gives the attempt back: being told "later" (429) is not a failure that should
    bring the message closer to being parked.
    """
    values: dict[str, Any] = {"last_error": error[:2000], "lease_until": None}
    if refund:
        values["attempts"] = OutboxMessage.attempts - 1
    if retry_at is None:
        values["status"] = PARKED
    else:
        values["available_at"] = retry_at
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.lease_owner == owner,
            OutboxMessage.status == PENDING,  # never undoes a "sent"
        )
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def backlog(*, session: Session, topic: str | None = None) -> dict[str, int]:
    """Counts of pending and parked messages, for `/case-status` and `doctor`."""
    query = (
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_((PENDING, PARKED)))
        .group_by(OutboxMessage.status)
    )
    if topic:
        query = query.where(and_(OutboxMessage.topic == topic))
    counts = dict.fromkeys((PENDING, PARKED), 0)
    counts.update({status: count for status, count in session.execute(query)})
    return counts


def unpark(*, session: Session, now: datetime) -> int:
    """Gives every parked message a fresh set of attempts; returns how many."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == PARKED)
        .values(status=PENDING, attempts=0, available_at=now, lease_until=None)
    )
    return result.rowcount  # type: ignore[attr-defined]


def renew(*, session: Session, message_ids: Sequence[int], owner: str, until: datetime) -> set[int]:
    """Extends the lease of the messages this drain still holds (not those it has marked or
    released meanwhile); returns the ids of those it still held."""
    if not message_ids:
        return set()
    renewed = session.scalars(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(message_ids),
            OutboxMessage.lease_owner == owner,
            OutboxMessage.status == PENDING,
            OutboxMessage.lease_until.is_not(None),
        )
        .values(lease_until=until)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return set(renewed)
