"""Two languages: users.language, the interface language a user chose ("en", "zh-CN"),
and notices.params, the values of a notification's message, translated when it is read

A user's language is empty until they choose (their browser's speaks for them meanwhile);
older notices have no params: their text is shown as it was stored.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 15:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+): copying the users table, as a batch would, is
    # refused while the tables that refer to it are there.
    op.execute("ALTER TABLE notices DROP COLUMN params")
    op.execute("ALTER TABLE users DROP COLUMN language")
