"""API output of the recommendation endpoints: every item with its reasons and rounded distance,
every list with the model that made it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from listings.schemas import SearchHit


class ModelSource(BaseModel):
    """Which model answered: a trained one (when, which version), or the fallback and why."""

    source: Literal["model", "fallback"]
    trained_at: datetime | None = None
    version: str | None = Field(default=None, description="The artifact that served the list")
    reason: str | None = Field(default=None, description="Why the fallback served it")


class RecommendedListing(SearchHit):
    """A result card (a place name and a rounded distance, never a point), and why it is here."""

    distance_km: float | None = Field(
        description="Rounded distance (see distance_from); null when it is not known"
    )
    reasons: list[str] = Field(description="Why it is recommended, in words")


class RecommendationList(BaseModel):
    items: list[RecommendedListing]
    model: ModelSource
    distance_from: Literal["home", "listing"] | None = Field(
        description="What distance_km is measured from: your home, or the listing you look at"
    )


class DistanceBand(BaseModel):
    label: str
    min_km: float
    max_km: float
    count: int


class InterestedBuyers(BaseModel):
    """How many buyers near a listing may want it, by distance band; never who they are."""

    listing_id: int
    radius_km: float
    total: int
    bands: list[DistanceBand]
    model: ModelSource
    note: str | None = None


class NoticeOut(BaseModel):
    """A newly published listing that matched one of your saved searches or your taste."""

    listing: RecommendedListing
    reason: str
    created_at: datetime
    seen: bool


class NoticesSeen(BaseModel):
    marked_seen: int
