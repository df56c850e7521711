"""No search scans the whole listing table: proved with each database's query plan.

``listings.search.explain`` runs a search and returns every statement it sent with the
database's plan for it. Over a few hundred listings (so plans are realistic) and a matrix
of query shapes, no plan may read the listings table in full.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from listings.models import Condition
from listings.schemas import Sort
from listings.search import SearchQuery, capture_sql, count_since, explain, search
from listings.search import run as search_module
from resale.core.db import utcnow
from resale.core.geo import PLACES_BY_SLUG
from tests.factories import generated_listings, insert_listings, make_user

HOME = PLACES_BY_SLUG["paris-marais"]
POINT = {"lat": HOME.lat, "lon": HOME.lon}

# A full scan of the listings table (not of listings_fts, the FTS5 table: \b stops there).
SQLITE_FULL_SCAN = re.compile(r"\bSCAN listings\b(?! USING)")
SQLITE_INDEX_WALK = re.compile(r"\bSCAN listings USING (?:COVERING )?INDEX (\w+)")
POSTGRES_FULL_SCAN = re.compile(r"Seq Scan on listings\b")


def deep_cursor(session: Session, fields: dict[str, Any], pages: int = 4) -> str:
    """The cursor of a page well inside the results."""
    cursor = None
    for _ in range(pages):
        page = search(session=session, query=SearchQuery(**fields, limit=10, cursor=cursor))
        assert page.next_cursor is not None, "the data should fill several pages"
        cursor = page.next_cursor
    assert cursor is not None
    return cursor


SHAPES: dict[str, dict[str, Any]] = {
    "text only": {"q": "chair"},
    "two words": {"q": "good condition"},
    "text, category, radius": {"q": "table", "category": "furniture", **POINT, "radius_km": 10},
    "text, point, best": {"q": "black", **POINT},
    "text, conditions, prices": {
        "q": "size",
        "conditions": (Condition.GOOD, Condition.LIKE_NEW),
        "min_price": 500,
        "max_price": 50_000,
        "currency": "EUR",
    },
    "filters, radius, nearest": {
        "category": "furniture",
        "min_price": 1000,
        "max_price": 100_000,
        "currency": "EUR",
        **POINT,
        "radius_km": 25,
        "sort": Sort.NEAREST,
    },
    "nearest, no radius": {**POINT, "sort": Sort.NEAREST},
    "empty, radius, newest": {**POINT, "radius_km": 5, "sort": Sort.NEWEST},
    "price_asc": {"sort": Sort.PRICE_ASC},
    "price_desc": {"sort": Sort.PRICE_DESC},
    "price_asc, radius": {**POINT, "radius_km": 10, "sort": Sort.PRICE_ASC},
    "price_desc, radius": {**POINT, "radius_km": 50, "sort": Sort.PRICE_DESC},
    "best without words, point": {**POINT},
    "best without words, point, radius": {**POINT, "radius_km": 8},
    "seller": {"seller_id": "first seller"},
    "seller, point": {"seller_id": "first seller", **POINT, "sort": Sort.NEAREST},
    "with photos": {"with_photos": True},
    "with photos, radius": {"with_photos": True, **POINT, "radius_km": 5},
    "conditions": {"conditions": (Condition.FAIR, Condition.FOR_PARTS)},
    "category only": {"category": "electronics"},
    "leaf category, newest": {"category": "sofas", "sort": Sort.NEWEST},
    "category, radius": {"category": "women", **POINT, "radius_km": 20},
    "no filters, newest": {"sort": Sort.NEWEST},
    "no filters, best": {},
}
DEEP: dict[str, dict[str, Any]] = {
    "deep page, newest": {"sort": Sort.NEWEST},
    "deep page, nearest across rings": {**POINT, "sort": Sort.NEAREST},
    "deep page, best without words": {**POINT},
    "deep page, words": {"q": "good"},
    "deep page, price_asc, radius": {**POINT, "radius_km": 30, "sort": Sort.PRICE_ASC},
}


@pytest.fixture
def market(session: Session) -> list[int]:
    """A few hundred listings around Paris, Lyon and Berlin; the database's statistics."""
    sellers = [make_user(session) for _ in range(8)]
    rows, photos = generated_listings(
        random.Random(20261122),
        count=400,
        seller_ids=[s.id or 0 for s in sellers],
        places=("paris-marais", "paris-montmartre", "lyon-presquile", "berlin-mitte"),
        now=utcnow(),
    )
    insert_listings(session, rows, photos)
    if session.get_bind().dialect.name == "postgresql":
        # The rows just written wait in the GIN index's pending list (autovacuum would
        # merge it; it cannot run inside this transaction), and the planner shuns an index
        # with a long pending list: merge it now. Then statistics for these rows (ANALYZE
        # sees this transaction's rows), then no sequential scan unless nothing else can
        # answer: with tiny tables the planner rightly prefers to read everything, which
        # would prove nothing here.
        session.execute(sa.text("SELECT gin_clean_pending_list('ix_listings_search_vector')"))
        session.execute(sa.text("ANALYZE listings"))
        session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    return [s.id or 0 for s in sellers]


