"""The same search gives the same listings in the same order on SQLite and on PostgreSQL.

One test holds a session on each database at once, writes the very same generated
marketplace into both (explicit ids, so results compare), then walks every page of a few
dozen searches on both and compares them item by item. Each walk is also checked against
an order computed here in Python, so that both databases cannot agree on a wrong answer.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from listings.models import Condition, ListingStatus
from listings.schemas import ListingCard, Sort
from listings.search import SearchQuery, search
from listings.search import run as search_module
from listings.text import query_terms, terms
from resale.core import taxonomy
from resale.core.geo import PLACES_BY_SLUG, haversine_km
from tests.conftest import rolled_back_session
from tests.factories import generated_listings, insert_listings, make_listing, make_user

SEED = 20261122
NOW = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
CITIES = ("paris-marais", "paris-montmartre", "lyon-presquile", "london-camden")
FIRST_USER_ID, FIRST_LISTING_ID = 900_001, 700_001
PAGE = 7


def place(slug: str) -> dict[str, float]:
    found = PLACES_BY_SLUG[slug]
    return {"lat": found.lat, "lon": found.lon}


PARIS, LYON, LONDON = place("paris-marais"), place("lyon-presquile"), place("london-camden")
NOWHERE = {"lat": 47.3220, "lon": 5.0415}  # Dijon: no listing within 100 km
SELLER = FIRST_USER_ID + 2

QUERIES: list[dict[str, Any]] = [
    # no words: every sort
    {},
    {"sort": Sort.NEWEST},
    {"sort": Sort.PRICE_ASC},
    {"sort": Sort.PRICE_DESC},
    {"max_price": 2000, "currency": "EUR", "sort": Sort.NEWEST},
    {"min_price": 2000, "currency": "GBP", "sort": Sort.PRICE_DESC},
    # words matching many, few and no listings; AND; stop words; stems; accents
    {"q": "good"},
    {"q": "good", **PARIS},
    {"q": "good", **PARIS, "radius_km": 5},
    {"q": "good condition", "sort": Sort.PRICE_ASC},
    {"q": "in good shape for its age", "sort": Sort.NEWEST},
    {"q": "marks"},
    {"q": "working", **PARIS, "sort": Sort.NEAREST},
    {"q": "presqu'île"},
    {"q": "Presqu'Ile", "sort": Sort.NEWEST},
    {"q": "sézane"},
    {"q": "SEZANE", "sort": Sort.PRICE_DESC},
    {"q": "camden heavy", **LONDON},
    {"q": "zeppelin"},
    {"q": "good zeppelin", **PARIS},
    {"q": "pickup", "with_photos": True, "sort": Sort.PRICE_DESC},
    {"q": "good", "category": "women", **LONDON, "radius_km": 30},
    # a point: "best" without words walks distance buckets; "nearest" walks rings
    PARIS,
    {**PARIS, "radius_km": 3},
    {**PARIS, "radius_km": 50},
    {**PARIS, "sort": Sort.NEAREST},
    {**PARIS, "radius_km": 10, "sort": Sort.NEAREST},
    {**LYON, "radius_km": 2.5, "sort": Sort.NEAREST},
    {**LONDON, "radius_km": 15, "sort": Sort.NEWEST},
    {**PARIS, "radius_km": 25, "sort": Sort.PRICE_ASC},
    {**PARIS, "radius_km": 5, "sort": Sort.PRICE_DESC},
    {**NOWHERE, "sort": Sort.NEAREST},  # London is beyond the last ring (500 km) from there
    {**NOWHERE, "radius_km": 500, "sort": Sort.NEAREST},
    {**NOWHERE, "radius_km": 100},
    # filters
    {"category": "furniture", "sort": Sort.NEWEST},
    {"category": "furniture", **PARIS, "radius_km": 20, "sort": Sort.NEAREST},
    {"category": "sofas"},
    {
        "category": "electronics",
        "min_price": 5000,
        "max_price": 50000,
        "currency": "EUR",
        "sort": Sort.PRICE_ASC,
    },
    {"conditions": (Condition.GOOD, Condition.LIKE_NEW), "with_photos": True},
    {"conditions": (Condition.FOR_PARTS,), **PARIS},
    {"with_photos": True, **LYON},
    {"seller_id": SELLER, "sort": Sort.NEWEST},
    {"seller_id": SELLER, **PARIS, "sort": Sort.NEAREST},
    {"seller_id": SELLER, "q": "good", **LONDON},
]


@contextmanager
def both_databases(sqlite_engine: Engine, postgresql_engine: Engine) -> Iterator[list[Session]]:
    with ExitStack() as stack:
        yield [
            stack.enter_context(contextmanager(rolled_back_session)(engine))
            for engine in (sqlite_engine, postgresql_engine)
        ]


def walk(session: Session, fields: dict[str, Any]) -> list[tuple[list[ListingCard], str | None]]:
    pages: list[tuple[list[ListingCard], str | None]] = []
    cursor = None
    for _ in range(200):
        page = search(session=session, query=SearchQuery(**fields, limit=PAGE, cursor=cursor))
        pages.append((page.items, page.next_cursor))
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor
    raise AssertionError("the walk never ended")


def bucket(km: float) -> int:
    return sum(km >= edge for edge in (2, 5, 10, 20, 50, 100))


def expected_ids(
    rows: list[dict[str, Any]], photos: list[list[int]], fields: dict[str, Any]
) -> list[int]:
    """The ids a search must return, in order, from the rules (not from a database)."""
    query = SearchQuery(**fields)
    # Text normalisation itself is tested in test_search.py. These listings are written in
    # Latin letters, so no word is found by its pinyin (the Chinese test below covers that).
    words = query_terms(query.q)
    point = (query.lat, query.lon) if query.lat is not None and query.lon is not None else None
    leaves = set(taxonomy.leaf_slugs_under(query.category)) if query.category else None
    chosen = []
    for row, pics in zip(rows, photos, strict=True):
        title, brand = set(terms(row["title"])), set(terms(row["brand"]))
        every = title | brand | set(terms(row["description"]))
        km = haversine_km(point[0], point[1], row["lat"], row["lon"]) if point else None
        if (
            row["status"] is not ListingStatus.ACTIVE
            or not all(w in every for w in words)
            or (leaves is not None and row["category"] not in leaves)
            or (query.min_price is not None and row["price_cents"] < query.min_price)
            or (query.max_price is not None and row["price_cents"] > query.max_price)
            or (query.price_currency is not None and row["currency"] != query.price_currency)
            or (query.conditions and row["condition"] not in query.conditions)
            or (query.seller_id is not None and row["seller_id"] != query.seller_id)
            or (query.with_photos and not pics)
            or (query.radius_km is not None and km is not None and km > query.radius_km)
        ):
            continue
        relevance = sum(4 if w in title else 3 if w in brand else 1 for w in words)
        chosen.append((row, km, relevance))
    sort = query.sort
    if sort is Sort.BEST and not words and point is None:
        sort = Sort.NEWEST
    if sort is Sort.BEST:
        chosen.sort(
            key=lambda c: (
                2 * c[2] - (bucket(c[1]) if c[1] is not None else 0),
                c[0]["published_at"],
                c[0]["id"],
            ),
            reverse=True,
        )
    elif sort is Sort.NEAREST:
        chosen.sort(key=lambda c: (c[1], c[0]["id"]))
    elif sort is Sort.NEWEST:
        chosen.sort(key=lambda c: (c[0]["published_at"], c[0]["id"]), reverse=True)
    else:
        chosen.sort(
            key=lambda c: (c[0]["price_cents"], c[0]["id"]), reverse=sort is Sort.PRICE_DESC
        )
    return [c[0]["id"] for c in chosen]


@pytest.mark.parametrize("tiered", [False, True], ids=["ranked", "tiered"])
def test_same_query_same_listings_same_order_on_both_databases(
    sqlite_engine: Engine,
    postgresql_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    tiered: bool,
) -> None:
    assert len(QUERIES) >= 36
    queries = QUERIES
    if tiered:  # "best match" for a popular word is read relevance tier by tier
        monkeypatch.setattr(search_module, "TIERED_MATCHES", 1)
        queries = [q for q in QUERIES if q.get("q") and q.get("sort", Sort.BEST) is Sort.BEST]
        assert len(queries) >= 10
    rng = random.Random(SEED)
    seller_ids = [FIRST_USER_ID + n for n in range(6)]
    rows, photos = generated_listings(
        rng, count=400, seller_ids=seller_ids, places=CITIES, first_id=FIRST_LISTING_ID, now=NOW
    )
    with both_databases(sqlite_engine, postgresql_engine) as sessions:
        for session in sessions:
            for user_id in seller_ids:
                make_user(
                    session,
                    id=user_id,
                    email=f"parity{user_id}@example.com",
                    display_name=f"Seller {user_id}",
                )
            assert insert_listings(session, rows, photos) == [row["id"] for row in rows]
        sizes = []
        for fields in queries:
            lite, pg = (walk(session, fields) for session in sessions)
            label = f"{fields}: SQLite {len(lite)} pages, PostgreSQL {len(pg)}"
            assert [len(items) for items, _ in lite] == [len(items) for items, _ in pg], label
            for (lite_items, lite_next), (pg_items, pg_next) in zip(lite, pg, strict=True):
                assert (lite_next is None) == (pg_next is None), label
                if fields.get("sort") is not Sort.NEAREST:  # no float in the key: same cursor
                    assert lite_next == pg_next, label
                for a, b in zip(lite_items, pg_items, strict=True):
                    card_a, card_b = a.model_dump(), b.model_dump()
                    km_a, km_b = card_a.pop("distance_km"), card_b.pop("distance_km")
                    assert card_a == card_b, label
                    if km_a is None or km_b is None:
                        assert km_a is None and km_b is None and "lat" not in fields, label
                    else:
                        assert km_a == pytest.approx(km_b, abs=1e-9), label
            got = [card.id for items, _ in lite for card in items]
            assert got == expected_ids(rows, photos, fields), label
            sizes.append(len(got))
    # The queries cover many, few and no results, and long walks.
    assert sum(n == 0 for n in sizes) >= 2
    assert sum(1 <= n <= PAGE for n in sizes) >= 2
    assert sum(n > 5 * PAGE for n in sizes) >= (3 if tiered else 10)


def test_model_codes_match_the_same_listings_on_both_databases(
    sqlite_engine: Engine, postgresql_engine: Engine
) -> None:
    """PostgreSQL's text parser reads "2e5b" as a number (2e5) and a word (b), and "12e3x"
    as 12e3 and x; SQLite's FTS5 keeps one token each. Whatever is indexed, both databases
    must find exactly the listings whose terms are the words asked for."""
    codes = ("2e5b", "12e3x", "1e5", "3e", "x2", "0x1f", "500e")
    with both_databases(sqlite_engine, postgresql_engine) as sessions:
        found = []
        for session in sessions:
            seller = make_user(session)
            made = {
                code: make_listing(session, seller, title=f"Water filter {code}", photos=0).id
                for code in codes
            }
            names = {listing_id: code for code, listing_id in made.items()}
            found.append(
                {
                    q: sorted(
                        names[card.id]
                        for card in search(session=session, query=SearchQuery(q=q, limit=100)).items
                    )
                    for q in (*codes, "2e5", "12e3", "b", "x", "1e", "filter 2e5b", "0x1")
                }
            )
        want = {code: [code] for code in codes}
        want.update({"2e5": [], "12e3": [], "b": [], "x": [], "1e": [], "0x1": []})
        want["filter 2e5b"] = ["2e5b"]
        assert found[0] == want, "SQLite"
        assert found[1] == want, "PostgreSQL"


CHINESE = {
    "bike": ("九成新 山地自行车 捷安特", "捷安特", "自提，可小刀"),
    "sofa": ("布艺沙发 三人位", None, "九成新，自提"),
    "phone_cn": ("iPhone 12 国行 128G", "Apple", "电池健康 87%"),
    "kids_bike": ("自行車 兒童", None, "八成新"),  # written in traditional characters
    "phone_en": ("Apple iPhone 12, 128 GB", None, "Used, in good shape"),
    "helmet": ("山地车 头盔", None, "全新"),
}
CHINESE_QUERIES = {
    "自行车": ["bike", "kids_bike"],
    "自行車": ["bike", "kids_bike"],  # traditional finds simplified, and back
    "山地自行车": ["bike"],
    "山地": ["bike", "helmet"],
    "九成新": ["bike", "sofa"],
    "沙发": ["sofa"],
    "捷安特 自行车": ["bike"],
    "iphone 国行": ["phone_cn"],
    "128 gb": ["phone_cn", "phone_en"],
    "128gb": ["phone_cn", "phone_en"],
    "128G": ["phone_cn", "phone_en"],
    "１２８ＧＢ": ["phone_cn", "phone_en"],  # full-width
    "电脑": [],
    # pinyin: by its sound, joined or apart; Latin words that pinyin cannot spell stay Latin
    "zixingche": ["bike", "kids_bike"],
    "zi xing che": ["bike", "kids_bike"],
    "shafa": ["sofa"],
    "jieante zixingche": ["bike"],
    "shandi": ["bike", "helmet"],
    "iphone guo": ["phone_cn"],
}


@pytest.mark.parametrize("tiered", [False, True], ids=["ranked", "tiered"])
def test_chinese_and_mixed_words_match_the_same_listings_on_both_databases(
    sqlite_engine: Engine, postgresql_engine: Engine, monkeypatch: pytest.MonkeyPatch, tiered: bool
) -> None:
    from listings.search.match import matches

    if tiered:  # read relevance tier by tier, pinyin alternatives included
        monkeypatch.setattr(search_module, "TIERED_MATCHES", 1)
    with both_databases(sqlite_engine, postgresql_engine) as sessions:
        found = []
        for session in sessions:
            seller = make_user(session)
            made = {
                name: make_listing(
                    session, seller, title=title, brand=brand, description=text, photos=0
                )
                for name, (title, brand, text) in CHINESE.items()
            }
            names = {listing.id: name for name, listing in made.items()}
            results: dict[str, list[str]] = {}
            for q in CHINESE_QUERIES:
                query = SearchQuery(q=q, limit=100)
                got = sorted(names[c.id] for c in search(session=session, query=query).items)
                by_rule = sorted(
                    name
                    for name, listing in made.items()
                    if matches(query, listing, has_photos=False)
                )
                assert got == by_rule, f"{q}: the SQL and the Python predicate differ"
                results[q] = got
            found.append(results)
        want = {q: sorted(names) for q, names in CHINESE_QUERIES.items()}
        assert found[0] == want, "SQLite"
        assert found[1] == want, "PostgreSQL"
