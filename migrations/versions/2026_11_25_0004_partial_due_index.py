"""Index due times only where a clock runs, so scheduling reads the open cases, not history.

Every ended case has no due time. With them all in the index, the sweep's "running and not
yet scheduled" lookup walked every ended case; without them it starts from the cases' state.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 18:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEX = "ix_info_case_next_update_due_at"
SET = sa.text("next_update_due_at IS NOT NULL")


def upgrade() -> None:
    op.drop_index(INDEX, table_name="info_case")
    op.create_index(
        INDEX, "info_case", ["next_update_due_at"], sqlite_where=SET, postgresql_where=SET
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="info_case")
    op.create_index(INDEX, "info_case", ["next_update_due_at"])
