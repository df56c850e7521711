# No `from __future__ import annotations`: SQLModel resolves relationship types at runtime.
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from resale.core.db import UTCDateTime, str_enum, utcnow
from resale.core.i18n import N_, gettext
from resale.users.models import User

# Full-text search storage that SQLModel does not model (made by migration 0002):
# SQLite: an FTS5 table over search_doc, kept in step by triggers;
# PostgreSQL: a stored generated tsvector column with a GIN index (active listings).
FTS_TABLE = "listings_fts"
SEARCH_VECTOR = "search_vector"
SEARCH_VECTOR_INDEX = "ix_listings_search_vector"


class Condition(enum.StrEnum):
    NEW_WITH_TAGS = "new_with_tags"
    LIKE_NEW = "like_new"
    GOOD = "good"
    FAIR = "fair"
    FOR_PARTS = "for_parts"

    @property
    def label(self) -> str:
        """What the condition is called, in the language spoken."""
        return gettext(CONDITION_LABELS[self])


# In English (the catalogs' msgids); shown through ``Condition.label``.
CONDITION_LABELS = {
    Condition.NEW_WITH_TAGS: N_("New with tags"),
    Condition.LIKE_NEW: N_("Like new"),
    Condition.GOOD: N_("Good"),
    Condition.FAIR: N_("Fair"),
    Condition.FOR_PARTS: N_("For parts or not working"),
}


class ListingStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    RESERVED = "reserved"
    SOLD = "sold"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """What the status is called (a badge), in the language spoken."""
        return gettext(STATUS_LABELS[self])


STATUS_LABELS = {
    ListingStatus.DRAFT: N_("Draft"),
    ListingStatus.ACTIVE: N_("Active"),
    ListingStatus.RESERVED: N_("Reserved"),
    ListingStatus.SOLD: N_("Sold"),
    ListingStatus.WITHDRAWN: N_("Withdrawn"),
}


class ListingBase(SQLModel):
    """What a seller says about an item, declared once: stored by Listing (with these column
    types) and shown by ListingPublic. The request models (ListingCreate, ListingUpdate in
    listings/schemas.py) ask for the same fields with the checks a person's input needs."""

    title: str = Field(max_length=100)
    description: str = Field(sa_type=sa.Text)
    category: str = Field(max_length=40)
    condition: Condition = Field(sa_type=str_enum(Condition, "condition"))
    price_cents: int
    currency: str = Field(max_length=3)
    # What the seller charges to post the item; null means pickup only.
    shipping_cents: int | None = Field(default=None)
    brand: str | None = Field(default=None, max_length=60)
    weight_kg: float | None = Field(default=None)


class Listing(ListingBase, table=True):
    __tablename__ = "listings"
    __table_args__ = (
        sa.CheckConstraint("price_cents >= 0", name="price_not_negative"),
        sa.CheckConstraint("weight_kg IS NULL OR weight_kg > 0", name="weight_positive"),
        sa.CheckConstraint(
            "shipping_cents IS NULL OR shipping_cents >= 0", name="shipping_not_negative"
        ),
        sa.CheckConstraint(
            "(lat IS NULL AND lon IS NULL) OR "
            "(lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180)",
            name="point_valid",
        ),
        sa.Index("ix_listings_seller_id_created_at", "seller_id", "created_at"),
        # Search access paths, over active listings only (what search ever reads).
        *(
            sa.Index(
                name,
                *columns,
                sqlite_where=sa.text("status = 'active'"),
                postgresql_where=sa.text("status = 'active'"),
            )
            for name, columns in (
                # lat, lon ride along so a box check needs no table row
                ("ix_listings_active_published", ("published_at", "id", "lat", "lon")),
                ("ix_listings_active_price", ("price_cents", "id", "lat", "lon")),
                ("ix_listings_active_point", ("lat", "lon")),
                ("ix_listings_active_category_point", ("category", "lat", "lon")),
            )
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    seller_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    place_name: str | None = Field(default=None, max_length=80)
    lat: float | None = Field(default=None)
    lon: float | None = Field(default=None)
    status: ListingStatus = Field(
        default=ListingStatus.DRAFT, sa_type=str_enum(ListingStatus, "listing_status")
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The search document (listings.text.search_document): stemmed, accent-folded terms
    # marked by class. Both databases' full-text indexes are built on it. Kept by the service.
    search_doc: str = Field(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    # Moderation (resale.moderation): hidden from everyone but its seller (and withdrawn
    # from sale if it was active); held for review at publishing (a prohibited-item match:
    # the status stays draft until an admin approves or rejects it).
    hidden_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    held_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    held_reason: str | None = Field(default=None, max_length=200)

    seller: User = Relationship(sa_relationship_kwargs={"lazy": "raise"})
    photos: list["ListingPhoto"] = Relationship(
        back_populates="listing",
        sa_relationship_kwargs={
            "lazy": "raise",
            "order_by": "ListingPhoto.position",
            "cascade": "all, delete-orphan",
        },
    )

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None


class ListingPhoto(SQLModel, table=True):
    __tablename__ = "listing_photos"

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("listings.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # Display order; gaps are fine (a deleted photo leaves one), so no renumbering.
    position: int
    # Where the files are in media storage: "<key>-display.jpg" and "<key>-thumb.jpg".
    key: str = Field(max_length=120)
    width: int
    height: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    listing: Listing = Relationship(
        back_populates="photos", sa_relationship_kwargs={"lazy": "raise"}
    )


class Favorite(SQLModel, table=True):
    __tablename__ = "favorites"

    user_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    listing_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InteractionKind(enum.StrEnum):
    VIEW = "view"
    FAVORITE = "favorite"
    UNFAVORITE = "unfavorite"


class InteractionEvent(SQLModel, table=True):
    """Who looked at or saved what, and when: what the recommendation model learns from."""

    __tablename__ = "interaction_events"
    __table_args__ = (
        sa.Index("ix_interaction_events_user_id_created_at", "user_id", "created_at"),
        sa.Index("ix_interaction_events_listing_id_created_at", "listing_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Null for a visitor who is not signed in.
    user_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    listing_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("listings.id", ondelete="CASCADE"), nullable=False)
    )
    kind: InteractionKind = Field(sa_type=str_enum(InteractionKind, "interaction_kind"))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SavedSearch(SQLModel, table=True):
    """A search a user keeps, to come back to and to hear how many new listings match it."""

    __tablename__ = "saved_searches"
    # The same search saved twice is one row (the query is canonical: listings.search.to_url).
    __table_args__ = (sa.UniqueConstraint("user_id", "query"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # A short human summary, e.g. "sofa · Furniture · within 10 km of Paris, Le Marais".
    name: str = Field(max_length=200)
    # The search page's query string, without a cursor; "place=home" follows the user's home.
    query: str = Field(max_length=2000)
    # The category the query names (None: any category), kept so matching can ask by it.
    category: str | None = Field(default=None, max_length=40, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Listings published after this are "new" for this search.
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ListingReservation(SQLModel, table=True):
    """An item kept for one buyer at a price agreed with the seller (an accepted offer),
    until a time. The listing is "reserved" meanwhile; the buyer's order takes it over
    at that price, and past ``until`` the item is back on sale (listings.hold)."""

    __tablename__ = "listing_reservations"

    listing_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    buyer_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    price_cents: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))
    until: datetime = Field(sa_type=UTCDateTime, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
