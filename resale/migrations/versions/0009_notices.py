"""notices: one general notifications table in the core; matching's notices move into it

A matching notice (user, listing, reason) becomes kind "listing.match", link
/listings/<id>, key "listing:<id>", text = reason; the old table goes. Downgrade moves the
"listing.match" notices back (others have no place there and are dropped).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _create_old_notifications() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_notifications_listing_id_listings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "user_id", "listing_id", name=op.f("uq_notifications_user_id_listing_id")
        ),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_listing_id"), ["listing_id"], unique=False
        )
        batch_op.create_index(
            "ix_notifications_user_id_created_at", ["user_id", "created_at"], unique=False
        )


def _drop_old_notifications() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id_created_at")
        batch_op.drop_index(batch_op.f("ix_notifications_listing_id"))
    op.drop_table("notifications")


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_notices_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("recipient_id", "key", name=op.f("uq_notices_recipient_id_key")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notices_recipient_id_created_at", ["recipient_id", "created_at"], unique=False
        )
    op.execute(
        "INSERT INTO notices (recipient_id, kind, link, text, key, created_at, seen_at) "
        "SELECT user_id, 'listing.match', '/listings/' || CAST(listing_id AS VARCHAR), "
        "reason, 'listing:' || CAST(listing_id AS VARCHAR), created_at, seen_at "
        "FROM notifications ORDER BY id"
    )
    _drop_old_notifications()


def downgrade() -> None:
    _create_old_notifications()
    # Only notices whose listing still exists can go back (the old table's foreign key).
    op.execute(
        "INSERT INTO notifications (user_id, listing_id, reason, created_at, seen_at) "
        "SELECT n.recipient_id, l.id, n.text, n.created_at, n.seen_at "
        "FROM notices n JOIN listings l ON n.key = 'listing:' || CAST(l.id AS VARCHAR) "
        "WHERE n.kind = 'listing.match' ORDER BY n.id"
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_recipient_id_created_at")
    op.drop_table("notices")
