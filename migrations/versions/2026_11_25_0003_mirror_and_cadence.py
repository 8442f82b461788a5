"""Track the GitLab mirror, the customer-update cadence, and Events API deliveries already handled.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 15:01:09.042611
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processed_event",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processed_event")),
    )
    with op.batch_alter_table("info_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gitlab_issue_iid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("gitlab_issue_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("gap_issue_url", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column("last_customer_update_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("next_update_due_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("reminded_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("nudged_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("escalated_due_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("snoozed_until_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_info_case_next_update_due_at"), ["next_update_due_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("info_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_info_case_next_update_due_at"))
        batch_op.drop_column("snoozed_until_at")
        batch_op.drop_column("escalated_due_at")
        batch_op.drop_column("nudged_due_at")
        batch_op.drop_column("reminded_due_at")
        batch_op.drop_column("next_update_due_at")
        batch_op.drop_column("last_customer_update_at")
        batch_op.drop_column("gap_issue_url")
        batch_op.drop_column("gitlab_issue_url")
        batch_op.drop_column("gitlab_issue_iid")

    op.drop_table("processed_event")
