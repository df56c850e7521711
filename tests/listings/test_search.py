"""The search engine (listings.search): words, relevance, filters, sorts, distance, keyset pages.

Every expectation is computed here, in plain Python, from what the test put in the database
(which words are in which field, haversine distances, the documented weights and buckets),
never by asking the engine.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from listings.models import Condition, Listing, ListingStatus
from listings.schemas import ListingCard, Sort
from listings.search import (
    InvalidSearch,
    SearchPage,
    SearchQuery,
    capture_sql,
    check,
    count_since,
    effective,
    load_cards,
    search,
)
from listings.search import run as search_module
from listings.service import refresh_search_terms, withdraw
from resale.core.geo import bounding_box, haversine_km
from resale.users.models import User
from tests.factories import add_photo_rows, make_listing, make_user, point_at

# Central Paris, deliberately off the 0.01-degree grid listings sit on.
ORIGIN = (48.8566, 2.3522)
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ALL_SORTS = list(Sort)


# --- helpers -----------------------------------------------------------------------------


def run(session: Session, **fields: Any) -> SearchPage:
    return search(session=session, query=SearchQuery(**fields))


def found(session: Session, **fields: Any) -> list[int]:
    """The ids of one big page (the data sets here are far below 100 listings)."""
    page = run(session, limit=100, **fields)
    assert page.next_cursor is None
    return [card.id for card in page.items]


def walk(
    session: Session, *, limit: int = 3, cursor: str | None = None, **fields: Any
) -> list[ListingCard]:
    """Every page, following next_cursor; every page but the last is full."""
    cards: list[ListingCard] = []
    for _ in range(500):
        page = run(session, limit=limit, cursor=cursor, **fields)
        cards.extend(page.items)
        if page.next_cursor is None:
            return cards
        assert len(page.items) == limit, "only the last page may be short"
        cursor = page.next_cursor
    raise AssertionError("the walk never ended")


def ids(cards: Iterable[ListingCard]) -> list[int]:
    return [card.id for card in cards]


def lid(listing: Listing) -> int:
    assert listing.id is not None
    return listing.id


def at(km: float, bearing: float = 0.0, origin: tuple[float, float] = ORIGIN) -> dict[str, float]:
    lat, lon = point_at(*origin, km, bearing)
    return {"lat": lat, "lon": lon}


@pytest.fixture
def seller(session: Session) -> User:
    return make_user(session)


def listing(session: Session, seller: User, **fields: Any) -> Listing:
    """An active listing without photos, unless told otherwise."""
    fields.setdefault("photos", 0)
    return make_listing(session, seller, **fields)


# --- words --------------------------------------------------------------------------------


def test_words_are_found_in_title_description_and_brand(session: Session, seller: User) -> None:
    in_title = listing(session, seller, title="Walnut side table", description="Solid wood.")
    in_brand = listing(session, seller, title="Side table", brand="Walnut & Co", description="Ok.")
    in_body = listing(session, seller, title="Side table", description="Made of walnut.")
    listing(session, seller, title="Pine side table", description="Solid pine.")
    assert set(found(session, q="walnut")) == {lid(in_title), lid(in_brand), lid(in_body)}
    assert set(found(session, q="WALNUT")) == {lid(in_title), lid(in_brand), lid(in_body)}


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("sofas", "Grey sofa"),
        ("sofa", "Two grey sofas"),
        ("running", "Run tracker watch"),
        ("run", "Running shoes"),
        ("cushions", "Sofa cushion"),
        ("tables", "Oak table"),
        ("chair", "Two chairs"),
    ],
)
def test_word_stems_match(session: Session, seller: User, query: str, text: str) -> None:
    hit = listing(session, seller, title=text, description="As pictured.")
    listing(session, seller, title="Oak dining set", description="As pictured.")
    assert found(session, q=query) == [lid(hit)]


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("poang", "IKEA Poäng armchair"),
        ("Poäng", "IKEA Poang armchair"),
        ("creme", "Crème brûlée torch"),
        ("crème", "Creme brulee torch"),
        ("BRULEE", "Crème Brûlée torch"),
        ("strasse", "Straße sign"),
    ],
)
def test_accents_do_not_matter(session: Session, seller: User, query: str, text: str) -> None:
    hit = listing(session, seller, title=text, description="As pictured.")
    listing(session, seller, title="Oak dining set", description="As pictured.")
    assert found(session, q=query) == [lid(hit)]


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("自行车", "九成新 山地自行车 捷安特"),
        ("山地自行车", "捷安特山地自行车九成新"),  # no spaces: found however the text is cut
        ("自行車", "九成新 山地自行车 捷安特"),  # traditional finds simplified
        ("自行车", "兒童自行車"),  # and simplified finds traditional
        ("九成新 沙发", "布艺沙发，九成新"),
        ("128 gb", "iPhone 12 国行 128G"),
        ("128G", "Pixel 7, 128 GB"),
        ("１２８ｇｂ", "Phone 128GB"),  # full-width
        ("ＩＫＥＡ", "IKEA Poäng armchair"),
    ],
)
def test_chinese_full_width_traditional_and_units_fold(
    session: Session, seller: User, query: str, text: str
) -> None:
    hit = listing(session, seller, title=text, description="As pictured.")
    listing(session, seller, title="Oak dining set 64 GB", description="As pictured.")
    listing(session, seller, title="实木餐桌 自行提货", description="八成新")
    assert found(session, q=query) == [lid(hit)]


def test_a_chinese_word_that_is_not_there_finds_nothing(session: Session, seller: User) -> None:
    listing(session, seller, title="九成新 山地自行车 捷安特", description="自提")
    listing(session, seller, title="Oak dining set", description="As pictured.")
    assert found(session, q="沙发") == []
    assert found(session, q="电动自行车") == []  # 电动 is not in it


@pytest.mark.parametrize("query", ["zixingche", "zi xing che", "ZiXingChe", "shandi zixingche"])
def test_pinyin_finds_the_characters(session: Session, seller: User, query: str) -> None:
    bike = listing(session, seller, title="九成新 山地自行车 捷安特", description="自提")
    listing(session, seller, title="布艺沙发", description="九成新")
    listing(session, seller, title="Oak dining set", description="As pictured.")
    assert found(session, q=query) == [lid(bike)]


def test_the_very_word_ranks_above_a_match_by_its_sound(session: Session, seller: User) -> None:
    by_sound = listing(session, seller, title="山地自行车", description="九成新")
    by_letters = listing(session, seller, title="Zixingche poster, framed", description="Print.")
    assert found(session, q="zixingche") == [lid(by_letters), lid(by_sound)]
    assert found(session, q="sofa") == []  # pinyin cannot spell it: a Latin word only


def test_every_word_must_match(session: Session, seller: User) -> None:
    both = listing(session, seller, title="Red velvet sofa", description="Comfy.")
    listing(session, seller, title="Red chair", description="Comfy.")
    listing(session, seller, title="Green velvet sofa", description="Comfy.")
    across_fields = listing(session, seller, title="Sofa", brand="Velvet", description="Red.")
    assert set(found(session, q="red velvet")) == {lid(both), lid(across_fields)}
    assert found(session, q="red velvet chair") == []


def test_stop_words_do_not_block_a_match(session: Session, seller: User) -> None:
    sofa = listing(session, seller, title="Corner sofa", description="Cushions included.")
    # None of "the", "with", "for", "a", "and", "of" is in the listing.
    assert found(session, q="the corner sofa with cushions for a and of") == [lid(sofa)]


def test_only_stop_words_or_punctuation_is_an_empty_query(session: Session, seller: User) -> None:
    everything = {lid(listing(session, seller, title=f"Lamp {n}")) for n in range(3)}
    for q in ("", "   ", "the a of", '"* OR - ( :', "«»…", "的", "，。！"):
        assert set(found(session, q=q)) == everything, q


def test_query_syntax_characters_are_words_not_operators(session: Session, seller: User) -> None:
    lamp = listing(session, seller, title="Brass lamp", description="Works.")
    listing(session, seller, title="Brass mirror", description="Works.")
    # FTS5 and tsquery operators must not reach the engines as syntax.
    assert found(session, q='"brass" lamp*') == [lid(lamp)]
    assert (
        found(session, q="brass AND NOT lamp") == []
    )  # "not" is a word here, and no listing has it
    assert found(session, q="brass & lamp | (mirror)") == []
    assert found(session, q="brass:lamp") == [lid(lamp)]


def test_an_empty_query_lists_everything_matching_the_filters(
    session: Session, seller: User
) -> None:
    cheap = listing(session, seller, title="Oak stool", price_cents=1500)
    listing(session, seller, title="Oak table", price_cents=9000)
    chair = listing(session, seller, title="Chair", category="chairs", price_cents=1000)
    assert set(found(session, max_price=2000, currency="EUR")) == {lid(cheap), lid(chair)}
    assert set(found(session, q="", category="chairs")) == {lid(chair)}


def test_changed_words_are_searched_at_once(session: Session, seller: User) -> None:
    item = listing(session, seller, title="Teak bench", description="Garden.")
    assert found(session, q="teak") == [lid(item)]
    item.title = "Cedar bench"
    refresh_search_terms(item)
    session.add(item)
    session.flush()
    assert found(session, q="teak") == []
    assert found(session, q="cedar") == [lid(item)]


# --- relevance ----------------------------------------------------------------------------


def test_title_ranks_above_brand_above_description(session: Session, seller: User) -> None:
    # Newest first would give the opposite order: relevance must win over recency.
    in_title = listing(session, seller, title="Amber lamp", published_at=NOW - timedelta(days=3))
    in_brand = listing(
        session, seller, title="Lamp", brand="Amber", published_at=NOW - timedelta(days=2)
    )
    in_body = listing(
        session,
        seller,
        title="Lamp",
        description="Amber glass shade.",
        published_at=NOW - timedelta(days=1),
    )
    assert ids(run(session, q="amber").items) == [lid(in_title), lid(in_brand), lid(in_body)]


def test_relevance_adds_up_over_words(session: Session, seller: User) -> None:
    old = NOW - timedelta(days=10)
    # Per word: title 4, else brand 3, else description 1.
    title_title = listing(session, seller, title="Teak desk", published_at=old)  # 4 + 4 = 8
    title_brand = listing(session, seller, title="Desk", brand="Teak Co", published_at=old)  # 4 + 3
    brand_brand = listing(session, seller, title="Bureau", brand="Teak Desk", published_at=old)
    # The less relevant, the newer: recency alone would give the opposite order.
    title_body = listing(session, seller, title="Desk", description="Teak top.", published_at=NOW)
    body_body = listing(
        session, seller, title="Bureau", description="A teak desk.", published_at=NOW
    )
    assert ids(run(session, q="teak desk").items) == [
        lid(title_title),
        lid(title_brand),
        lid(brand_brand),
        lid(title_body),
        lid(body_body),
    ]


def test_equal_relevance_newest_first_then_highest_id(session: Session, seller: User) -> None:
    moment = NOW - timedelta(hours=5)
    first = listing(session, seller, title="Linen shirt", published_at=moment)
    second = listing(session, seller, title="Linen dress", published_at=moment)
    newest = listing(session, seller, title="Linen towel", published_at=NOW)
    assert ids(run(session, q="linen").items) == [lid(newest), lid(second), lid(first)]


def bucket(km: float) -> int:
    """The documented distance buckets: 0 under 2 km ... 6 beyond 100 km."""
    for index, edge in enumerate((2, 5, 10, 20, 50, 100)):
        if km < edge:
            return index
    return 6


@pytest.mark.parametrize(
    ("a", "b", "winner"),
    [
        # (where the word is, km) for two listings; score = 2 * relevance - bucket.
        # Equally relevant: the closer one wins (8 - 0 = 8 against 8 - 2 = 6).
        (("title", 1.0), ("title", 7.0), "a"),
        # Clearly more relevant beats a bit closer: title at 3 km (8 - 1 = 7) over
        # brand at 0.5 km (6 - 0 = 6).
        (("title", 3.0), ("brand", 0.5), "a"),
        # ... but not much closer: title at 12 km (8 - 3 = 5) loses to brand at 0.5 km (6).
        (("title", 12.0), ("brand", 0.5), "b"),
        # Title at 60 km (8 - 5 = 3) still beats the description at 0.5 km (2 - 0 = 2).
        (("title", 60.0), ("body", 0.5), "a"),
        # Title at 30 km (8 - 4 = 4) against brand at 15 km (6 - 3 = 3).
        (("title", 30.0), ("brand", 15.0), "a"),
        # Title at 150 km (8 - 6 = 2) ties with the description at 0.5 km (2): the newer (b) wins.
        (("title", 150.0), ("body", 0.5), "b"),
    ],
)
def test_best_match_mixes_relevance_and_distance(
    session: Session,
    seller: User,
    a: tuple[str, float],
    b: tuple[str, float],
    winner: str,
) -> None:
    def make(where: str, km: float, published: datetime) -> Listing:
        text = {
            "title": {"title": "Copper kettle", "description": "Works."},
            "brand": {"title": "Kettle", "brand": "Copper", "description": "Works."},
            "body": {"title": "Kettle", "description": "Copper base."},
        }[where]
        return listing(session, seller, **text, **at(km, 77), published_at=published)

    # a is older, so that neither order can come from recency alone when a wins.
    first = make(*a, NOW - timedelta(days=1))
    second = make(*b, NOW)
    weight = {"title": 4, "brand": 3, "body": 1}
    score_a, score_b = (2 * weight[where] - bucket(km) for where, km in (a, b))
    assert winner == ("a" if score_a > score_b else "b"), "the table above is wrong"  # tie: newer b
    both = [lid(first), lid(second)]
    got = ids(run(session, q="copper", lat=ORIGIN[0], lon=ORIGIN[1]).items)
    assert got == (both if winner == "a" else both[::-1])
    # Without a point, relevance alone decides (a tie goes to the newer, b).
    by_relevance = ids(run(session, q="copper").items)
    assert by_relevance == (both if weight[a[0]] > weight[b[0]] else both[::-1])


# --- filters ------------------------------------------------------------------------------


def test_category_group_covers_its_subcategories_and_a_leaf_only_itself(
    session: Session, seller: User
) -> None:
    sofa = listing(session, seller, category="sofas")
    table = listing(session, seller, category="tables")
    lamp = listing(session, seller, category="lighting")
    assert set(found(session, category="furniture")) == {lid(sofa), lid(table)}
    assert found(session, category="tables") == [lid(table)]
    assert found(session, category="home") == [lid(lamp)]
    assert found(session, category="bikes") == []
    # With words and a point too (another access path on SQLite).
    assert set(found(session, category="furniture", lat=ORIGIN[0], lon=ORIGIN[1])) == {
        lid(sofa),
        lid(table),
    }
    near = {"lat": ORIGIN[0], "lon": ORIGIN[1], "radius_km": 50}
    assert set(found(session, category="furniture", **near)) == {lid(sofa), lid(table)}
    assert found(session, category="sofas", q="oak", **near) == [lid(sofa)]
    assert found(session, category="home", q="oak", **near) == [lid(lamp)]


def test_price_bounds_are_inclusive(session: Session, seller: User) -> None:
    by_price = {
        p: lid(listing(session, seller, price_cents=p)) for p in (999, 1000, 1500, 2000, 2001)
    }
    assert set(found(session, min_price=1000, max_price=2000, currency="EUR")) == {
        by_price[1000],
        by_price[1500],
        by_price[2000],
    }
    assert set(found(session, min_price=2000, currency="EUR")) == {by_price[2000], by_price[2001]}
    assert set(found(session, max_price=999, currency="EUR")) == {by_price[999]}
    assert found(session, min_price=1500, max_price=1500, currency="EUR") == [by_price[1500]]
    assert found(session, min_price=0, max_price=998, currency="EUR") == []


def test_a_price_bound_holds_only_listings_priced_in_its_currency(
    session: Session, seller: User
) -> None:
    """800 yuan is not 800 euros: a bound compares prices in one currency, and without a
    bound every currency is listed."""
    euros = lid(listing(session, seller, price_cents=80_000, currency="EUR"))
    yuan = lid(listing(session, seller, price_cents=80_000, currency="CNY"))
    cheap_yuan = lid(listing(session, seller, price_cents=5_000, currency="CNY"))
    assert set(found(session, max_price=100_000, currency="CNY")) == {yuan, cheap_yuan}
    assert found(session, min_price=10_000, currency="CNY") == [yuan]
    assert found(session, min_price=10_000, currency="EUR") == [euros]
    assert found(session, min_price=10_000, currency="GBP") == []
    assert set(found(session, currency="GBP")) == {euros, yuan, cheap_yuan}  # no bound


def test_conditions(session: Session, seller: User) -> None:
    made = {c: lid(listing(session, seller, condition=c)) for c in Condition}
    assert found(session, conditions=(Condition.FAIR,)) == [made[Condition.FAIR]]
    assert set(found(session, conditions=(Condition.NEW_WITH_TAGS, Condition.LIKE_NEW))) == {
        made[Condition.NEW_WITH_TAGS],
        made[Condition.LIKE_NEW],
    }
    assert set(found(session, conditions=())) == set(made.values())


def test_seller_filter(session: Session, seller: User) -> None:
    other = make_user(session)
    mine = {lid(listing(session, seller)) for _ in range(3)}
    theirs = lid(listing(session, other))
    assert set(found(session, seller_id=seller.id)) == mine
    assert found(session, seller_id=other.id, q="oak") == [theirs]
    assert found(session, seller_id=other.id, q="walnut") == []


def test_only_items_with_photos(session: Session, seller: User) -> None:
    with_one = listing(session, seller, photos=0)
    add_photo_rows(session, with_one, 0)
    with_three = listing(session, seller, photos=0)
    add_photo_rows(session, with_three, 0, 1, 2)
    bare = listing(session, seller, photos=0)
    assert set(found(session, with_photos=True)) == {lid(with_one), lid(with_three)}
    assert set(found(session, with_photos=False)) == {lid(with_one), lid(with_three), lid(bare)}
    assert set(found(session, with_photos=True, lat=ORIGIN[0], lon=ORIGIN[1], radius_km=5)) == {
        lid(with_one),
        lid(with_three),
    }


@pytest.mark.parametrize("dense", [False, True], ids=["sparse-box", "dense-box"])
@pytest.mark.parametrize("sort", ALL_SORTS)
def test_within_radius_is_an_exact_circle(
    session: Session,
    seller: User,
    monkeypatch: pytest.MonkeyPatch,
    sort: Sort,
    dense: bool,
) -> None:
    if dense:  # SQLite walks the sort index instead of the point index for a dense box
        monkeypatch.setattr(search_module, "DENSE_BOX", 1)
    radius = 10.0
    inside = {
        lid(listing(session, seller, **at(km, bearing)))
        for km, bearing in [
            (0.0, 0),
            (radius - 0.001, 0),  # one metre inside, due north
            (radius - 0.001, 45),  # ... towards a box corner
            (radius - 0.001, 135),
            (radius - 0.001, 270),
            (4.0, 200),
        ]
    }
    outside = []
    for km, bearing in [(radius + 0.001, 0), (radius + 0.001, 90)] + [
        (radius * 1.3, b) for b in (45, 135, 225, 315)
    ]:
        point = at(km, bearing)
        outside.append(lid(listing(session, seller, **point)))
        if km > radius * 1.2:  # the corners: inside the box, outside the circle
            min_lat, max_lat, min_lon, max_lon = bounding_box(*ORIGIN, radius)
            assert min_lat <= point["lat"] <= max_lat and min_lon <= point["lon"] <= max_lon
            assert haversine_km(*ORIGIN, point["lat"], point["lon"]) > radius
    got = found(session, lat=ORIGIN[0], lon=ORIGIN[1], radius_km=radius, sort=sort)
    assert set(got) == inside
    with_words = found(session, q="oak", lat=ORIGIN[0], lon=ORIGIN[1], radius_km=radius, sort=sort)
    assert set(with_words) == inside
    in_category = found(
        session, category="furniture", lat=ORIGIN[0], lon=ORIGIN[1], radius_km=radius, sort=sort
    )
    assert set(in_category) == inside


def test_a_sort_never_hides_listings(session: Session, seller: User) -> None:
    """Sorting reorders the same listings; it does not filter any out."""
    near = listing(session, seller, **at(3))
    far = listing(session, seller, **at(150, 160))
    expected = {lid(near), lid(far)}
    for sort in ALL_SORTS:
        assert set(found(session, lat=ORIGIN[0], lon=ORIGIN[1], sort=sort)) == expected, sort


def test_nearest_without_a_radius_finds_listings_beyond_500_km(
    session: Session, seller: User
) -> None:
    paris = listing(session, seller, **at(1))
    berlin = listing(session, seller, lat=52.52, lon=13.405)  # about 880 km from Paris
    for sort in ALL_SORTS:
        got = found(session, lat=ORIGIN[0], lon=ORIGIN[1], sort=sort)
        assert set(got) == {lid(paris), lid(berlin)}, sort


# --- status -------------------------------------------------------------------------------


def test_only_active_listings_are_found(session: Session, seller: User) -> None:
    active = listing(session, seller, title="Wool blanket")
    for status in (
        ListingStatus.DRAFT,
        ListingStatus.RESERVED,
        ListingStatus.SOLD,
        ListingStatus.WITHDRAWN,
    ):
        listing(session, seller, title="Wool blanket", status=status)
    for fields in (
        {},
        {"q": "wool"},
        {"lat": ORIGIN[0], "lon": ORIGIN[1], "sort": Sort.NEAREST},
        {"lat": ORIGIN[0], "lon": ORIGIN[1], "radius_km": 20},
        {"sort": Sort.PRICE_ASC},
        {"category": "tables"},
        {"seller_id": seller.id},
    ):
        assert found(session, **fields) == [lid(active)], fields


@pytest.mark.parametrize(
    "change", ["withdraw", ListingStatus.RESERVED, ListingStatus.SOLD, ListingStatus.DRAFT]
)
def test_leaving_the_market_disappears_at_once(
    session: Session, seller: User, change: str | ListingStatus
) -> None:
    staying = listing(session, seller, title="Steel desk lamp")
    leaving = listing(session, seller, title="Steel desk lamp")
    queries: list[dict[str, Any]] = [
        {"q": "steel"},
        {},
        {"lat": ORIGIN[0], "lon": ORIGIN[1], "sort": Sort.NEAREST},
    ]
    for fields in queries:
        assert set(found(session, **fields)) == {lid(staying), lid(leaving)}
    if change == "withdraw":
        withdraw(session=session, listing=leaving)
    else:
        leaving.status = ListingStatus(change)
        session.add(leaving)
        session.flush()
    for fields in queries:
        assert found(session, **fields) == [lid(staying)], fields


# --- sorts and keyset pages over a generated market ------------------------------------------

VOCABULARY = [
    "oak",
    "walnut",
    "teak",
    "pine",
    "brass",
    "copper",
    "steel",
    "glass",
    "linen",
    "wool",
    "velvet",
    "leather",
    "lamp",
    "desk",
    "chair",
    "sofa",
    "mirror",
    "red",
    "blue",
    "green",
    "amber",
]
RING_KM = (0.2, 0.8, 1.2, 2.2, 3.0, 4.6, 6.0, 8.0, 12.0, 18.0, 24.0, 30.0, 45.0, 60.0, 90.0)
FAR_KM = (110.0, 200.0, 300.0, 450.0)


@dataclass
class Item:
    """What the test knows about a listing it made: enough to rank it independently."""

    id: int
    title: set[str]
    brand: set[str]
    body: set[str]
    lat: float
    lon: float
    published_at: datetime
    price_cents: int
    category: str
    condition: Condition
    seller_id: int
    photos: bool
    words: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.words = self.title | self.brand | self.body


def build_market(session: Session, seed: int = 7, count: int = 42) -> list[Item]:
    """Listings spread over every distance ring, with ties in point, time and price."""
    rng = random.Random(seed)
    sellers = [make_user(session) for _ in range(3)]
    moments = [NOW - timedelta(minutes=rng.randrange(10_000)) for _ in range(count // 3)]
    prices = [rng.randrange(100, 50_000) for _ in range(count // 3)]
    items: list[Item] = []
    for n in range(count):
        if items and n % 7 == 0:  # the very same point as another listing
            twin = rng.choice(items)
            lat, lon = twin.lat, twin.lon
        else:
            km = rng.choice(RING_KM + FAR_KM if n % 5 else RING_KM)
            lat, lon = point_at(*ORIGIN, km * rng.uniform(0.9, 1.1), rng.uniform(0, 360))
        title = rng.sample(VOCABULARY, 2)
        brand = [rng.choice(VOCABULARY)] if rng.random() < 0.4 else []
        body = rng.sample(VOCABULARY, 3)
        photos = rng.random() < 0.7
        seller, published, price = rng.choice(sellers), rng.choice(moments), rng.choice(prices)
        category = rng.choice(("sofas", "chairs", "lighting", "desks", "decor"))
        condition = rng.choice(list(Condition))
        made = listing(
            session,
            seller,
            title=" ".join(title).capitalize(),
            brand=brand[0].upper() if brand else None,
            description=", ".join(body).capitalize() + ".",
            lat=lat,
            lon=lon,
            published_at=published,
            price_cents=price,
            category=category,
            condition=condition,
        )
        if photos:
            add_photo_rows(session, made, *range(rng.randint(1, 3)))
        items.append(
            Item(
                id=lid(made),
                title=set(title),
                brand=set(brand),
                body=set(body),
                lat=lat,
                lon=lon,
                published_at=published,
                price_cents=price,
                category=category,
                condition=condition,
                seller_id=seller.id or 0,
                photos=photos,
            )
        )
    # A few listings that must never show up.
    for status in (ListingStatus.DRAFT, ListingStatus.SOLD, ListingStatus.WITHDRAWN):
        listing(session, sellers[0], title="Oak lamp", status=status, **at(0.5))
    return items


GROUPS = {"furniture": {"sofas", "chairs", "desks"}, "home": {"lighting", "decor"}}


def expected_order(items: Sequence[Item], query: SearchQuery) -> list[tuple[int, float | None]]:
    """The ids (and distances) a query must return, in order, computed from the rules."""
    words = [w for w in query.q.lower().split() if w in VOCABULARY]
    point = (query.lat, query.lon) if query.lat is not None and query.lon is not None else None

    def km(item: Item) -> float | None:
        return None if point is None else haversine_km(point[0], point[1], item.lat, item.lon)

    def keep(item: Item) -> bool:
        if not all(w in item.words for w in words):
            return False
        if query.category and item.category not in GROUPS.get(query.category, {query.category}):
            return False
        if query.min_price is not None and item.price_cents < query.min_price:
            return False
        if query.max_price is not None and item.price_cents > query.max_price:
            return False
        if query.conditions and item.condition not in query.conditions:
            return False
        if query.seller_id is not None and item.seller_id != query.seller_id:
            return False
        if query.with_photos and not item.photos:
            return False
        distance = km(item)
        return query.radius_km is None or (distance is not None and distance <= query.radius_km)

    def relevance(item: Item) -> int:
        return sum(4 if w in item.title else 3 if w in item.brand else 1 for w in words)

    chosen = [item for item in items if keep(item)]
    sort = query.sort
    if sort is Sort.BEST and not words and point is None:
        sort = Sort.NEWEST
    if sort is Sort.BEST:
        chosen.sort(
            key=lambda i: (
                2 * relevance(i) - (bucket(km(i)) if point else 0),  # type: ignore[arg-type]
                i.published_at,
                i.id,
            ),
            reverse=True,
        )
    elif sort is Sort.NEAREST:
        chosen.sort(key=lambda i: (km(i), i.id))
    elif sort is Sort.NEWEST:
        chosen.sort(key=lambda i: (i.published_at, i.id), reverse=True)
    elif sort is Sort.PRICE_ASC:
        chosen.sort(key=lambda i: (i.price_cents, i.id))
    else:
        chosen.sort(key=lambda i: (i.price_cents, i.id), reverse=True)
    return [(item.id, km(item)) for item in chosen]


POINT = {"lat": ORIGIN[0], "lon": ORIGIN[1]}
VARIANTS: list[dict[str, Any]] = [
    {},
    {"q": "oak"},
    {"q": "Lamp oak"},
    {"q": "the red sofa"},
    POINT,
    {**POINT, "radius_km": 25.0},
    {**POINT, "radius_km": 3.0},
    {**POINT, "radius_km": 7.5},
    {**POINT, "radius_km": 500.0},
    {**POINT, "q": "oak"},
    {**POINT, "q": "walnut", "radius_km": 60.0},
    {
        **POINT,
        "category": "furniture",
        "min_price": 5_000,
        "max_price": 40_000,
        "currency": "EUR",
        "radius_km": 100,
    },
    {"category": "home", "conditions": (Condition.GOOD, Condition.FAIR), "with_photos": True},
    {**POINT, "with_photos": True, "conditions": (Condition.LIKE_NEW, Condition.GOOD)},
    {**POINT, "category": "chairs"},
]


@pytest.mark.parametrize("sort", ALL_SORTS)
def test_every_sort_walks_the_expected_order_page_by_page(session: Session, sort: Sort) -> None:
    items = build_market(session)
    seller_ids = sorted({i.seller_id for i in items})
    variants = [*VARIANTS, {"seller_id": seller_ids[1]}, {**POINT, "seller_id": seller_ids[0]}]
    checked = 0
    for variant in variants:
        if sort is Sort.NEAREST and "lat" not in variant:
            continue
        query = SearchQuery(**variant, sort=sort)
        want = expected_order(items, query)
        for limit in (3, 100):
            cards = walk(session, limit=limit, **variant, sort=sort)
            assert ids(cards) == [i for i, _ in want], (variant, limit)
            for card, (_, km) in zip(cards, want, strict=True):
                if km is None:
                    assert card.distance_km is None
                else:
                    assert card.distance_km == pytest.approx(km, abs=1e-6)
        checked += len(want) > 3
    assert checked >= 8, "the variants should find enough listings to need several pages"


@pytest.mark.parametrize("sort", [Sort.BEST, Sort.NEWEST, Sort.PRICE_ASC, Sort.PRICE_DESC])
def test_dense_box_walk_gives_the_same_order(
    session: Session, monkeypatch: pytest.MonkeyPatch, sort: Sort
) -> None:
    items = build_market(session, seed=11)
    monkeypatch.setattr(search_module, "DENSE_BOX", 1)  # every box counts as dense
    for radius in (3.0, 25.0, 500.0):
        query = SearchQuery(**POINT, radius_km=radius, sort=sort)
        want = [i for i, _ in expected_order(items, query)]
        assert ids(walk(session, limit=4, **POINT, radius_km=radius, sort=sort)) == want


TIERED_VARIANTS: list[dict[str, Any]] = [
    {"q": "oak"},
    {"q": "red lamp"},
    {"q": "blue oak walnut"},
    {"q": "red blue sofa lamp", **POINT},  # as many words as are read tier by tier
    {"q": "oak", **POINT},
    {"q": "green", **POINT, "radius_km": 30.0},
    {"q": "brass", **POINT, "radius_km": 3.0},
    {"q": "chair", "category": "furniture", "with_photos": True, **POINT},
    {
        "q": "amber",
        "conditions": (Condition.GOOD, Condition.NEW_WITH_TAGS),
        "max_price": 30_000,
        "currency": "EUR",
    },
    {"q": "oak walnut teak pine brass"},  # more words than are ever read tier by tier
]


@pytest.mark.parametrize("dense", [False, True], ids=["sparse-box", "dense-box"])
def test_best_match_read_tier_by_tier_gives_the_same_order(
    session: Session, monkeypatch: pytest.MonkeyPatch, dense: bool
) -> None:
    """A popular word is read relevance tier by tier: the order must not change."""
    items = build_market(session, seed=3)
    monkeypatch.setattr(search_module, "TIERED_MATCHES", 1)  # every word counts as popular
    if dense:
        monkeypatch.setattr(search_module, "DENSE_BOX", 1)
    for variant in TIERED_VARIANTS:
        want = expected_order(items, SearchQuery(**variant))
        for limit in (2, 5):
            cards = walk(session, limit=limit, **variant)
            assert ids(cards) == [i for i, _ in want], (variant, limit)
            for card, (_, km) in zip(cards, want, strict=True):
                assert (card.distance_km is None) == (km is None)


def test_best_without_words_or_point_is_newest(session: Session, seller: User) -> None:
    old = listing(session, seller, published_at=NOW - timedelta(days=2))
    new = listing(session, seller, published_at=NOW)
    page = run(session, limit=1)
    assert ids(page.items) == [lid(new)]
    assert page.query.sort is Sort.BEST  # the page keeps what was asked
    # Its cursor is a "newest" cursor, and works with either sort name.
    assert ids(run(session, limit=1, cursor=page.next_cursor).items) == [lid(old)]
    assert ids(run(session, limit=1, cursor=page.next_cursor, sort=Sort.NEWEST).items) == [lid(old)]


def test_nearest_ties_in_distance_go_by_id(session: Session, seller: User) -> None:
    twins = [lid(listing(session, seller, **at(2.0, 30))) for _ in range(5)]
    nearer = lid(listing(session, seller, **at(1.0, 200)))
    got = ids(walk(session, limit=2, **POINT, sort=Sort.NEAREST))
    assert got == [nearer, *sorted(twins)]


def test_a_listing_exactly_on_the_origin(session: Session, seller: User) -> None:
    here = listing(session, seller, lat=ORIGIN[0], lon=ORIGIN[1])
    page = run(session, **POINT, sort=Sort.NEAREST, radius_km=1)
    assert ids(page.items) == [lid(here)]
    assert page.items[0].distance_km == pytest.approx(0.0, abs=1e-9)


def test_distance_is_exact_and_null_without_a_point(session: Session, seller: User) -> None:
    made = [listing(session, seller, **at(km, km * 37)) for km in (0.01, 0.7, 5.5, 42.0, 321.0)]
    cards = {c.id: c for c in run(session, **POINT, sort=Sort.NEAREST).items}
    for item in made:
        session.refresh(item)
        want = haversine_km(*ORIGIN, item.lat, item.lon)  # type: ignore[arg-type]
        assert cards[lid(item)].distance_km == pytest.approx(want, abs=1e-6)
    assert all(card.distance_km is None for card in run(session, q="oak").items)


# --- cursors ------------------------------------------------------------------------------


def cursor_of(payload: Any) -> str:
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",
        "!!!",
        cursor_of("not json"),
        cursor_of([1, 2]),
        cursor_of({"s": "newest"}),
        cursor_of({"s": "newest", "k": "2026-01-01T00:00:00+00:00"}),
        cursor_of({"s": "newest", "k": ["2026-01-01T00:00:00+00:00"]}),  # too short
        cursor_of({"s": "newest", "k": ["2026-01-01T00:00:00", 5]}),  # naive time
        cursor_of({"s": "newest", "k": ["yesterday", 5]}),
        cursor_of({"s": "newest", "k": ["2026-01-01T00:00:00+00:00", "5"]}),
        cursor_of({"s": "newest", "k": ["2026-01-01T00:00:00+00:00", 5.5]}),
        cursor_of({"s": "newest", "k": ["2026-01-01T00:00:00+00:00", True]}),
        cursor_of({"s": "newest", "k": [5, 5]}),
        cursor_of({"s": "price_asc", "k": [100, None]}),
        cursor_of('{"s":"nearest","k":[NaN,3]}'),
        cursor_of('{"s":"nearest","k":[Infinity,3]}'),
        cursor_of({"s": "nearest", "k": [1.5, 3]}),  # another sort's cursor
        cursor_of({"s": "best", "k": [1, "2026-01-01T00:00:00+00:00", 3]}),  # "best" is newest here
        cursor_of({"s": "sideways", "k": [1, 2]}),
    ],
)
def test_a_bad_cursor_is_refused(session: Session, cursor: str) -> None:
    with pytest.raises(InvalidSearch) as raised:
        run(session, cursor=cursor)
    assert raised.value.field == "cursor"
    assert raised.value.status_code == 422
    with pytest.raises(InvalidSearch):
        check(SearchQuery(cursor=cursor))


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ({"sort": Sort.NEWEST}, {"sort": Sort.PRICE_ASC}),
        ({"sort": Sort.PRICE_ASC}, {"sort": Sort.PRICE_DESC}),
        ({"sort": Sort.PRICE_DESC}, {"sort": Sort.NEWEST}),
        ({**POINT, "sort": Sort.NEAREST}, {**POINT, "sort": Sort.BEST}),
        ({**POINT, "sort": Sort.BEST}, {**POINT, "sort": Sort.NEAREST}),
        ({"q": "oak", "sort": Sort.BEST}, {"q": "oak", "sort": Sort.NEWEST}),
        ({"q": "oak", "sort": Sort.BEST}, {"sort": Sort.BEST}),  # best without words: newest
    ],
)
def test_a_cursor_from_another_sort_is_refused(
    session: Session, seller: User, first: dict[str, Any], then: dict[str, Any]
) -> None:
    for n in range(3):
        listing(session, seller, price_cents=1000 + n, **at(n + 1.0))
    page = run(session, limit=1, **first)
    assert page.next_cursor is not None
    with pytest.raises(InvalidSearch) as raised:
        run(session, limit=1, cursor=page.next_cursor, **then)
    assert raised.value.field == "cursor"


@pytest.mark.parametrize("sort", [Sort.NEWEST, Sort.PRICE_ASC, Sort.PRICE_DESC, Sort.NEAREST])
def test_new_listings_between_page_loads_do_not_break_the_walk(
    session: Session, seller: User, sort: Sort
) -> None:
    # In every one of these sorts, n = 0, 1, 2 ... is the order (price_desc: reversed).
    before = [
        lid(
            listing(
                session,
                seller,
                price_cents=1000 + 100 * n,
                published_at=NOW - timedelta(hours=n),
                **at(1.0 + n, 10 * n),
            )
        )
        for n in range(12)
    ]
    if sort is Sort.PRICE_DESC:
        before.reverse()
    assert ids(walk(session, limit=100, **POINT, sort=sort)) == before
    first = run(session, limit=4, **POINT, sort=sort)
    assert first.next_cursor is not None
    # Published meanwhile: one that sorts before the cursor, one that sorts after it.
    ahead = listing(
        session,
        seller,
        price_cents=500 if sort is not Sort.PRICE_DESC else 9999,
        published_at=NOW + timedelta(minutes=1),
        **at(0.1),
    )
    later = listing(
        session,
        seller,
        price_cents=1650 if sort is not Sort.PRICE_DESC else 1450,
        published_at=NOW - timedelta(hours=6, minutes=30),
        **at(7.5, 65),
    )
    # A listing already shown leaves the market.
    shown = session.get(Listing, first.items[0].id)
    assert shown is not None
    shown.status = ListingStatus.SOLD
    session.add(shown)
    session.flush()
    rest = ids(walk(session, limit=4, cursor=first.next_cursor, **POINT, sort=sort))
    got = ids(first.items) + rest
    assert len(got) == len(set(got)), "no listing twice"
    assert lid(ahead) not in got, "a listing sorting before the cursor is not shown late"
    assert lid(later) in rest, "a listing sorting after the cursor shows in its place"
    assert [i for i in got if i != lid(later)] == before, "no gap, same order"
    # 1650 / 1450 cents, 6.5 hours old, 7.5 km: right after the seventh of the twelve.
    assert got.index(lid(later)) == 7


# --- count_since --------------------------------------------------------------------------


def test_count_since(session: Session, seller: User) -> None:
    since = NOW - timedelta(hours=1)
    for minutes in (5, 10, 20, 30, 59):
        listing(session, seller, title="Blue chair", published_at=NOW - timedelta(minutes=minutes))
    listing(session, seller, title="Blue chair", published_at=since)  # not after it
    listing(session, seller, title="Blue chair", published_at=NOW - timedelta(hours=3))
    listing(session, seller, title="Red chair", published_at=NOW - timedelta(minutes=1))
    listing(
        session,
        seller,
        title="Blue chair",
        status=ListingStatus.SOLD,
        published_at=NOW - timedelta(minutes=1),
    )
    far = at(30)
    listing(session, seller, title="Blue chair", published_at=NOW - timedelta(minutes=2), **far)

    def count(cap: int = 99, **fields: Any) -> int:
        return count_since(session=session, query=SearchQuery(**fields), since=since, cap=cap)

    assert count() == 7  # 5 blue + the red + the far blue; the one at `since` is not after it
    assert count(q="blue") == 6
    assert count(q="blue", **POINT, radius_km=10) == 5
    assert count(q="red") == 1
    assert count(q="blue", **POINT, sort=Sort.NEAREST, limit=2) == 6  # sort and limit ignored
    assert count(category="bikes") == 0
    assert count(q="blue", cursor="garbage-is-ignored") == 6
    # Counting stops past the cap: cap + 1 says "more than cap".
    assert count(cap=3) == 4
    assert count(q="blue", cap=6) == 6
    assert count(q="blue", cap=5) == 6


# --- what a search sends to the database -----------------------------------------------------


def test_a_page_costs_the_same_few_statements_whatever_its_size(
    session: Session, seller: User
) -> None:
    """The id query, then one query for every card: no query per listing (and at most two
    more, to size a box and a word's matches)."""
    for n in range(30):
        made = listing(session, seller, title=f"Glass vase {n}", **at(n))
        add_photo_rows(session, made, 0, 1)
    for fields in ({}, {"q": "glass"}, {**POINT, "q": "vase", "radius_km": 100}):
        counts = []
        for limit in (2, 24):
            with capture_sql(session) as calls:
                page = run(session, limit=limit, **fields)
            assert len(page.items) == limit
            assert sum("listing_photos" in sql for sql, _ in calls) == 1, "cards in one query"
            counts.append(len(calls))
        assert counts[0] == counts[1] <= 4, (fields, counts)


def test_cards_show_the_first_photo_by_position(session: Session, seller: User) -> None:
    made = listing(session, seller, title="Green armchair", brand="Habitat", place_name="Paris")
    add_photo_rows(session, made, 7, 2, 4)  # the lowest id is not the first photo
    plain = listing(session, seller, title="Green stool")
    card = load_cards(session=session, ids=[lid(made)], point=ORIGIN)[lid(made)]
    assert card.photo_key == f"fake-{lid(made)}-2"
    assert (card.title, card.brand, card.seller_name) == (
        "Green armchair",
        "Habitat",
        seller.display_name,
    )
    assert card.distance_km == pytest.approx(
        haversine_km(*ORIGIN, seller.lat, seller.lon), abs=1e-6
    )  # type: ignore[arg-type]
    cards = load_cards(session=session, ids=[lid(plain)])
    assert cards[lid(plain)].photo_key is None
    assert cards[lid(plain)].distance_km is None
    assert load_cards(session=session, ids=[]) == {}


def test_empty_result(session: Session, seller: User) -> None:
    listing(session, seller)
    for sort in ALL_SORTS:
        page = run(session, q="zeppelin", **POINT, sort=sort)
        assert page.items == [] and page.next_cursor is None


# --- effective() and check(), no database ----------------------------------------------------


def test_effective_turns_rankless_best_into_newest() -> None:
    assert effective(SearchQuery()).sort is Sort.NEWEST
    assert effective(SearchQuery(q="the of a")).sort is Sort.NEWEST
    assert effective(SearchQuery(q="oak")).sort is Sort.BEST
    assert effective(SearchQuery(lat=1.0, lon=2.0)).sort is Sort.BEST
    assert effective(SearchQuery(sort=Sort.PRICE_ASC)).sort is Sort.PRICE_ASC


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"category": "spaceships"}, "category"),
        ({"min_price": -1}, "min_price"),
        ({"max_price": -1}, "max_price"),
        ({"min_price": 500, "max_price": 499}, "min_price"),
        ({"min_price": 500}, "currency"),
        ({"max_price": 500, "currency": "XYZ"}, "currency"),
        ({"currency": "eur"}, "currency"),
        ({"lat": 10.0}, "lon"),
        ({"lon": 10.0}, "lat"),
        ({"lat": 90.0001, "lon": 0.0}, "lat"),
        ({"lat": -91.0, "lon": 0.0}, "lat"),
        ({"lat": 0.0, "lon": 180.5}, "lon"),
        ({"lat": 0.0, "lon": -181.0}, "lon"),
        ({"lat": 0.0, "lon": 0.0, "radius_km": 0.0}, "radius_km"),
        ({"lat": 0.0, "lon": 0.0, "radius_km": -5.0}, "radius_km"),
        ({"lat": 0.0, "lon": 0.0, "radius_km": 500.01}, "radius_km"),
        ({"radius_km": 5.0}, "radius_km"),
        ({"sort": Sort.NEAREST}, "sort"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"cursor": "nope"}, "cursor"),
    ],
)
def test_check_names_the_bad_parameter(fields: dict[str, Any], bad: str) -> None:
    with pytest.raises(InvalidSearch) as raised:
        check(SearchQuery(**fields))
    assert raised.value.field == bad
    assert raised.value.detail()[0]["loc"] == ["query", bad]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"lat": 90.0, "lon": 180.0, "radius_km": 500.0, "sort": Sort.NEAREST},
        {"lat": -90.0, "lon": -180.0, "radius_km": 0.001},
        {"min_price": 0, "max_price": 0, "currency": "CNY"},
        {"currency": "GBP"},
        {"limit": 1},
        {"limit": 100},
        {"category": "furniture"},
        {"category": "sofas"},
    ],
)
def test_check_accepts_the_edges(fields: dict[str, Any]) -> None:
    assert check(SearchQuery(**fields)) == SearchQuery(**fields)


def test_search_near_a_pole_and_the_antimeridian(session: Session, seller: User) -> None:
    """The box widens to every longitude there; the circle must still be exact."""
    east = listing(session, seller, lat=-16.5, lon=179.95)
    west = listing(session, seller, lat=-16.5, lon=-179.95)
    listing(session, seller, lat=-16.5, lon=178.0)  # ~213 km away
    got = found(session, lat=-16.5, lon=179.99, radius_km=50, sort=Sort.NEAREST)
    assert got == [lid(east), lid(west)]
    north = listing(session, seller, lat=89.9, lon=0.0)
    other_side = listing(session, seller, lat=89.9, lon=180.0)
    assert set(found(session, lat=89.95, lon=90.0, radius_km=30)) == {lid(north), lid(other_side)}
