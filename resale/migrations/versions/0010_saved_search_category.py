"""saved_searches.category: the category a saved search names, stored so matching asks by it

Backfilled from the stored (canonical) query strings, read here with urllib alone.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:30:00.000000
"""

from collections.abc import Sequence
from urllib.parse import parse_qs

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("saved_searches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_saved_searches_category", ["category"], unique=False)
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, query FROM saved_searches")).all()
    for search_id, query in rows:
        category = (parse_qs(query).get("category") or [""])[0][:40]
        if category:
            bind.execute(
                sa.text("UPDATE saved_searches SET category = :category WHERE id = :id"),
                {"category": category, "id": search_id},
            )


def downgrade() -> None:
    with op.batch_alter_table("saved_searches", schema=None) as batch_op:
        batch_op.drop_index("ix_saved_searches_category")
        batch_op.drop_column("category")
