"""Columns for rules that hold for the whole life of a case, not only at intake.

`exception_unneeded`: a justification typed while no rule needed waiving is not kept (and not
sent to Legal); the case remembers that the requester was told so.
`users_in_namespace`: the requester confirmed the users named belong to the customer's
namespace (cases filed before were never asked: false).
`own_use`, `audit_events`: the handbook's preconditions, asked at intake (null and empty for
cases filed before).
`waived`, `approved_waivers`, `approved_justification`: the rules the scope waives and the
exception Legal last approved, so an edited request with a new or changed exception goes back
to Legal; cases filed before take them from their history (the rules their filing waived, and
whether Legal approved).
`submitter_id`: who submitted the artefacts under review, who never approves them (taken from
each case's latest submission).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
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
        sa.Column("waived", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("approved_waivers", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("approved_justification", sa.Text(), nullable=False, server_default=""),
        sa.Column("submitter_id", sa.String(length=32), nullable=True),
    ]


info_case = sa.table(
    "info_case",
    sa.column("id", sa.Integer),
    sa.column("exception_justification", sa.Text),
    sa.column("waived", sa.JSON),
    sa.column("approved_waivers", sa.JSON),
    sa.column("approved_justification", sa.Text),
    sa.column("submitter_id", sa.String),
)
case_event = sa.table(
    "case_event",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("actor_id", sa.String),
    sa.column("action", sa.String),
    sa.column("data", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("info_case") as batch:
        for column in case_columns():
            batch.add_column(column)
    _waivers_from_history(op.get_bind())
    _submitters_from_history(op.get_bind())


def _waivers_from_history(bind: sa.engine.Connection) -> None:
    """What each case's filing waived, and, where Legal approved it, that approval."""
    filed = bind.execute(
        sa.select(case_event.c.case_id, case_event.c.data).where(case_event.c.action == "submit")
    ).all()
    approved = set(
        bind.execute(
            sa.select(case_event.c.case_id).where(case_event.c.action == "legal_approve")
        ).scalars()
    )
    for case_id, data in filed:
        waived = list((data or {}).get("waived") or [])
        if not waived:
            continue
        values: dict[str, object] = {"waived": waived}
        if case_id in approved:
            values["approved_waivers"] = waived
            values["approved_justification"] = info_case.c.exception_justification
        bind.execute(sa.update(info_case).where(info_case.c.id == case_id).values(**values))


def _submitters_from_history(bind: sa.engine.Connection) -> None:
    """Each case's latest submission for review names who submitted the artefacts."""
    rows = bind.execute(
        sa.select(case_event.c.case_id, case_event.c.actor_id)
        .where(case_event.c.action == "submit_for_review")
        .order_by(case_event.c.id)
    ).all()
    for case_id, actor_id in dict(rows).items():
        bind.execute(
            sa.update(info_case).where(info_case.c.id == case_id).values(submitter_id=actor_id)
        )


def downgrade() -> None:
    with op.batch_alter_table("info_case") as batch:
        for column in reversed(case_columns()):
            batch.drop_column(column.name)
