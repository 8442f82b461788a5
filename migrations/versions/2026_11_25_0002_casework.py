"""Record findings, the artefacts submitted for review, review approvals and the Audit Events gap.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:49:42.376700
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["info_case.id"], name=op.f("fk_case_finding_case_id_info_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_finding")),
    )
    with op.batch_alter_table("case_finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_finding_case_id"), ["case_id"], unique=False)

    with op.batch_alter_table("info_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("artefact_description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("artefact_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("artefact_location", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("artefact_checksum", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("security_approver_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("legal_approver_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("gap_description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("no_gap_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("info_case", schema=None) as batch_op:
        batch_op.drop_column("no_gap_reason")
        batch_op.drop_column("gap_description")
        batch_op.drop_column("legal_approver_id")
        batch_op.drop_column("security_approver_id")
        batch_op.drop_column("artefact_checksum")
        batch_op.drop_column("artefact_location")
        batch_op.drop_column("artefact_count")
        batch_op.drop_column("artefact_description")

    with op.batch_alter_table("case_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_finding_case_id"))

    op.drop_table("case_finding")
