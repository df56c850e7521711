"""Carbon: what buying an item second-hand avoids, as a result card and a listing page show it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carbon.estimate import (
    CarbonDataError,
    CarbonInputError,
    Estimate,
    Fulfilment,
    TravelMode,
    compare_fulfilment,
    estimate,
)
from listings.distance import distance_km
from listings.models import Listing
from listings.schemas import ListingCard
from resale.users.models import User


@dataclass(frozen=True, slots=True)
class ListingCarbon:
    """A listing's carbon figures for a page: every way it can change hands, and the headline."""

    headline: Estimate  # the better of the ways offered, pickup counted with the method's defaults
    pickup: dict[TravelMode, Estimate]  # collecting it, by the buyer's mode (empty: no pickup)
    shipping: Estimate | None  # having it shipped (None: the seller does not ship)
    comparison: str | None  # pickup nearby against shipping, in one sentence
    distance_km: float | None  # the viewer's distance used for pickup (None: the default)


def _carbon_options(
    *,
    category: str,
    price_cents: int,
    currency: str,
    weight_kg: float | None,
    shipping_cents: int | None,
    has_point: bool,
    distance_km: float | None,
) -> list[Estimate]:
    common: dict[str, Any] = {
        "category": category,
        "price_cents": price_cents,
        "currency": currency,
        "weight_kg": weight_kg,
    }
    options = []
    if has_point:
        options.append(estimate(fulfilment=Fulfilment.PICKUP, distance_km=distance_km, **common))
    if shipping_cents is not None:
        options.append(estimate(fulfilment=Fulfilment.SHIPPING, **common))
    return options


def card_carbon(card: ListingCard) -> Estimate | None:
    """The figure a result card shows: the better of the ways the item is offered."""
    try:
        options = _carbon_options(
            category=card.category,
            price_cents=card.price_cents,
            currency=card.currency,
            weight_kg=card.weight_kg,
            shipping_cents=card.shipping_cents,
            has_point=card.has_point,
            distance_km=card.distance_km,
        )
    except (CarbonInputError, CarbonDataError):
        return None  # a category without a factor shows no figure rather than a wrong one
    return max(options, key=lambda e: e.central, default=None)


def listing_carbon(listing: Listing, viewer: User | None) -> ListingCarbon | None:
    """All the carbon figures of a listing page, pickup at the viewer's real distance if known."""
    distance = distance_km(listing, viewer)
    common: dict[str, Any] = {
        "category": listing.category,
        "price_cents": listing.price_cents,
        "currency": listing.currency,
        "weight_kg": listing.weight_kg,
    }
    try:
        options = _carbon_options(
            shipping_cents=listing.shipping_cents,
            has_point=listing.has_point,
            distance_km=distance,
            **common,
        )
        pickup = (
            {
                mode: estimate(
                    fulfilment=Fulfilment.PICKUP, mode=mode, distance_km=distance, **common
                )
                for mode in TravelMode
            }
            if listing.has_point
            else {}
        )
        shipping = next((e for e in options if e.fulfilment is Fulfilment.SHIPPING), None)
        comparison = None
        if pickup and shipping is not None:
            comparison = compare_fulfilment(
                mode=TravelMode.WALK_BIKE, distance_km=distance, **common
            ).statement
    except (CarbonInputError, CarbonDataError):
        return None
    headline = max(options, key=lambda e: e.central, default=None)
    if headline is None:
        return None
    return ListingCarbon(headline, pickup, shipping, comparison, distance)
