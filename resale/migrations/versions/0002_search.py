"""search: a search document per listing, full-text indexes (FTS5 / GIN), partial indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from listings.text import search_document

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here (not imported) so this migration keeps meaning what it meant.
FTS = "listings_fts"
ACTIVE = "status = 'active'"
# Search access paths, over active listings only (all search ever reads).
SEARCH_INDEXES = (
    ("ix_listings_active_published", ["published_at", "id", "lat", "lon"]),
    ("ix_listings_active_price", ["price_cents", "id", "lat", "lon"]),
    ("ix_listings_active_point", ["lat", "lon"]),
    ("ix_listings_active_category_point", ["category", "lat", "lon"]),
)


def _backfill() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, title, brand, description FROM listings")).all()
    update = sa.text("UPDATE listings SET search_doc = :doc WHERE id = :id")
    for start in range(0, len(rows), 1000):
        conn.execute(
            update,
            [
                {"id": r.id, "doc": search_document(r.title, r.brand, r.description)}
                for r in rows[start : start + 1000]
            ],
        )


def upgrade() -> None:
    with op.batch_alter_table("listings") as batch_op:
        batch_op.add_column(sa.Column("search_doc", sa.Text(), server_default="", nullable=False))
    _backfill()
    # Replaced by the partial, active-only indexes below.
    op.drop_index("ix_listings_status_published_at", table_name="listings")
    op.drop_index("ix_listings_category", table_name="listings")
    for name, columns in SEARCH_INDEXES:
        op.create_index(
            name,
            "listings",
            columns,
            sqlite_where=sa.text(ACTIVE),
            postgresql_where=sa.text(ACTIVE),
        )
    if op.get_bind().dialect.name == "sqlite":
        # detail=none: search asks only "which listings hold these tokens", never phrases
        # or positions, so the index stays small and quick to build.
        op.execute(
            f"CREATE VIRTUAL TABLE {FTS} USING fts5(search_doc, content='listings',"
            " content_rowid='id', tokenize='unicode61 remove_diacritics 0', detail=none)"
        )
        new = f"INSERT INTO {FTS}(rowid, search_doc) VALUES (new.id, new.search_doc);"
        old = f"INSERT INTO {FTS}({FTS}, rowid, search_doc) VALUES ('delete', old.id, old.search_doc);"
        op.execute(f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON listings BEGIN {new} END")
        op.execute(f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON listings BEGIN {old} END")
        op.execute(
            f"CREATE TRIGGER {FTS}_au AFTER UPDATE OF search_doc ON listings BEGIN {old} {new} END"
        )
        op.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
    else:
        # Stored, so a row's vector is read, not recomputed, when the planner walks
        # another index and checks the words on the way (popular words stop early).
        op.execute(
            "ALTER TABLE listings ADD COLUMN search_vector tsvector"
            " GENERATED ALWAYS AS (to_tsvector('simple', search_doc)) STORED"
        )
        # fastupdate off: new listings go straight into the index, not into a pending list
        # that every query must also scan until the next vacuum.
        op.execute(
            "CREATE INDEX ix_listings_search_vector ON listings USING gin (search_vector)"
            f" WITH (fastupdate = off) WHERE {ACTIVE}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    else:
        op.execute("DROP INDEX IF EXISTS ix_listings_search_vector")
        op.execute("ALTER TABLE listings DROP COLUMN IF EXISTS search_vector")
    for name, _ in SEARCH_INDEXES:
        op.drop_index(name, table_name="listings")
    op.create_index("ix_listings_status_published_at", "listings", ["status", "published_at"])
    op.create_index("ix_listings_category", "listings", ["category"])
    with op.batch_alter_table("listings") as batch_op:
        batch_op.drop_column("search_doc")
