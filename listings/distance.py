"""How far a listing is from the person looking at it (their home to the item's point)."""

from __future__ import annotations

from listings.models import Listing
from resale.core.geo import haversine_km
from resale.users.models import User


def distance_km(listing: Listing, viewer: User | None) -> float | None:
    if viewer is None or not viewer.has_location or not listing.has_point:
        return None
    assert viewer.lat is not None and viewer.lon is not None
    assert listing.lat is not None and listing.lon is not None
    return haversine_km(viewer.lat, viewer.lon, listing.lat, listing.lon)
