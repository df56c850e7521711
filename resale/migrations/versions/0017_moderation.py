"""Moderation: reports (one per reporter and subject), the moderation log (append-only,
enforced by triggers), a user's suspension, and a listing hidden or held for review

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBJECTS = ("listing", "user", "message")
REASONS = ("scam", "prohibited", "counterfeit", "offensive", "wrong_category", "other")
ACTIONS = ("dismiss", "hide", "suspend", "restore", "approve", "reject")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "reporter_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("subject_kind", _enum("report_subject", *SUBJECTS), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("reason", _enum("report_reason", *REASONS), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", _enum("report_outcome", *ACTIONS), nullable=True),
        sa.UniqueConstraint("reporter_id", "subject_kind", "subject_id"),
    )
    op.create_index("ix_reports_subject_kind_subject_id", "reports", ["subject_kind", "subject_id"])
    op.create_table(
        "moderation_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "moderator_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("action", _enum("moderation_action", *ACTIONS), nullable=False),
        sa.Column("subject_kind", _enum("moderation_subject", *SUBJECTS), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_moderation_log_subject", "moderation_log", ["subject_kind", "subject_id"])
    # Not in a batch: SQLite would copy these tables, which others refer to (and listings
    # has its search triggers); a plain ADD COLUMN (and DROP COLUMN, SQLite 3.35+) will do.
    op.add_column("users", sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("listings", sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("listings", sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("listings", sa.Column("held_reason", sa.String(length=200), nullable=True))
    # The log is append-only: the database itself refuses to edit or delete an entry.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION moderation_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'moderation_log is append-only: % refused', TG_OP; END $$"
        )
        op.execute(
            "CREATE TRIGGER moderation_log_append_only BEFORE UPDATE OR DELETE ON moderation_log "
            "FOR EACH ROW EXECUTE FUNCTION moderation_log_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER moderation_log_no_{action.lower()} BEFORE {action} "
                "ON moderation_log BEGIN "
                f"SELECT RAISE(ABORT, 'moderation_log is append-only: {action} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER moderation_log_append_only ON moderation_log")
        op.execute("DROP FUNCTION moderation_log_append_only()")
    else:
        op.execute("DROP TRIGGER moderation_log_no_update")
        op.execute("DROP TRIGGER moderation_log_no_delete")
    op.execute("ALTER TABLE listings DROP COLUMN held_reason")
    op.execute("ALTER TABLE listings DROP COLUMN held_at")
    op.execute("ALTER TABLE listings DROP COLUMN hidden_at")
    op.execute("ALTER TABLE users DROP COLUMN suspended_at")
    op.drop_index("ix_moderation_log_subject", table_name="moderation_log")
    op.drop_table("moderation_log")
    op.drop_index("ix_reports_subject_kind_subject_id", table_name="reports")
    op.drop_table("reports")
