# No `from __future__ import annotations`: SQLModel resolves column types at runtime.
"""What is stored of conversations: one per listing and buyer, its messages, the offers
made in it, blocks between people, and a seller's floor for offers on a listing."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from resale.core.db import UTCDateTime, str_enum, utcnow


class Conversation(SQLModel, table=True):
    """The buyer and the seller of one listing, talking. Each side's last read message
    says what is unread for them."""

    __tablename__ = "conversations"
    __table_args__ = (
        sa.UniqueConstraint("listing_id", "buyer_id"),
        sa.Index("ix_conversations_buyer_id_last_message_at", "buyer_id", "last_message_at"),
        sa.Index("ix_conversations_seller_id_last_message_at", "seller_id", "last_message_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("listings.id", ondelete="CASCADE"), nullable=False)
    )
    buyer_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    seller_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_message_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    buyer_read_id: int = 0
    seller_read_id: int = 0


class MessageKind(enum.StrEnum):
    TEXT = "text"
    PHOTO = "photo"  # a picture, checked and re-encoded as listing photos are
    OFFER = "offer"  # an offer made, countered or answered: see its offer
    MEETING = "meeting"  # a proposed hand-over: a time and a place
    MEETING_AGREED = "meeting_agreed"


class Message(SQLModel, table=True):
    """One line of a conversation. Never edited, except that a proposed meeting is marked
    agreed or replaced."""

    __tablename__ = "messages"
    __table_args__ = (
        sa.Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        sa.Index("ix_messages_sender_id_created_at", "sender_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False)
    )
    sender_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    kind: MessageKind = Field(sa_type=str_enum(MessageKind, "message_kind"))
    body: str = Field(default="", max_length=2000)
    offer_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("offers.id", ondelete="CASCADE"), nullable=True),
    )
    photo_key: str | None = Field(default=None, max_length=100)
    meeting_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    meeting_place: str | None = Field(default=None, max_length=200)
    # What the safety check found in the text (resale.conversations.safety), comma-separated.
    concerns: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OfferStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    COUNTERED = "countered"  # answered with another offer
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # the item went to someone else, or off sale


class Offer(SQLModel, table=True):
    """A price proposed for a listing by its buyer or (a counter) its seller, open until
    answered or ``expires_at``."""

    __tablename__ = "offers"
    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0", name="offer_amount_positive"),
        sa.Index("ix_offers_listing_id_status", "listing_id", "status"),
        sa.Index("ix_offers_status_expires_at", "status", "expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False)
    )
    listing_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("listings.id", ondelete="CASCADE"), nullable=False)
    )
    made_by: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    amount_cents: int
    currency: str = Field(max_length=3)
    status: OfferStatus = Field(
        default=OfferStatus.OPEN, sa_type=str_enum(OfferStatus, "offer_status")
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Block(SQLModel, table=True):
    """``blocker_id`` wants nothing more from ``blocked_id``: no messages, no offers, either way."""

    __tablename__ = "blocks"

    blocker_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    blocked_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OfferFloor(SQLModel, table=True):
    """The lowest offer a seller will hear for a listing; lower ones are refused."""

    __tablename__ = "offer_floors"

    listing_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    floor_cents: int
