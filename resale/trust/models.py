# No `from __future__ import annotations`: SQLModel resolves column types at runtime.
"""What is stored of trust between people: the reviews a completed trade's buyer and seller
write of each other, and the log of what admins did to them."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from resale.core.db import UTCDateTime, str_enum, utcnow

MAX_REVIEW_TEXT = 1000
MAX_REPLY_TEXT = 1000
MAX_REASON = 300


class ReviewerRole(enum.StrEnum):
    BUYER = "buyer"  # the buyer reviews the seller
    SELLER = "seller"  # the seller reviews the buyer


class Review(SQLModel, table=True):
    """One person's review of the other after a completed order: once per order and author,
    never edited. Shown from ``visible_at``: the end of the review window, or the moment the
    other side's review is written too (double-blind)."""

    __tablename__ = "reviews"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "author_id"),
        sa.CheckConstraint("stars >= 1 AND stars <= 5", name="review_stars_1_to_5"),
        sa.CheckConstraint("author_id <> subject_id", name="review_not_self"),
        sa.Index("ix_reviews_subject_id_visible_at", "subject_id", "visible_at"),
        sa.Index("ix_reviews_visible_at_told_at", "visible_at", "told_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False)
    )
    author_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    subject_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    role: ReviewerRole = Field(sa_type=str_enum(ReviewerRole, "reviewer_role"))
    stars: int
    text: str | None = Field(default=None, max_length=MAX_REVIEW_TEXT)
    # The buyer's word on the item: as described or not (None from a seller).
    as_described: bool | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    visible_at: datetime = Field(sa_type=UTCDateTime)
    # When the reviewed person was told it is shown (once).
    told_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The reviewed person's one public answer.
    reply: str | None = Field(default=None, max_length=MAX_REPLY_TEXT)
    replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # An admin took it down: who, when and why (also in review_moderation, the log).
    hidden_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hidden_by: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    hidden_reason: str | None = Field(default=None, max_length=MAX_REASON)


class ReviewModeration(SQLModel, table=True):
    """One thing an admin did to a review, with why. Only ever added to."""

    __tablename__ = "review_moderation"
    __table_args__ = (sa.Index("ix_review_moderation_review_id_id", "review_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False)
    )
    admin_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    action: str = Field(max_length=20)  # "hide"
    reason: str = Field(max_length=MAX_REASON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
