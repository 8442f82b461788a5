"""Index the event log by time: the desk metrics read the events of the last days.

Without it, finding the cases with an event in a period reads the whole history.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-15 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_case_event_at"), "case_event", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_case_event_at"), table_name="case_event")
