"""listings.search.matches: the predicate accepts exactly the listings the SQL search returns,
on the parity fixtures (both databases)."""

from __future__ import annotations

import random

from sqlalchemy.engine import Engine
from sqlmodel import select

from listings.models import Listing
from listings.search import SearchQuery, matches
from tests.factories import generated_listings, insert_listings, make_user
from tests.listings.test_search_parity import (
    CITIES,
    FIRST_LISTING_ID,
    FIRST_USER_ID,
    NOW,
    QUERIES,
    SEED,
    both_databases,
    walk,
)


def test_matches_accepts_what_the_sql_search_returns(
    sqlite_engine: Engine, postgresql_engine: Engine
) -> None:
    rng = random.Random(SEED)
    seller_ids = [FIRST_USER_ID + n for n in range(6)]
    rows, photos = generated_listings(
        rng, count=400, seller_ids=seller_ids, places=CITIES, first_id=FIRST_LISTING_ID, now=NOW
    )
    has_photos = {row["id"]: bool(pics) for row, pics in zip(rows, photos, strict=True)}
    with both_databases(sqlite_engine, postgresql_engine) as sessions:
        for session in sessions:
            for user_id in seller_ids:
                make_user(session, id=user_id, email=f"match{user_id}@example.com")
            insert_listings(session, rows, photos)
            listings = list(session.exec(select(Listing)).all())
            found_some = 0
            for fields in QUERIES:
                query = SearchQuery(**fields)
                by_sql = {card.id for items, _ in walk(session, fields) for card in items}
                by_predicate = {
                    listing.id
                    for listing in listings
                    if matches(query, listing, has_photos=has_photos[listing.id or 0])
                }
                assert by_predicate == by_sql, fields
                found_some += bool(by_sql)
            assert found_some >= len(QUERIES) // 2
