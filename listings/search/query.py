"""A search as asked: SearchQuery, its checks, and the page it returns."""

from dataclasses import dataclass, replace

from listings.models import (
    Condition,
)
from listings.schemas import CURRENCIES, ListingCard, Sort
from listings.search.cursor import InvalidSearch, _decode_cursor
from listings.text import query_terms
from resale.core import taxonomy
from resale.core.i18n import gettext as _

MAX_RADIUS_KM = 500.0
DEFAULT_LIMIT = 24
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A whole search, as a URL carries it. Prices are in minor units (cents, fen) of
    ``currency``: a price bound holds only listings priced in that currency (there is no
    rate that would make 800 yuan and 100 euros the same price to a buyer)."""

    q: str = ""
    category: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    currency: str | None = None
    conditions: tuple[Condition, ...] = ()
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    seller_id: int | None = None
    with_photos: bool = False
    sort: Sort = Sort.BEST
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def price_currency(self) -> str | None:
        """The currency listings must be priced in: that of the price bounds, if any."""
        if self.min_price is None and self.max_price is None:
            return None
        return self.currency


@dataclass(slots=True)
class SearchPage:
    items: list[ListingCard]
    next_cursor: str | None
    query: SearchQuery


def effective(query: SearchQuery) -> SearchQuery:
    """ "Best match" with no words and no point ranks nothing: it is simply "newest"."""
    if query.sort is Sort.BEST and not query_terms(query.q) and not query.has_point:
        return replace(query, sort=Sort.NEWEST)
    return query


def check(query: SearchQuery) -> SearchQuery:
    """Refuse a search that cannot be run; the message names the parameter."""
    if query.category is not None and taxonomy.get(query.category) is None:
        raise InvalidSearch(
            _("unknown category '%(slug)s'") % {"slug": query.category}, field="category"
        )
    for name, value in (("min_price", query.min_price), ("max_price", query.max_price)):
        if value is not None and value < 0:
            raise InvalidSearch(_("a price cannot be negative"), field=name)
    if (
        query.min_price is not None
        and query.max_price is not None
        and query.min_price > query.max_price
    ):
        raise InvalidSearch(_("min_price is above max_price"), field="min_price")
    if query.currency is not None and query.currency not in CURRENCIES:
        raise InvalidSearch(
            _("currency must be one of %(codes)s") % {"codes": ", ".join(CURRENCIES)},
            field="currency",
        )
    if query.price_currency is None and (
        query.min_price is not None or query.max_price is not None
    ):
        raise InvalidSearch(_("a price bound needs its currency"), field="currency")
    if (query.lat is None) != (query.lon is None):
        raise InvalidSearch(
            _("lat and lon go together"), field="lon" if query.lon is None else "lat"
        )
    if query.lat is not None and not -90 <= query.lat <= 90:
        raise InvalidSearch(_("lat must be between -90 and 90"), field="lat")
    if query.lon is not None and not -180 <= query.lon <= 180:
        raise InvalidSearch(_("lon must be between -180 and 180"), field="lon")
    if query.radius_km is not None:
        if not 0 < query.radius_km <= MAX_RADIUS_KM:
            raise InvalidSearch(
                _("radius_km must be above 0 and at most %(max)s") % {"max": f"{MAX_RADIUS_KM:g}"},
                field="radius_km",
            )
        if not query.has_point:
            raise InvalidSearch(
                _("radius_km needs a point (lat and lon, or a home location)"),
                field="radius_km",
            )
    if query.sort is Sort.NEAREST and not query.has_point:
        raise InvalidSearch(
            _("sorting by distance needs a point (lat and lon, or a home location)"),
            field="sort",
        )
    if not 1 <= query.limit <= MAX_LIMIT:
        raise InvalidSearch(
            _("limit must be between 1 and %(max)s") % {"max": MAX_LIMIT}, field="limit"
        )
    if query.cursor is not None:
        _decode_cursor(query.cursor, effective(query).sort)
    return query
