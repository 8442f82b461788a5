"""SQLAlchemy 2 typed models: the case, its append-only history, and the outbox.

Datetimes are timezone-aware UTC in Python (`UTCDateTime` re-attaches UTC on SQLite, which
stores them naive). Personal data (paths, user names, free text) lives only on `Case` columns
listed in `PERSONAL_FIELDS`, in findings and in event texts, so the retention purge knows
exactly what to clear.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar = {datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


class Case(Base):
    """One log request, from intake to its end. `id` is the case number people quote."""

    __tablename__ = "info_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(32))
    route: Mapped[str] = mapped_column(String(16))

    organisation: Mapped[str] = mapped_column(String(200))
    ticket_url: Mapped[str] = mapped_column(String(2000))
    plan: Mapped[str] = mapped_column(String(32))
    deployment: Mapped[str] = mapped_column(String(16))
    namespace: Mapped[str] = mapped_column(String(255))
    owns_namespace: Mapped[bool] = mapped_column(Boolean)
    window_start_at: Mapped[datetime]
    window_end_at: Mapped[datetime]
    requester_tz: Mapped[str] = mapped_column(String(64))
    projects: Mapped[list[str]]
    groups: Mapped[list[str]]
    users: Mapped[list[str]]
    users_in_namespace: Mapped[bool] = mapped_column(Boolean, default=False)
    event_types: Mapped[list[str]]
    event_other: Mapped[str] = mapped_column(Text, default="")
    personal_data: Mapped[bool] = mapped_column(Boolean)
    access_logs: Mapped[bool] = mapped_column(Boolean)
    summary: Mapped[str] = mapped_column(Text)
    own_use: Mapped[bool | None] = mapped_column(Boolean)  # None: filed before it was asked
    audit_events: Mapped[str] = mapped_column(Text, default="")
    exception_justification: Mapped[str] = mapped_column(Text, default="")
    # A justification typed while no rule needed waiving: not kept, and the requester is told.
    exception_unneeded: Mapped[bool] = mapped_column(Boolean, default=False)
    # The rules the current scope waives, and the exception Legal last approved: an edit
    # that waives more, or gives another reason, goes back to Legal.
    waived: Mapped[list[str]] = mapped_column(default=list)
    approved_waivers: Mapped[list[str]] = mapped_column(default=list)
    approved_justification: Mapped[str] = mapped_column(Text, default="")
    long_window: Mapped[bool] = mapped_column(Boolean)

    requester_id: Mapped[str] = mapped_column(String(32))
    requester_team_id: Mapped[str] = mapped_column(String(32))
    relay_contact_id: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[str | None] = mapped_column(String(32))
    # Slack names by user id (the requester, the relay contact), for GitLab: never a mention.
    people: Mapped[dict[str, Any]] = mapped_column(default=dict)

    # The modal a requester submitted: Slack may deliver a submission twice, one case results.
    intake_view_id: Mapped[str] = mapped_column(String(64), unique=True)
    response_url: Mapped[str | None] = mapped_column(String(2000))
    card_channel_id: Mapped[str | None] = mapped_column(String(32))
    card_ts: Mapped[str | None] = mapped_column(String(32))

    # What the handler collected, as recorded for review (the artefacts never pass through).
    artefact_description: Mapped[str | None] = mapped_column(Text)
    artefact_count: Mapped[int | None] = mapped_column(Integer)
    artefact_location: Mapped[str | None] = mapped_column(Text)
    artefact_checksum: Mapped[str | None] = mapped_column(String(200))
    submitter_id: Mapped[str | None] = mapped_column(String(32))  # never reviews them
    # Approvals of the current review round; cleared when the artefacts are resubmitted.
    security_approver_id: Mapped[str | None] = mapped_column(String(32))
    legal_approver_id: Mapped[str | None] = mapped_column(String(32))
    gap_description: Mapped[str | None] = mapped_column(Text)
    # The log-dive's pseudonym key (HMAC): the same person reads the same within the case.
    dive_key: Mapped[str | None] = mapped_column(String(64), default=lambda: secrets.token_hex(32))
    no_gap_reason: Mapped[str | None] = mapped_column(Text)
    # The handler said the search costs more; cleared once the relay contact told the customer.
    cost_notice_pending: Mapped[bool] = mapped_column(Boolean, default=False)

    # The GitLab mirror (filled in by the outbox drain once GitLab answered).
    gitlab_issue_iid: Mapped[int | None] = mapped_column(Integer, index=True)
    gitlab_issue_url: Mapped[str | None] = mapped_column(String(500))
    gap_issue_url: Mapped[str | None] = mapped_column(String(500))
    # Two-way sync: when a person closed the issue in GitLab while the case is open, and the
    # issue's `updated_at` the bot last acted on (an older read of the issue changes nothing).
    gitlab_closed_at: Mapped[datetime | None]
    gitlab_seen_at: Mapped[datetime | None]

    # The customer-update cadence: the clock starts at acceptance and restarts at each update.
    last_customer_update_at: Mapped[datetime | None]
    next_update_due_at: Mapped[datetime | None]  # indexed where set: see __table_args__
    reminded_due_at: Mapped[datetime | None]  # the due time the relay contact was DM'd for
    nudged_due_at: Mapped[datetime | None]  # the due time the owner was nudged for
    escalated_due_at: Mapped[datetime | None]  # the due time escalated to the leads
    snoozed_until_at: Mapped[datetime | None]

    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    purged_at: Mapped[datetime | None]

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", lazy="raise_on_sql"
    )

    __table_args__ = (
        Index("ix_info_case_state_created_at", "state", "created_at"),
        # Only running clocks: every ended case has no due time, and an index holding them
        # all led "running and not yet scheduled" to scan the whole history.
        Index(
            "ix_info_case_next_update_due_at",
            "next_update_due_at",
            sqlite_where=text("next_update_due_at IS NOT NULL"),
            postgresql_where=text("next_update_due_at IS NOT NULL"),
        ),
    )


PERSONAL_FIELDS = (
    "namespace",
    "projects",
    "groups",
    "users",
    "event_other",
    "summary",
    "audit_events",
    "exception_justification",
    "approved_justification",
    "ticket_url",
    "response_url",
    "artefact_description",
    "artefact_location",
    "gap_description",
    "no_gap_reason",
    "people",
)


class CaseEvent(Base):
    """One line of history. Rows are only ever inserted (see the guards below)."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("info_case.id"), index=True)
    at: Mapped[datetime] = mapped_column(index=True)  # the desk metrics read by period
    actor_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # never typed text: see EventText

    case: Mapped[Case] = relationship(back_populates="events")


