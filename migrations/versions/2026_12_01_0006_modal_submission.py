"""Record the case modals whose step was done, so a second delivery of one changes nothing.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "modal_submission",
        sa.Column("view_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["info_case.id"],
            name=op.f("fk_modal_submission_case_id_info_case"),
        ),
        sa.PrimaryKeyConstraint("view_id", name=op.f("pk_modal_submission")),
    )
    with op.batch_alter_table("modal_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_modal_submission_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("modal_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_modal_submission_case_id"))
    op.drop_table("modal_submission")
