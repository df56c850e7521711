"""For a seller: how many buyers near a listing may want it, by distance band; never who."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from carbon import currencies
from listings import activity, saved_searches
from listings.models import Listing
from matching import serving
from matching.picks import (
    category_weights,
)
from resale.core import taxonomy
from resale.core.i18n import gettext
from resale.users import service as users_service

BANDS_KM: tuple[tuple[float, float], ...] = ((0.0, 2.0), (2.0, 5.0), (5.0, 10.0), (10.0, 30.0))


@dataclass(frozen=True, slots=True)
class Band:
    min_km: float
    max_km: float
    count: int

    @property
    def label(self) -> str:
        """The band in words, in the language spoken: "under 2 km", "2–5 km"."""
        if self.min_km == 0:
            return gettext("under %(km)s km") % {"km": f"{self.max_km:g}"}
        return f"{self.min_km:g}–{self.max_km:g} km"


@dataclass(frozen=True, slots=True)
class Audience:
    """How many buyers near a listing may want it, by distance band; never who they are."""

    bands: list[Band]
    model: dict[str, Any]
    note: str | None = None

    @property
    def total(self) -> int:
        return sum(b.count for b in self.bands)

    @property
    def radius_km(self) -> float:
        return BANDS_KM[-1][1]


def interested_buyers(*, session: Session, listing: Listing) -> Audience:
    """How many buyers living near a listing may want it, by distance band (the seller's view).

    Only counts, never who: a band of one is still just a number.
    """
    served = serving.current()
    info = serving.model_info(served)
    empty = [Band(lo, hi, 0) for lo, hi in BANDS_KM]
    if listing.lat is None or listing.lon is None:
        return Audience(
            bands=empty, model=info, note=gettext("Add a location to see buyers near it.")
        )
    radius = BANDS_KM[-1][1]
    distances: list[float]
    if served is not None:
        people = served.model.audience(
            lat=listing.lat,
            lon=listing.lon,
            radius_km=radius,
            item=str(listing.id) if listing.id is not None and served.knows(listing.id) else None,
            categories=category_weights(listing.category),
            price=currencies.in_euros(listing.price_cents, listing.currency),
            exclude_users=[str(listing.seller_id)],
        )
        distances = [km for _, km, _ in people]
    else:
        distances = _fallback_audience(session=session, listing=listing, radius_km=radius)
    bands = [
        Band(lo, hi, sum(1 for d in distances if lo <= d < hi or (hi == radius and d == hi)))
        for lo, hi in BANDS_KM
    ]
    return Audience(bands=bands, model=info)


def _fallback_audience(*, session: Session, listing: Listing, radius_km: float) -> list[float]:
    """Without a model: people near the listing who looked at, saved or searched its category."""
    assert listing.lat is not None and listing.lon is not None
    near = users_service.living_near(
        session=session,
        lat=listing.lat,
        lon=listing.lon,
        radius_km=radius_km,
        except_id=listing.seller_id,
    )
    leaf = taxonomy.leaf(listing.category)
    categories = [listing.category] + ([leaf.parent] if leaf is not None and leaf.parent else [])
    interested = activity.engaged_with_category(
        session=session, user_ids=list(near), category=listing.category
    ) | saved_searches.users_with_saved_category(session=session, categories=categories)
    return [km for user_id, km in near.items() if user_id in interested]