def check_plans(
    backend: str, name: str, plans: list[tuple[str, list[str]]], *, words: bool = False
) -> None:
    assert plans, f"{name}: no statement ran"
    assert any("listings" in sql for sql, _ in plans)
    if words:  # the words themselves are looked up in the full-text index
        index = (
            "SCAN listings_fts VIRTUAL TABLE"
            if backend == "sqlite"
            else "ix_listings_search_vector"
        )
        text_plans = [lines for sql, lines in plans if "listings_fts" in sql or "@@" in sql]
        assert text_plans, f"{name}: no full-text statement"
        for lines in text_plans:
            assert any(index in line for line in lines), f"{name}:\n" + "\n".join(lines)
    for sql, lines in plans:
        shown = f"{name}:\n{sql}\n" + "\n".join(lines)
        if backend == "sqlite":
            assert not any(SQLITE_FULL_SCAN.search(line) for line in lines), shown
            for line in lines:
                walked = SQLITE_INDEX_WALK.search(line)
                if walked:
                    # Allowed: an ordered walk of a partial, active-only index (so sold and
                    # withdrawn listings are not even in it) in the ORDER BY's own order, that
                    # stops as soon as LIMIT rows matched; no sort step may follow it.
                    assert walked.group(1).startswith("ix_listings_active_"), shown
                    assert not any("TEMP B-TREE FOR ORDER BY" in x for x in lines), shown
        else:
            assert not any(POSTGRES_FULL_SCAN.search(line) for line in lines), shown


def resolve(fields: dict[str, Any], sellers: list[int]) -> dict[str, Any]:
    if fields.get("seller_id") == "first seller":
        return {**fields, "seller_id": sellers[0]}
    return fields


