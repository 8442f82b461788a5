"""Two-way GitLab: webhook deliveries, the reconciliation mark, findings from GitLab comments.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-15 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "gitlab_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("event_uuid", sa.String(64), nullable=True),
        sa.Column("project", sa.String(255), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("issue_iid", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lease_until", UTC_TIME, nullable=True),
        sa.Column("received_at", UTC_TIME, nullable=False),
        sa.Column("applied_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gitlab_delivery")),
        sa.UniqueConstraint("key", name=op.f("uq_gitlab_delivery_key")),
    )
    op.create_index("ix_gitlab_delivery_status_id", "gitlab_delivery", ["status", "id"])
    op.create_table(
        "sync_mark",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_mark")),
    )
    # Every delivery finds its case by the iid.
    op.create_index(op.f("ix_info_case_gitlab_issue_iid"), "info_case", ["gitlab_issue_iid"])
    with op.batch_alter_table("case_finding") as batch:
        batch.add_column(sa.Column("gitlab_note_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("gitlab_author", sa.String(255), nullable=True))
        batch.add_column(
            sa.Column("internal", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("withdrawn_at", UTC_TIME, nullable=True))
        batch.create_unique_constraint(op.f("uq_case_finding_gitlab_note_id"), ["gitlab_note_id"])
    with op.batch_alter_table("info_case") as batch:
        batch.add_column(sa.Column("gitlab_closed_at", UTC_TIME, nullable=True))
        batch.add_column(sa.Column("gitlab_seen_at", UTC_TIME, nullable=True))


def downgrade() -> None:
    op.drop_index(op.f("ix_info_case_gitlab_issue_iid"), table_name="info_case")
    # Not in batch: on SQLite that copies `info_case`, which every other table refers to.
    for column in ("gitlab_seen_at", "gitlab_closed_at"):
        op.execute(f"ALTER TABLE info_case DROP COLUMN {column}")
    with op.batch_alter_table("case_finding") as batch:
        batch.drop_constraint(op.f("uq_case_finding_gitlab_note_id"), type_="unique")
        batch.drop_column("withdrawn_at")
        batch.drop_column("internal")
        batch.drop_column("gitlab_author")
        batch.drop_column("gitlab_note_id")
    op.drop_table("sync_mark")
    op.drop_index("ix_gitlab_delivery_status_id", table_name="gitlab_delivery")
    op.drop_table("gitlab_delivery")
