"""Create the case, its append-only event history and the outbox of Slack and GitLab messages.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 14:34:22.293107
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "info_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("route", sa.String(length=16), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("ticket_url", sa.String(length=2000), nullable=False),
        sa.Column("plan", sa.String(length=32), nullable=False),
        sa.Column("deployment", sa.String(length=16), nullable=False),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("owns_namespace", sa.Boolean(), nullable=False),
        sa.Column("window_start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requester_tz", sa.String(length=64), nullable=False),
        sa.Column("projects", sa.JSON(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("users", sa.JSON(), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("event_other", sa.Text(), nullable=False),
        sa.Column("personal_data", sa.Boolean(), nullable=False),
        sa.Column("access_logs", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("exception_justification", sa.Text(), nullable=False),
        sa.Column("long_window", sa.Boolean(), nullable=False),
        sa.Column("requester_id", sa.String(length=32), nullable=False),
        sa.Column("requester_team_id", sa.String(length=32), nullable=False),
        sa.Column("relay_contact_id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=True),
        sa.Column("intake_view_id", sa.String(length=64), nullable=False),
        sa.Column("response_url", sa.String(length=2000), nullable=True),
        sa.Column("card_channel_id", sa.String(length=32), nullable=True),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_case")),
        sa.UniqueConstraint("intake_view_id", name=op.f("uq_info_case_intake_view_id")),
    )
    with op.batch_alter_table("info_case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_info_case_state_created_at", ["state", "created_at"], unique=False
        )

    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["info_case.id"], name=op.f("fk_case_event_case_id_info_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
    )
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_event_case_id"), ["case_id"], unique=False)

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["info_case.id"], name=op.f("fk_outbox_message_case_id_info_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_message_case_id_status", ["case_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_message_status_available_at", ["status", "available_at"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(_APPEND_ONLY_FUNCTION)
        op.execute(
            "CREATE TRIGGER case_event_append_only BEFORE UPDATE OR DELETE ON case_event "
            "FOR EACH ROW EXECUTE FUNCTION case_event_append_only()"
        )


# The ORM refuses to update or delete events; on Postgres the database refuses it too.
_APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION case_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'case_event is append-only';
END;
$$ LANGUAGE plpgsql
"""


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_event_append_only ON case_event")
        op.execute("DROP FUNCTION IF EXISTS case_event_append_only()")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_status_available_at")
        batch_op.drop_index("ix_outbox_message_case_id_status")

    op.drop_table("outbox_message")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_event_case_id"))

    op.drop_table("case_event")
    with op.batch_alter_table("info_case", schema=None) as batch_op:
        batch_op.drop_index("ix_info_case_state_created_at")

    op.drop_table("info_case")
