"""A search in a page's address: reading it (from_url) and writing it back (to_url)."""

import math
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from listings.models import (
    Condition,
)
from listings.schemas import CURRENCIES, PriceError, Sort, parse_price
from listings.search.cursor import InvalidSearch
from listings.search.query import DEFAULT_LIMIT, MAX_RADIUS_KM, SearchQuery, check
from resale.core import taxonomy
from resale.core.geo import PLACES_BY_SLUG, currency_at
from resale.core.i18n import gettext as _

# --- a search in a URL -----------------------------------------------------------------------
#
# The search page's address carries the whole search, so it can be bookmarked, shared
# and saved. Prices there are what people type (12.50), not cents; the place is a
# choice: home, a listed place, here (the browser's point), or anywhere.

HOME, HERE, ANYWHERE = "home", "here", "anywhere"
RADIUS_CHOICES_KM = (1, 2, 5, 10, 25, 50, 100, 250, 500)
URL_FIELDS = (
    "q",
    "category",
    "min_price",
    "max_price",
    "currency",
    "condition",
    "place",
    "lat",
    "lon",
    "radius",
    "sort",
    "photos",
)


@dataclass(frozen=True, slots=True)
class UrlSearch:
    """A search read from a page's address: the query, the form's values, and any errors."""

    query: SearchQuery
    values: dict[str, Any]
    errors: dict[str, str]
    place_name: str | None  # what the results are measured from, for people (in their language)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _read_prices(values: dict[str, Any], fields: dict[str, Any], errors: dict[str, str]) -> None:
    for name in ("min_price", "max_price"):
        if values[name]:
            try:
                cents = parse_price(values[name])
            except PriceError as exc:
                errors[name] = str(exc)
                continue
            if cents < 0:
                errors[name] = _("A price cannot be negative.")
            else:
                fields[name] = cents
    if (
        "min_price" in fields
        and "max_price" in fields
        and fields["min_price"] > fields["max_price"]
    ):
        errors["max_price"] = _("The highest price is below the lowest.")
        del fields["max_price"]


def _read_currency(
    values: dict[str, Any],
    fields: dict[str, Any],
    errors: dict[str, str],
    home: tuple[float, float, str | None] | None,
) -> None:
    """The currency of the prices typed: as chosen, else that of where the search is
    measured from (or the home), else of the language spoken. Kept in the query only
    when there is a price to bound."""
    chosen = values["currency"].upper()
    if chosen and chosen not in CURRENCIES:
        errors["currency"] = _("Choose a currency from the list.")
        chosen = ""
    if not chosen:
        point = (fields["lat"], fields["lon"]) if "lat" in fields else None
        chosen = currency_at(point or ((home[0], home[1]) if home else None))
    values["currency"] = chosen
    if "min_price" in fields or "max_price" in fields:
        fields["currency"] = chosen


def _read_place(
    values: dict[str, Any],
    fields: dict[str, Any],
    errors: dict[str, str],
    home: tuple[float, float, str | None] | None,
) -> str | None:
    """Sets the point in ``fields`` and the chosen place in ``values``; returns its name."""
    place_name: str | None = None
    place = values["place"] or (HOME if home else ANYWHERE)
    if place == HOME and home is None:
        place = ANYWHERE
    if place == HOME and home is not None:
        fields["lat"], fields["lon"] = home[0], home[1]
        place_name = _(home[2]) if home[2] else _("your home")
    elif place == HERE:
        lat, lon = _number(values["lat"]), _number(values["lon"])
        if lat is None or lon is None or not -90 <= lat <= 90 or not -180 <= lon <= 180:
            errors["place"] = _("We could not read your location; choose a place from the list.")
            place = ANYWHERE
        else:
            fields["lat"], fields["lon"], place_name = lat, lon, _("your location")
    elif place != ANYWHERE:
        known = PLACES_BY_SLUG.get(place)
        if known is None:
            errors["place"] = _("Choose a place from the list.")
            place = ANYWHERE
        else:
            fields["lat"], fields["lon"], place_name = known.lat, known.lon, known.label
    values["place"] = place
    return place_name


def _read_radius_and_sort(
    values: dict[str, Any], fields: dict[str, Any], errors: dict[str, str]
) -> None:
    if values["radius"]:
        radius = _number(values["radius"])
        if radius is None or not 0 < radius <= MAX_RADIUS_KM:
            errors["radius"] = _("Choose a distance up to %(km)s km.") % {
                "km": f"{MAX_RADIUS_KM:g}"
            }
        elif "lat" not in fields:
            errors["radius"] = _("Choose a place to measure the distance from.")
        else:
            fields["radius_km"] = radius
    sort = values["sort"] or Sort.BEST.value
    try:
        fields["sort"] = Sort(sort)
    except ValueError:
        errors["sort"] = _("Choose an order from the list.")
        sort = Sort.BEST.value
    if fields.get("sort") is Sort.NEAREST and "lat" not in fields:
        errors["sort"] = _("Choose a place to sort by distance from it.")
        fields["sort"] = Sort.BEST
    values["sort"] = fields["sort"].value if "sort" in fields else sort


def from_url(
    params: Any, *, home: tuple[float, float, str | None] | None, limit: int = DEFAULT_LIMIT
) -> UrlSearch:
    """Read a search page's query string (``request.query_params``); bad parts are dropped
    and reported in ``errors`` beside the field they came from."""
    get = params.get
    errors: dict[str, str] = {}
    values: dict[str, Any] = {k: (get(k) or "").strip() for k in URL_FIELDS if k != "condition"}
    values["condition"] = [c for c in params.getlist("condition") if c]
    fields: dict[str, Any] = {"q": values["q"][:200], "limit": limit}
    if values["category"]:
        if taxonomy.get(values["category"]) is None:
            errors["category"] = _("Choose a category from the list.")
        else:
            fields["category"] = values["category"]
    _read_prices(values, fields, errors)
    conditions = []
    for value in values["condition"]:
        try:
            conditions.append(Condition(value))
        except ValueError:
            errors["condition"] = _("Choose conditions from the list.")
    fields["conditions"] = tuple(dict.fromkeys(conditions))
    place_name = _read_place(values, fields, errors, home)
    _read_currency(values, fields, errors, home)
    _read_radius_and_sort(values, fields, errors)
    fields["with_photos"] = values["photos"] == "1"
    cursor = (get("cursor") or "").strip()
    query = SearchQuery(**fields, cursor=cursor or None)
    try:
        check(query)
    except InvalidSearch as exc:
        errors[exc.field or "cursor"] = exc.message
        query = replace(query, cursor=None)
    return UrlSearch(query=query, values=values, errors=errors, place_name=place_name)


def to_url(values: dict[str, Any], **changes: Any) -> str:
    """The canonical query string of a search (no cursor), with some values changed."""
    merged = {**values, **changes}
    pairs: list[tuple[str, str]] = []
    for name in URL_FIELDS:
        value = merged.get(name)
        if name == "condition":
            pairs.extend(("condition", str(v)) for v in value or ())
        elif name in ("lat", "lon") and merged.get("place") != HERE:
            continue
        elif name == "currency" and not (merged.get("min_price") or merged.get("max_price")):
            continue  # a currency says nothing without a price
        elif value not in (None, ""):
            pairs.append((name, str(value)))
    return urlencode(pairs)