def test_no_search_scans_the_whole_listing_table(
    session: Session, market: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = session.get_bind().dialect.name
    shapes = {name: resolve(fields, market) for name, fields in SHAPES.items()}
    for name, fields in DEEP.items():
        shapes[name] = {**fields, "cursor": deep_cursor(session, fields), "limit": 10}
    assert len(shapes) >= 15
    # SQLite also chooses, per box, between the point index (sparse box) and the sort index
    # (dense box, counted up to DENSE_BOX), and for a popular word (TIERED_MATCHES or more
    # matches) reads "best match" tier by tier: check every way. PostgreSQL's planner chooses.
    modes = ["plain", "tiered"] + (["dense", "dense+tiered"] if backend == "sqlite" else [])
    for mode in modes:
        with monkeypatch.context() as patch:
            if "dense" in mode:
                patch.setattr(search_module, "DENSE_BOX", 1)  # every box counts as dense
            if "tiered" in mode:
                patch.setattr(search_module, "TIERED_MATCHES", 1)  # every word is popular
            statements = 0
            for name, fields in shapes.items():
                plans = explain(session=session, query=SearchQuery(**fields))
                words = bool(fields.get("q")) and mode == "plain"
                check_plans(backend, f"{name} ({mode})", plans, words=words)
                statements += len(plans)
            assert statements >= 2 * len(shapes)  # an id query and a card query at least


def test_the_plan_check_catches_a_full_scan(session: Session, market: list[int]) -> None:
    """A query no index can serve must fail the check, or the check proves nothing."""
    backend = session.get_bind().dialect.name
    sql = "SELECT id, title FROM listings WHERE length(title) > 20"
    prefix = "EXPLAIN QUERY PLAN " if backend == "sqlite" else "EXPLAIN "
    rows = session.connection().exec_driver_sql(prefix + sql).all()
    lines = [str(row[-1] if backend == "sqlite" else row[0]) for row in rows]
    if backend == "sqlite":
        # The rowid walk of the whole table is how SQLite reports it.
        assert any(SQLITE_FULL_SCAN.search(line) for line in lines), lines
    else:
        assert any(POSTGRES_FULL_SCAN.search(line) for line in lines), lines
    with pytest.raises(AssertionError):
        check_plans(backend, "full scan", [(sql, lines)])
    # And a text search that would not touch the full-text index is caught too.
    with pytest.raises(AssertionError):
        check_plans(
            backend, "words", [("listings_fts @@", ["SEARCH listings USING INDEX x"])], words=True
        )


def reads_every_active_listing(backend: str, lines: list[str]) -> bool:
    """Whether a plan reads every (active) listing: a full scan, or an index read without
    any condition whose rows must then all be sorted (it cannot stop at the LIMIT)."""
    sorts = any("TEMP B-TREE FOR ORDER BY" in x or x.strip().startswith("->  Sort") for x in lines)
    if backend == "sqlite":
        walks = any(SQLITE_INDEX_WALK.search(x) for x in lines)
        return any(SQLITE_FULL_SCAN.search(x) for x in lines) or (walks and sorts)
    if any(POSTGRES_FULL_SCAN.search(x) for x in lines):
        return True
    for i, line in enumerate(lines):
        index_read = re.search(
            r"(Bitmap Index Scan on|Index (Only )?Scan( Backward)? using) ix_listings_", line
        )
        if index_read:
            depth = len(line) - len(line.lstrip())
            details = []
            for after in lines[i + 1 :]:
                if len(after) - len(after.lstrip()) <= depth or "->" in after:
                    break
                details.append(after)
            bitmap = "Bitmap" in line
            if not any("Index Cond" in x for x in details) and (bitmap or sorts):
                return True
    return False


def test_nearest_far_from_every_listing_does_not_read_them_all(
    session: Session, market: list[int]
) -> None:
    """Without a radius "nearest" goes on ring by ring, each with its box, until the page is
    full: even from a point 1,500 km from any listing, no plan reads and sorts them all."""
    backend = session.get_bind().dialect.name
    atlantic = {"lat": 40.0, "lon": -30.0, "sort": Sort.NEAREST}
    page = search(session=session, query=SearchQuery(**atlantic))
    assert page.items, "the listings are still found, only farther away"
    for sql, lines in explain(session=session, query=SearchQuery(**atlantic)):
        if "listings" in sql and "listing_photos" not in sql:
            assert not reads_every_active_listing(backend, lines), f"{sql}\n" + "\n".join(lines)


def test_the_every_row_check_knows_a_bounded_read(session: Session, market: list[int]) -> None:
    """The check above flags what it should, and only that (it is no tautology)."""
    backend = session.get_bind().dialect.name
    bounded = explain(session=session, query=SearchQuery(**POINT, radius_km=5, sort=Sort.NEAREST))
    assert not any(reads_every_active_listing(backend, lines) for _, lines in bounded[:-1])
    if backend == "sqlite":
        flagged = [
            "SCAN listings USING INDEX ix_listings_active_published",
            "USE TEMP B-TREE FOR ORDER BY",
        ]
    else:
        flagged = [
            "Limit  (cost=1..2 rows=25 width=24)",
            "  ->  Sort  (cost=1..2 rows=116 width=32)",
            "        ->  Bitmap Heap Scan on listings  (cost=1..2 rows=116 width=32)",
            "              Recheck Cond: ((status)::text = 'active'::text)",
            "              ->  Bitmap Index Scan on ix_listings_active_point  (cost=0..1 rows=348 width=0)",
        ]
    assert reads_every_active_listing(backend, flagged)


def test_searches_find_something_here(session: Session, market: list[int]) -> None:
    """The matrix above is only worth something if its searches have rows to walk."""
    for name, fields in SHAPES.items():
        page = search(session=session, query=SearchQuery(**resolve(fields, market)))
        assert page.items, name


def test_count_since_reads_an_index_too(session: Session, market: list[int]) -> None:
    backend = session.get_bind().dialect.name
    since = utcnow()
    for fields in ({}, {"q": "chair"}, {**POINT, "radius_km": 10}, {"category": "furniture"}):
        with capture_sql(session) as calls:
            count_since(session=session, query=SearchQuery(**fields), since=since)
        connection = session.connection()
        plans = []
        for sql, params in calls:
            prefix = "EXPLAIN QUERY PLAN " if backend == "sqlite" else "EXPLAIN "
            rows = connection.exec_driver_sql(prefix + sql, params).all()
            plans.append((sql, [str(row[-1] if backend == "sqlite" else row[0]) for row in rows]))
        check_plans(backend, f"count_since {fields}", plans)
