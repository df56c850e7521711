"""A search in a page's address: from_url() reads it, to_url() writes it back."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from starlette.datastructures import QueryParams

from listings.models import Condition
from listings.schemas import Sort
from listings.search import SearchQuery, UrlSearch, from_url, to_url
from resale.core.geo import PLACES_BY_SLUG
from resale.core.i18n import speaking

HOME = (45.7640, 4.8357, "Lyon, Presqu'île")
BASTILLE = PLACES_BY_SLUG["paris-bastille"]


def read(query: str | list[tuple[str, str]], **kwargs: Any) -> UrlSearch:
    text = query if isinstance(query, str) else urlencode(query)
    kwargs.setdefault("home", None)
    return from_url(QueryParams(text), **kwargs)


def newest_cursor() -> str:
    raw = json.dumps({"s": "newest", "k": ["2026-05-01T12:00:00+00:00", 42]})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# --- reading -------------------------------------------------------------------------------


def test_every_field_is_read() -> None:
    url = read(
        [
            ("q", "  velvet sofa "),
            ("category", "furniture"),
            ("min_price", "12.50"),
            ("max_price", "1 200,5"),
            ("condition", "good"),
            ("condition", "like_new"),
            ("condition", "good"),  # twice is once
            ("place", "here"),
            ("lat", "48.8530"),
            ("lon", "2.3690"),
            ("radius", "25"),
            ("sort", "nearest"),
            ("photos", "1"),
        ],
        limit=12,
    )
    assert url.errors == {}
    assert url.query == SearchQuery(
        q="velvet sofa",
        category="furniture",
        min_price=1250,
        max_price=120050,
        currency="EUR",  # that of the point searched from, Paris
        conditions=(Condition.GOOD, Condition.LIKE_NEW),
        lat=48.853,
        lon=2.369,
        radius_km=25.0,
        with_photos=True,
        sort=Sort.NEAREST,
        limit=12,
    )
    assert url.place_name == "your location"
    assert url.values["q"] == "velvet sofa"
    assert url.values["min_price"] == "12.50"  # what was typed, for the form
    assert url.values["condition"] == ["good", "like_new", "good"]


def test_an_empty_address_is_best_match_anywhere() -> None:
    url = read("")
    assert url.query == SearchQuery()
    assert url.errors == {}
    assert url.place_name is None
    assert (url.values["place"], url.values["sort"]) == ("anywhere", "best")


def test_home_is_the_default_place_for_someone_with_a_home() -> None:
    url = read("", home=HOME)
    assert (url.query.lat, url.query.lon) == (HOME[0], HOME[1])
    assert url.place_name == HOME[2]
    assert url.values["place"] == "home"
    assert read("", home=(1.0, 2.0, None)).place_name == "your home"
    # ... unless they chose anywhere, or a listed place
    anywhere = read("place=anywhere", home=HOME)
    assert (anywhere.query.lat, anywhere.query.lon, anywhere.place_name) == (None, None, None)
    listed = read("place=paris-bastille", home=HOME)
    assert (listed.query.lat, listed.query.lon) == (BASTILLE.lat, BASTILLE.lon)
    assert listed.place_name == BASTILLE.name


def test_home_without_a_home_is_anywhere() -> None:
    url = read("place=home&radius=10")
    assert url.query.lat is None and url.values["place"] == "anywhere"
    assert "radius" in url.errors and url.query.radius_km is None


def test_a_listed_place_ignores_lat_and_lon() -> None:
    url = read("place=paris-bastille&lat=1&lon=2&radius=5")
    assert (url.query.lat, url.query.lon, url.query.radius_km) == (BASTILLE.lat, BASTILLE.lon, 5.0)
    assert "lat" not in to_url(url.values)


def test_a_valid_cursor_is_kept() -> None:
    cursor = newest_cursor()
    assert read(f"cursor={cursor}").query.cursor == cursor
    assert read(f"cursor={cursor}&sort=newest").query.cursor == cursor


# --- bad values: an error beside the field, and the value left out of the query ---------------


@pytest.mark.parametrize(
    ("query", "field", "left_out"),
    [
        ("category=spaceships", "category", {"category": None}),
        ("category=", None, {"category": None}),
        ("min_price=cheap", "min_price", {"min_price": None}),
        ("min_price=-5", "min_price", {"min_price": None}),
        ("min_price=1.234", "min_price", {"min_price": None}),
        ("min_price=NaN", "min_price", {"min_price": None}),
        ("max_price=Infinity", "max_price", {"max_price": None}),
        ("max_price=-0.5", "max_price", {"max_price": None}),
        ("min_price=50&max_price=20", "max_price", {"min_price": 5000, "max_price": None}),
        ("condition=shiny&condition=good", "condition", {"conditions": (Condition.GOOD,)}),
        ("condition=shiny", "condition", {"conditions": ()}),
        ("place=atlantis", "place", {"lat": None, "lon": None}),
        ("place=here", "place", {"lat": None, "lon": None}),
        ("place=here&lat=48.8", "place", {"lat": None, "lon": None}),
        ("place=here&lat=91&lon=2", "place", {"lat": None, "lon": None}),
        ("place=here&lat=48&lon=-180.5", "place", {"lat": None, "lon": None}),
        ("place=here&lat=nan&lon=2", "place", {"lat": None, "lon": None}),
        ("place=here&lat=north&lon=2", "place", {"lat": None, "lon": None}),
        ("place=paris-bastille&radius=0", "radius", {"radius_km": None}),
        ("place=paris-bastille&radius=-5", "radius", {"radius_km": None}),
        ("place=paris-bastille&radius=500.5", "radius", {"radius_km": None}),
        ("place=paris-bastille&radius=far", "radius", {"radius_km": None}),
        ("place=paris-bastille&radius=inf", "radius", {"radius_km": None}),
        ("radius=10", "radius", {"radius_km": None}),
        ("sort=sideways", "sort", {"sort": Sort.BEST}),
        ("sort=nearest", "sort", {"sort": Sort.BEST}),
        ("place=atlantis&sort=nearest", "place sort", {"sort": Sort.BEST, "lat": None}),
        ("cursor=garbage", "cursor", {"cursor": None}),
        (f"sort=price_asc&cursor={newest_cursor()}", "cursor", {"cursor": None}),
        (f"q=oak&cursor={newest_cursor()}", "cursor", {"cursor": None}),  # words: best, not newest
    ],
)
def test_a_bad_value_is_reported_beside_its_field_and_dropped(
    query: str, field: str | None, left_out: dict[str, Any]
) -> None:
    url = read(query)
    assert set(url.errors) == set((field or "").split()), url.errors
    for name, value in left_out.items():
        assert getattr(url.query, name) == value, name
    assert all(isinstance(message, str) and message for message in url.errors.values())


def test_one_bad_field_does_not_spoil_the_others() -> None:
    url = read(
        "q=lamp&category=spaceships&min_price=abc&max_price=30&condition=fair&place=atlantis"
        "&radius=10&sort=sideways&photos=1"
    )
    assert set(url.errors) == {"category", "min_price", "place", "radius", "sort"}
    assert url.query == SearchQuery(
        q="lamp", max_price=3000, currency="EUR", conditions=(Condition.FAIR,), with_photos=True
    )
    # What was typed stays in the form.
    assert url.values["category"] == "spaceships"
    assert url.values["min_price"] == "abc"


def test_a_price_is_in_the_currency_chosen() -> None:
    url = read("max_price=300&currency=cny&place=paris-bastille")
    assert url.errors == {}
    assert (url.query.max_price, url.query.currency) == (30000, "CNY")
    assert url.values["currency"] == "CNY"


def test_an_unknown_currency_is_an_error_beside_its_field() -> None:
    url = read("q=lamp&max_price=30&currency=XYZ")
    assert set(url.errors) == {"currency"}
    assert url.values["currency"] == "EUR"  # the form offers the default again
    assert url.query.q == "lamp"


@pytest.mark.parametrize(
    ("query", "home", "language", "expected"),
    [
        ("max_price=300&place=shanghai-xuhui", None, "en", "CNY"),  # where the search is
        ("max_price=300&place=paris-bastille", None, "zh-CN", "EUR"),
        ("max_price=300&place=london-camden", None, "zh-CN", "GBP"),
        ("max_price=300", (31.2290, 121.4480, "Shanghai, Jing'an"), "en", "CNY"),  # home
        ("max_price=300", None, "zh-CN", "CNY"),  # else the language spoken
        ("max_price=300", None, "en", "EUR"),
    ],
)
def test_the_currency_defaults_to_where_the_search_is_then_the_language(
    query: str, home: tuple[float, float, str] | None, language: str, expected: str
) -> None:
    with speaking(language):
        url = read(query, home=home)
    assert url.errors == {}
    assert url.query.currency == expected


def test_no_currency_in_the_query_without_a_price() -> None:
    url = read("q=lamp&currency=GBP")
    assert url.query.currency is None and url.query.price_currency is None
    assert "currency" not in dict(parse_qsl(to_url(url.values)))


def test_a_long_query_is_cut_at_200_characters() -> None:
    url = read("q=" + "a" * 250)
    assert url.query.q == "a" * 200


def test_photos_only_when_asked_for() -> None:
    assert read("photos=1").query.with_photos is True
    assert read("photos=").query.with_photos is False
    assert read("").query.with_photos is False


# --- writing, and the round trip ---------------------------------------------------------------

ROUND_TRIPS = [
    "",
    "q=cr%C3%A8me+br%C3%BBl%C3%A9e+%26+co",
    "category=sofas",
    "category=electronics&min_price=0&max_price=99.99",
    "min_price=1200",
    "condition=new_with_tags&condition=for_parts",
    "place=paris-bastille&radius=2&sort=nearest",
    "place=here&lat=-33.8688&lon=151.2093&radius=500&sort=price_desc",
    "place=home&radius=1&sort=newest",
    "place=anywhere&sort=price_asc&photos=1",
    "q=oak&category=furniture&min_price=10&max_price=250&condition=good&place=lyon-presquile"
    "&radius=25&sort=best&photos=1",
]


@pytest.mark.parametrize("query", ROUND_TRIPS)
@pytest.mark.parametrize("home", [None, HOME], ids=["visitor", "with-home"])
def test_round_trip(query: str, home: tuple[float, float, str] | None) -> None:
    first = read(query, home=home)
    assert first.errors == {} or (home is None and "place=home" in query)
    again = read(to_url(first.values), home=home)
    assert again.query == first.query
    assert again.values == first.values
    assert again.place_name == first.place_name
    assert to_url(again.values) == to_url(first.values)


def test_to_url_writes_every_field_and_no_cursor() -> None:
    values = read(
        [
            ("q", "oak table"),
            ("category", "tables"),
            ("min_price", "10"),
            ("max_price", "99.5"),
            ("condition", "good"),
            ("condition", "fair"),
            ("place", "here"),
            ("lat", "48.1"),
            ("lon", "2.2"),
            ("radius", "5"),
            ("sort", "price_asc"),
            ("photos", "1"),
            ("cursor", newest_cursor()),
        ]
    ).values
    pairs = parse_qsl(to_url(values))
    assert pairs == [
        ("q", "oak table"),
        ("category", "tables"),
        ("min_price", "10"),
        ("max_price", "99.5"),
        ("currency", "EUR"),
        ("condition", "good"),
        ("condition", "fair"),
        ("place", "here"),
        ("lat", "48.1"),
        ("lon", "2.2"),
        ("radius", "5"),
        ("sort", "price_asc"),
        ("photos", "1"),
    ]


def test_to_url_with_changes() -> None:
    values = read("q=oak&place=paris-bastille&radius=5&sort=nearest").values
    assert dict(parse_qsl(to_url(values, sort="newest")))["sort"] == "newest"
    assert "radius" not in dict(parse_qsl(to_url(values, radius="")))
    assert parse_qsl(to_url(values, condition=["good", "fair"])) == [
        ("q", "oak"),
        ("condition", "good"),
        ("condition", "fair"),
        ("place", "paris-bastille"),
        ("radius", "5"),
        ("sort", "nearest"),
    ]
    # lat and lon only travel with place=here
    here = to_url(values, place="here", lat="1.5", lon="2.5")
    assert ("lat", "1.5") in parse_qsl(here) and ("lon", "2.5") in parse_qsl(here)
    assert "lat" not in dict(parse_qsl(to_url(values, lat="1.5", lon="2.5")))
    assert values["sort"] == "nearest"  # the values themselves are left alone
