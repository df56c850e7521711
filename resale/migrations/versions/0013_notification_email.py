"""E-mail for notifications: users.email_notifications, whether a user also hears by e-mail
(yes unless they say no), and on notices when one was e-mailed, how often that was tried
and when a failed try may be made again; an index on notices.created_at for the job, which
reads the recent ones

Notices already there are not e-mailed later than a day after they were made (the job
reads no older ones), so an upgrade sends at most the last day's.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not in a batch: there SQLite would copy the users table for a default that is an
    # expression (true), refused while the tables that refer to it are there.
    op.add_column(
        "users",
        sa.Column("email_notifications", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("email_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("email_retry_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_notices_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+): copying the users table, as a batch would, is
    # refused while the tables that refer to it are there.
    op.drop_index("ix_notices_created_at", table_name="notices")
    op.execute("ALTER TABLE notices DROP COLUMN email_retry_at")
    op.execute("ALTER TABLE notices DROP COLUMN email_attempts")
    op.execute("ALTER TABLE notices DROP COLUMN emailed_at")
    op.execute("ALTER TABLE users DROP COLUMN email_notifications")
