"""Reviews after a trade: reviews (one per order and author, double-blind until both are
written or the window ends, with the reviewed person's reply and an admin's hiding) and
review_moderation (the append-only log of what admins did to them)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user(column: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey("users.id", ondelete="SET NULL" if nullable else "CASCADE"),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "order_id",
            sa.Integer(),
            sa.ForeignKey("orders.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _user("author_id"),
        _user("subject_id"),
        sa.Column(
            "role",
            sa.Enum(
                "buyer", "seller", name="reviewer_role", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=True),
        sa.Column("as_described", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visible_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reply", sa.String(length=1000), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        _user("hidden_by", nullable=True),
        sa.Column("hidden_reason", sa.String(length=300), nullable=True),
        sa.UniqueConstraint("order_id", "author_id"),
        sa.CheckConstraint("stars >= 1 AND stars <= 5", name="review_stars_1_to_5"),
        sa.CheckConstraint("author_id <> subject_id", name="review_not_self"),
    )
    op.create_index("ix_reviews_subject_id_visible_at", "reviews", ["subject_id", "visible_at"])
    op.create_index("ix_reviews_visible_at_told_at", "reviews", ["visible_at", "told_at"])
    op.create_table(
        "review_moderation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "review_id",
            sa.Integer(),
            sa.ForeignKey("reviews.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _user("admin_id", nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_review_moderation_review_id_id", "review_moderation", ["review_id", "id"])


def downgrade() -> None:
    op.drop_table("review_moderation")
    op.drop_table("reviews")