class EventText(Base):
    """What a person typed with an event (a reason, a note), kept apart from the append-only
    event so the retention purge can blank it; the event's row never changes."""

    __tablename__ = "event_text"

    event_id: Mapped[int] = mapped_column(ForeignKey("case_event.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("info_case.id"), index=True)
    text: Mapped[str] = mapped_column(Text)


class Finding(Base):
    """A dated note of what the handler found; may hold personal data, so it is purgeable."""

    __tablename__ = "case_finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("info_case.id"), index=True)
    at: Mapped[datetime]
    author_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    # A comment on the case's GitLab issue: its note id, its author's GitLab username, and
    # whether it was an internal note (shown to participants in DMs only).
    gitlab_note_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    gitlab_author: Mapped[str | None] = mapped_column(String(255))
    internal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    withdrawn_at: Mapped[datetime | None]  # the comment was deleted in GitLab


class GitLabDelivery(Base):
    """A webhook delivery from GitLab, stored before it is acknowledged and applied after.

    `key` is GitLab's `Idempotency-Key` (else the event's UUID): a retried or duplicated
    delivery fails on it, so each is applied once.
    """

    __tablename__ = "gitlab_delivery"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    event: Mapped[str] = mapped_column(String(64))
    event_uuid: Mapped[str | None] = mapped_column(String(64))
    project: Mapped[str] = mapped_column(String(255), default="")  # its path, as GitLab sent it
    project_id: Mapped[int | None] = mapped_column(Integer)
    issue_iid: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    lease_until: Mapped[datetime | None]
    received_at: Mapped[datetime]
    applied_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_gitlab_delivery_status_id", "status", "id"),)


class SyncMark(Base):
    """How far the reconciliation job has read the tracker (GitLab's own `updated_at`)."""

    __tablename__ = "sync_mark"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime]


class ProcessedEvent(Base):
    """Events API deliveries already handled; Slack retries the same event_id up to 3 times."""

    __tablename__ = "processed_event"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime]


class ReceivedIntake(Base):
    """An intake modal acknowledged and not filed yet: the requester saw "Filing…", and the
    case is filed from this row right after the ack (or by the worker, if the process died
    in between). Filing deletes it in the transaction that writes the case."""

    __tablename__ = "received_intake"

    view_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    requester_id: Mapped[str] = mapped_column(String(64))
    requester_team_id: Mapped[str] = mapped_column(String(64))
    requester_name: Mapped[str] = mapped_column(String(255))
    intake: Mapped[dict[str, Any]]  # the parsed answers (db.received)
    received_at: Mapped[datetime] = mapped_column(index=True)


class ModalSubmission(Base):
    """A case modal whose step was done: another delivery of the same view changes nothing.

    Written in the step's own transaction, so it exists exactly when the step does.
    """

    __tablename__ = "modal_submission"

    view_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("info_case.id"), index=True)
    at: Mapped[datetime]


class CaseMessage(Base):
    """A DM that asked someone to decide on a case (Legal, a reviewer): updated after each
    decision, so nobody acts on a stale one. One per case, kind and person: the latest ask."""

    __tablename__ = "case_message"
    __table_args__ = (UniqueConstraint("case_id", "kind", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("info_case.id"))
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))


class OutboxMessage(Base):
    """A message to Slack or GitLab, written with the change that causes it, sent later.

    Drains claim rows by lease (`lease_until`), so several processes never send one twice;
    rows of one case go out in `id` order.
    """

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("info_case.id"))
    topic: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(48))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_outbox_message_status_available_at", "status", "available_at"),
        Index("ix_outbox_message_case_id_status", "case_id", "status"),
    )


@event.listens_for(CaseEvent, "before_update")
def _events_are_never_updated(mapper: Any, connection: Any, target: CaseEvent) -> None:
    raise PermissionError("case events are append-only; write a new event instead")


@event.listens_for(CaseEvent, "before_delete")
def _events_are_never_deleted(mapper: Any, connection: Any, target: CaseEvent) -> None:
    raise PermissionError("case events are append-only and are never deleted")
