"""search documents rebuilt: Chinese characters, pairs and pinyin; folded forms; units

The tokenizer (listings.text) now indexes Han text (its characters, pairs of characters
and their pinyin), folds full-width and traditional forms, and joins a number with its
storage unit; every stored document is rebuilt with it, in batches by id. On PostgreSQL
the search vector keeps more statistics, so a rare term is known to be rare. Downgrading keeps the documents: the older tokenizer is gone, and
its queries still find what they found (its terms are among the new ones, except numbers
written apart from their unit).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from listings.text import search_document

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        # A hundred times the default statistics (100) for the search vector: with the default, a term
        # absent from its list of common terms (a word that is in no title, say) is guessed
        # at about 0.3 % of the listings, and the planner walks the whole newest-first index
        # looking for it. With this many, an unknown term is guessed at a few listings.
        op.execute("ALTER TABLE listings ALTER COLUMN search_vector SET STATISTICS 10000")
    read = sa.text(
        "SELECT id, title, brand, description, search_doc FROM listings"
        " WHERE id > :after ORDER BY id LIMIT :batch"
    )
    update = sa.text("UPDATE listings SET search_doc = :doc WHERE id = :id")
    after = 0
    while rows := conn.execute(read, {"after": after, "batch": BATCH}).all():
        changed = [
            {"id": r.id, "doc": doc}
            for r in rows
            if (doc := search_document(r.title, r.brand, r.description)) != r.search_doc
        ]
        if changed:
            conn.execute(update, changed)
        after = rows[-1].id
    if conn.dialect.name == "postgresql":
        op.execute("ANALYZE listings")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE listings ALTER COLUMN search_vector SET STATISTICS -1")
