"""The people a case waits on are told: the decision DMs it sent, and the pending cost notice.

`case_message` remembers, per case, kind and person, the DM that asked Legal or a reviewer
to decide, so a decision updates it instead of leaving buttons on a stale one.
`info_case.cost_notice_pending` is set when the handler records that the search costs more,
and cleared when the relay contact confirms the customer was told.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-15 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["info_case.id"], name=op.f("fk_case_message_case_id_info_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_message")),
        sa.UniqueConstraint("case_id", "kind", "user_id", name=op.f("uq_case_message_case_id")),
    )
    with op.batch_alter_table("info_case") as batch:
        # A constant default: SQLite adds the column in place (an expression would copy the
        # table, which it refuses while events refer to it).
        batch.add_column(
            sa.Column("cost_notice_pending", sa.Boolean(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    # In place (SQLite 3.35+ drops a column itself); a batch copy is refused while events
    # refer to the cases.
    op.drop_column("info_case", "cost_notice_pending")
    op.drop_table("case_message")
