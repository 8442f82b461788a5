"""Outbox rows name their GitLab operation and their Slack recipient, from the table of effects.

GitLab rows were all of kind `event` and the mirror decided from the event's action what to
do; now the kind says it (`open_issue`, `note`, `gap_note`). Slack rows now carry `to` in
their payload. Rows not yet sent are rewritten; sent ones are history and stay as they were.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 20:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

outbox = sa.table(
    "outbox_message",
    sa.column("id", sa.Integer),
    sa.column("topic", sa.String),
    sa.column("kind", sa.String),
    sa.column("status", sa.String),
    sa.column("payload", sa.JSON),
)
case_event = sa.table("case_event", sa.column("id", sa.Integer), sa.column("action", sa.String))

OPERATION = {"submit": "open_issue", "record_gap": "gap_note"}
RECIPIENT = {
    "card": "triage",
    "dm_receipt": "requester",
    "dm_rescope": "requester",
    "dm_legal_approved": "requester",
    "dm_legal_denied": "requester",
    "dm_approved": "relay",
    "dm_handed_over": "owner",
    "dm_update_reminder": "relay",
    "dm_owner_nudge": "owner",
    "leads_escalation": "leads",
}
UNSENT = outbox.c.status != "sent"


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.topic, outbox.c.kind, outbox.c.payload).where(UNSENT)
    ).all()
    event_ids = {int(r.payload["event_id"]) for r in rows if r.kind == "event"}
    actions = dict(
        bind.execute(
            sa.select(case_event.c.id, case_event.c.action).where(case_event.c.id.in_(event_ids))
        ).all()
    )
    for row in rows:
        if row.topic == "gitlab" and row.kind == "event":
            action = actions.get(int(row.payload["event_id"]), "")
            values = {"kind": OPERATION.get(action, "note")}
        elif row.topic == "slack" and "to" not in row.payload:
            values = {"payload": {**row.payload, "to": RECIPIENT.get(row.kind, "triage")}}
        else:
            continue
        bind.execute(sa.update(outbox).where(outbox.c.id == row.id).values(**values))


def downgrade() -> None:
    op.execute(
        sa.update(outbox)
        .where(outbox.c.topic == "gitlab", outbox.c.kind.in_(["open_issue", "note", "gap_note"]))
        .values(kind="event")
    )
