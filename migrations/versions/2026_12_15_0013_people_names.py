"""`people`: the Slack names of a case's people, by Slack user id, for the GitLab issue.

The requester's and the relay contact's names are read from Slack when the request is filed
(and when the relay role changes hands), so the GitLab mirror can name them without asking
Slack and without mentioning anyone. Names are personal data: the retention purge blanks
them. Cases filed before have no names; GitLab shows their Slack user ids, as before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-15 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A constant default: SQLite adds the column in place (see 0007).
    with op.batch_alter_table("info_case") as batch:
        batch.add_column(sa.Column("people", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    # In place (SQLite 3.35 and later, Postgres): a batch would copy `info_case`, which the
    # events refer to.
    op.drop_column("info_case", "people")
