"""Columns for rules that hold for the whole life of a case, not only at intake.

`exception_unneeded`: a justification typed while no rule needed waiving is not kept (and not
sent to Legal); the case remembers that the requester was told so.
`users_in_namespace`: the requester confirmed the users named belong to the customer's
namespace (cases filed before were never asked: false).
`own_use`, `audit_events`: the handbook's preconditions, asked at intake (null and empty for
cases filed before).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def case_columns() -> list[sa.Column]:
    """New columns of `info_case`, with the value the cases that exist take.

    Defaults are plain strings: on SQLite a column with a constant default is added in place,
    where an expression would make the batch copy the table (refused while events refer to it).
    """
    return [
        sa.Column("exception_unneeded", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("users_in_namespace", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("own_use", sa.Boolean(), nullable=True),
        sa.Column("audit_events", sa.Text(), nullable=False, server_default=""),
    ]


def upgrade() -> None:
    with op.batch_alter_table("info_case") as batch:
        for column in case_columns():
            batch.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("info_case") as batch:
        for column in reversed(case_columns()):
            batch.drop_column(column.name)
