"""What people typed with an event moves to `event_text`, where the retention purge reaches it.

Events are append-only (the ORM refuses updates; on Postgres a trigger does too), so a reason
kept on the event row could never be blanked. The reasons already recorded are copied into
`event_text`, then the `reason` column is dropped (a change of the table, not of its rows: the
trigger does not fire). Downgrading copies the texts back, with the trigger held off.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CHUNK = 1000
case_event = sa.table(
    "case_event",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("reason", sa.Text),
)


def _event_text_table() -> sa.Table:
    return op.create_table(
        "event_text",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["case_event.id"], name=op.f("fk_event_text_event_id_case_event")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["info_case.id"], name=op.f("fk_event_text_case_id_info_case")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_text")),
    )


def upgrade() -> None:
    bind = op.get_bind()
    # Read first: on SQLite dropping the column copies `case_event`, which nothing may refer
    # to while it does.
    said = bind.execute(
        sa.select(case_event.c.id, case_event.c.case_id, case_event.c.reason)
        .where(case_event.c.reason.is_not(None))
        .order_by(case_event.c.id)
    ).all()
    with op.batch_alter_table("case_event") as batch:
        batch.drop_column("reason")
    event_text = _event_text_table()
    op.create_index(op.f("ix_event_text_case_id"), "event_text", ["case_id"])
    rows = [{"event_id": i, "case_id": c, "text": r} for i, c, r in said]
    for start in range(0, len(rows), CHUNK):
        op.bulk_insert(event_text, rows[start : start + CHUNK])


def downgrade() -> None:
    bind = op.get_bind()
    event_text = sa.table(
        "event_text",
        sa.column("event_id", sa.Integer),
        sa.column("text", sa.Text),
    )
    said = bind.execute(sa.select(event_text.c.event_id, event_text.c.text)).all()
    op.drop_index(op.f("ix_event_text_case_id"), table_name="event_text")
    op.drop_table("event_text")
    with op.batch_alter_table("case_event") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE case_event DISABLE TRIGGER case_event_append_only")
    for event_id, text in said:
        bind.execute(sa.update(case_event).where(case_event.c.id == event_id).values(reason=text))
    if postgres:
        op.execute("ALTER TABLE case_event ENABLE TRIGGER case_event_append_only")
