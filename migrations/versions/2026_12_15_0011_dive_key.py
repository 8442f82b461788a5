"""Each case keeps a key for the log-dive's pseudonyms; cases filed before get one now.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-15 10:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

info_case = sa.table("info_case", sa.column("id", sa.Integer), sa.column("dive_key", sa.String))


def upgrade() -> None:
    op.add_column("info_case", sa.Column("dive_key", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    for (case_id,) in connection.execute(sa.select(info_case.c.id)).all():
        connection.execute(
            info_case.update()
            .where(info_case.c.id == case_id)
            .values(dive_key=secrets.token_hex(32))
        )


def downgrade() -> None:
    # In place on both databases (SQLite 3.35+): a batch copy of `info_case` is refused while
    # events refer to its rows.
    op.drop_column("info_case", "dive_key")
