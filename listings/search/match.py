"""One predicate beside the SQL: whether a listing is in a search's results, decided in
Python from the listing alone (for notices about a new listing, without running the search).
It applies the filters ``sql._id_statement`` applies, with the same words (``listings.text``)."""

from __future__ import annotations

from listings.models import Listing, ListingStatus
from listings.search.query import SearchQuery
from listings.text import ANYWHERE as MARK_ANY
from listings.text import PINYIN as MARK_PINYIN
from listings.text import query_words
from resale.core import taxonomy
from resale.core.geo import haversine_km


def matches(query: SearchQuery, listing: Listing, *, has_photos: bool) -> bool:
    """Whether ``listing`` (with or without photos) is one a search for ``query`` finds."""
    if listing.status != ListingStatus.ACTIVE:
        return False
    if query.category and listing.category not in taxonomy.leaf_slugs_under(query.category):
        return False
    if query.min_price is not None and listing.price_cents < query.min_price:
        return False
    if query.max_price is not None and listing.price_cents > query.max_price:
        return False
    if query.price_currency is not None and listing.currency != query.price_currency:
        return False
    if query.conditions and listing.condition not in query.conditions:
        return False
    if query.seller_id is not None and listing.seller_id != query.seller_id:
        return False
    if query.with_photos and not has_photos:
        return False
    words = query_words(query.q)
    if words:
        tokens = set(listing.search_doc.split())
        for word in words:
            by_pinyin = bool(word.pinyin) and all(
                f"{MARK_PINYIN}{p}" in tokens for p in word.pinyin
            )
            if f"{MARK_ANY}{word.term}" not in tokens and not by_pinyin:
                return False
    if query.radius_km is not None and query.lat is not None and query.lon is not None:
        if listing.lat is None or listing.lon is None:
            return False
        if haversine_km(query.lat, query.lon, listing.lat, listing.lon) > query.radius_km:
            return False
    return True
