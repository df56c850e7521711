"""Conversations and offers: conversations (one per listing and buyer), messages (text, photos,
offerings and meetings), offers,
blocks, offer_floors (a seller's lowest offer for a listing), and listing_reservations (an
item kept for one buyer at an accepted offer's price until a time)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True)


def _user(column: str, *, primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def _listing(*, primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(
        "listing_id",
        sa.Integer(),
        sa.ForeignKey("listings.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), primary_key=True),
        _listing(),
        _user("buyer_id"),
        _user("seller_id"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("buyer_read_id", sa.Integer(), nullable=False),
        sa.Column("seller_read_id", sa.Integer(), nullable=False),
        sa.UniqueConstraint("listing_id", "buyer_id"),
    )
    op.create_index(
        "ix_conversations_buyer_id_last_message_at",
        "conversations",
        ["buyer_id", "last_message_at"],
    )
    op.create_index(
        "ix_conversations_seller_id_last_message_at",
        "conversations",
        ["seller_id", "last_message_at"],
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "conversation_id",
            sa.Integer(),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _listing(),
        _user("made_by"),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            _enum(
                "offer_status", "open", "accepted", "declined", "countered", "expired", "withdrawn"
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount_cents > 0", name="offer_amount_positive"),
    )
    op.create_index("ix_offers_listing_id_status", "offers", ["listing_id", "status"])
    op.create_index("ix_offers_status_expires_at", "offers", ["status", "expires_at"])
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "conversation_id",
            sa.Integer(),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _user("sender_id"),
        sa.Column(
            "kind",
            _enum("message_kind", "text", "photo", "offer", "meeting", "meeting_agreed"),
            nullable=False,
        ),
        sa.Column("body", sa.String(length=2000), nullable=False),
        sa.Column(
            "offer_id", sa.Integer(), sa.ForeignKey("offers.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("photo_key", sa.String(length=100), nullable=True),
        sa.Column("meeting_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("meeting_place", sa.String(length=200), nullable=True),
        sa.Column("concerns", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_messages_conversation_id_id", "messages", ["conversation_id", "id"])
    op.create_index("ix_messages_sender_id_created_at", "messages", ["sender_id", "created_at"])
    op.create_table(
        "blocks",
        _user("blocker_id", primary_key=True),
        _user("blocked_id", primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "offer_floors",
        _listing(primary_key=True),
        sa.Column("floor_cents", sa.Integer(), nullable=False),
    )
    op.create_table(
        "listing_reservations",
        _listing(primary_key=True),
        _user("buyer_id"),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_listing_reservations_until", "listing_reservations", ["until"])


def downgrade() -> None:
    op.drop_table("listing_reservations")
    op.drop_table("offer_floors")
    op.drop_table("blocks")
    op.drop_table("messages")
    op.drop_table("offers")
    op.drop_table("conversations")
