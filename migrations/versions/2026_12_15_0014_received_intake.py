"""`received_intake`: intake modals acknowledged and not filed yet.

The view submission is acknowledged once its answers pass the rules and are kept here (one
row); the case is filed from the row right after the ack, and the row deleted in the same
transaction. A row left by a process that died in between is filed by the worker.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-15 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "received_intake",
        sa.Column("view_id", sa.String(length=64), nullable=False),
        sa.Column("requester_id", sa.String(length=64), nullable=False),
        sa.Column("requester_team_id", sa.String(length=64), nullable=False),
        sa.Column("requester_name", sa.String(length=255), nullable=False),
        sa.Column("intake", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("view_id", name=op.f("pk_received_intake")),
    )
    with op.batch_alter_table("received_intake", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_received_intake_received_at"), ["received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("received_intake", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_received_intake_received_at"))
    op.drop_table("received_intake")
