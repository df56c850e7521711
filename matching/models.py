# No `from __future__ import annotations`: SQLModel resolves column types at runtime.
"""What matching stores: a notice that a newly published listing matches a buyer."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from listings.models import Listing  # noqa: F401  (the table a notice points to)
from resale.core.db import UTCDateTime, utcnow
from resale.users.models import User  # noqa: F401


class Notification(SQLModel, table=True):
    """A listing brought to one buyer's attention, once: it matched a saved search or their taste."""

    __tablename__ = "notifications"
    __table_args__ = (
        # at most one notice per buyer and listing: a re-run of the matching adds nothing
        sa.UniqueConstraint("user_id", "listing_id"),
        sa.Index("ix_notifications_user_id_created_at", "user_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    listing_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("listings.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # Why, in words: "matches your saved search “sofa · Furniture”", "like items you looked at".
    reason: str = Field(max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
