"""JSON API: the personal feed, similar items, and (for the seller) interested buyers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query

from listings import service as listings_service
from listings.dependencies import OwnedListing
from listings.schemas import ListingCard
from matching import service
from matching.schemas import (
    DistanceBand,
    InterestedBuyers,
    ModelSource,
    NoticeOut,
    NoticesSeen,
    RecommendationList,
    RecommendedListing,
)
from resale.core.db import SessionDep
from resale.core.fields import Id
from resale.users.dependencies import CurrentUser, OptionalUser

router = APIRouter(prefix="/api/v1", tags=["recommendations"])

MAX_LIMIT = 50
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many items at most")]


def _source(info: dict[str, Any]) -> ModelSource:
    return ModelSource(**info)


def listing_out(card: ListingCard, reasons: Sequence[str]) -> RecommendedListing:
    """A card as the API shows it (its distance already rounded by the service) with its
    reasons, already in the words of the language spoken."""
    return RecommendedListing.of(card, reasons=list(reasons))


def picks_out(picks: service.Picks) -> RecommendationList:
    return RecommendationList(
        items=[listing_out(p.card, p.said) for p in picks.items],
        model=_source(picks.model),
        distance_from=picks.distance_from,
    )


@router.get("/recommendations/feed", response_model=RecommendationList)
def feed(
    user: CurrentUser, session: SessionDep, limit: Limit = service.DEFAULT_LIMIT
) -> RecommendationList:
    """Listings picked for the signed-in buyer, each with its reasons and rounded distance."""
    return picks_out(service.feed(session=session, user=user, limit=limit))


@router.get("/listings/{listing_id}/similar", response_model=RecommendationList)
def similar(
    listing_id: Id, viewer: OptionalUser, session: SessionDep, limit: Limit = service.DEFAULT_LIMIT
) -> RecommendationList:
    """Active listings like this one; distances from the viewer's home when signed in, else
    from this listing."""
    listing = listings_service.get_visible_listing(
        session=session, listing_id=listing_id, viewer=viewer
    )
    return picks_out(service.similar(session=session, listing=listing, viewer=viewer, limit=limit))


@router.get("/listings/{listing_id}/interested-buyers", response_model=InterestedBuyers)
def interested_buyers(listing: OwnedListing, session: SessionDep) -> InterestedBuyers:
    """For the seller: how many buyers near the listing may want it, by distance band."""
    audience = service.interested_buyers(session=session, listing=listing)
    assert listing.id is not None
    return InterestedBuyers(
        listing_id=listing.id,
        radius_km=audience.radius_km,
        total=audience.total,
        bands=[
            DistanceBand(label=b.label, min_km=b.min_km, max_km=b.max_km, count=b.count)
            for b in audience.bands
        ],
        model=_source(audience.model),
        note=audience.note,
    )


@router.get("/me/notifications", response_model=list[NoticeOut])
def my_notifications(
    user: CurrentUser, session: SessionDep, limit: Limit = service.DEFAULT_LIMIT
) -> list[NoticeOut]:
    """New listings that matched your saved searches or your taste, newest first."""
    return [
        NoticeOut(
            listing=listing_out(n.card, [n.reason]),
            reason=n.reason,
            created_at=n.created_at,
            seen=n.seen,
        )
        for n in service.notices_for(session=session, user=user, limit=limit)
    ]


@router.post("/me/notifications/seen", response_model=NoticesSeen)
def notifications_seen(user: CurrentUser, session: SessionDep) -> NoticesSeen:
    """Mark every notice as seen."""
    return NoticesSeen(marked_seen=service.mark_notices_seen(session=session, user=user))
