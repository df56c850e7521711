"""Search: words, filters and distance together, one interface over SQLite and PostgreSQL.

How a search runs:

1. Words are folded and stemmed in Python (``listings.text``) and each listing
   keeps a search document of class-marked terms (in the title / brand / anywhere).
   Both databases index that same document (SQLite: FTS5; PostgreSQL: a GIN index
   on a stored tsvector), so both match exactly the same listings.
2. Relevance is the same on both databases: per word 4 if it is in the title,
   else 3 if in the brand, else 1. "Best match" is twice that, minus a distance
   bucket (0 under 2 km ... 6 beyond 100 km) when a point is known; ties go to the
   newest. (bm25 and ts_rank could never agree, and the same query must give the
   same order on both databases.)
3. Few matches are ranked at once. Many matches (a popular word) are read tier by
   tier: "the word is in the title" is itself a full-text expression, so each
   tier and distance bucket is read in final order and the page stops early.
4. "Within R km" narrows by a latitude/longitude box on an index first, then
   checks the exact great-circle distance in SQL. "Nearest" reads distance rings
   and "best match" without words reads distance buckets, so nothing sorts a whole
   city to show 24 items.
5. Pages are keyset pages: the cursor carries the sort key of the last item, so
   page 50 costs what page 1 costs.
6. SQLite cannot tell how many listings lie in a box or match a word, so capped
   counts decide which index drives; PostgreSQL's planner decides from statistics.
7. Statements are built once per shape and reused with new values; the id query
   returns ids and sort keys, one more query loads the page's cards."""

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session

from listings.schemas import Sort
from listings.search.cards import load_cards
from listings.search.cursor import _KEY_KINDS, _decode_cursor, _encode_cursor
from listings.search.query import MAX_RADIUS_KM, SearchPage, SearchQuery, check, effective
from listings.search.sql import (
    _CAPTURE,
    BUCKETS_KM,
    INDEX_FOR_SORT,
    RELEVANCE_SCALE,
    _all_words,
    _box_count_statement,
    _explain,
    _id_statement,
    _match_count_statement,
    _planned_rows,
    _point_params,
    _run,
    _Shape,
    _tiers,
    _utc,
    _words_statement,
)
from listings.text import BRAND as MARK_BRAND
from listings.text import TITLE as MARK_TITLE
from listings.text import query_words
from resale.core import taxonomy
from resale.core.geo import bounding_box

# "Nearest" reads the circle ring by ring until a page is full.
RINGS_KM = (1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, MAX_RADIUS_KM, 1000.0, 2500.0, 5000.0)
# Farther than any two points on Earth (half the circumference is about 20,015 km).
WORLD_KM = 20_100.0
# SQLite: with more listings than this in the box, walk the sort index instead.
DENSE_BOX = 2000
# With at least this many matches, "best match" is read tier by tier (few words only).
TIERED_MATCHES = 2000
MAX_TIER_TERMS = 4

# --- running a search --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Slice:
    """A part of the result, in order: listings between two distances (or all of them),
    optionally of one relevance tier, sharing one rank."""

    inner_km: float = 0.0  # included
    outer_km: float | None = None  # excluded unless ``closed``; None: no distance limit
    closed: bool = True  # the last slice includes its outer edge ("within R km")
    rank: int | None = None  # "best match" read by slices: the rank every item here has
    words: str | None = None  # the match expression of this slice (a tier); None: all words


def _rings(radius: float | None, start: float) -> list[_Slice]:
    """Distance rings up to the radius (the last one includes it) or, without one, up to the
    whole Earth; every ring has a box. Rings wholly nearer than the cursor are skipped."""
    limit = radius or WORLD_KM
    bounds = [r for r in RINGS_KM if r < limit] + [limit]
    inner = [0.0, *bounds[:-1]]
    rings = [_Slice(lo, hi, closed=hi == limit) for lo, hi in zip(inner, bounds, strict=True)]
    return [r for r in rings if r.closed or (r.outer_km or 0) > start]


def _buckets(radius: float | None) -> list[tuple[int, float, float | None, bool]]:
    """(index, inner, outer, closed) of the distance buckets inside the radius."""
    out, lo = [], 0.0
    for index, hi in enumerate(BUCKETS_KM):
        top = min(hi, radius) if radius else hi
        if lo < top:
            out.append((index, lo, None if math.isinf(top) else top, top == radius))
        lo = hi
    return out


class _Search:
    """One search being run: its values, how it is cut into slices, and their statements."""

    def __init__(
        self,
        session: Session,
        query: SearchQuery,
        since: datetime | None = None,
        not_seller_id: int | None = None,
    ) -> None:
        self.session = session
        self.query = query
        self.since = since
        self.not_seller_id = not_seller_id
        self.backend = session.get_bind().dialect.name
        self.words = query_words(query.q)
        self.terms = [word.term for word in self.words]
        self.after = _decode_cursor(query.cursor, query.sort) if query.cursor else None
        self._counts: dict[str, int] = {}
        self._tiered: bool | None = None
        params: dict[str, Any] = {}
        if self.terms:
            params["words"] = _all_words(self.backend, self.words)
            for i, t in enumerate(self.terms):
                params[f"title_{i}"] = f"% {MARK_TITLE}{t} %"
                params[f"brand_{i}"] = f"% {MARK_BRAND}{t} %"
        if query.category:
            params["categories"] = list(taxonomy.leaf_slugs_under(query.category))
        if query.min_price is not None:
            params["min_price"] = query.min_price
        if query.max_price is not None:
            params["max_price"] = query.max_price
        if query.price_currency is not None:
            params["currency"] = query.price_currency
        if query.conditions:
            params["conditions"] = [c.value for c in query.conditions]
        if query.seller_id is not None:
            params["seller_id"] = query.seller_id
        if query.lat is not None and query.lon is not None:
            params.update(_point_params(query.lat, query.lon))
        if since is not None:
            params["since"] = since
        if not_seller_id is not None:
            params["not_seller_id"] = not_seller_id
        self.params = params

    # -- how the result is cut

    def slices(self) -> list[_Slice]:
        query, after = self.query, self.after
        if query.sort is Sort.NEAREST:
            return _rings(query.radius_km, float(after[0]) if after else 0.0)
        if query.sort is not Sort.BEST:
            return [_Slice(0.0, query.radius_km)]
        tiered = self.terms and self.tiered()
        if not self.terms and not query.has_point:
            return [_Slice()]  # (effective() turns this into "newest")
        if self.terms and not tiered:
            return [_Slice(0.0, query.radius_km)]  # few matches: rank them all at once
        tiers = _tiers(self.backend, self.words) if tiered else [(0, None)]
        buckets = (
            _buckets(query.radius_km) if query.has_point else [(0, 0.0, query.radius_km, True)]
        )
        cells = [
            _Slice(lo, hi, closed, RELEVANCE_SCALE * score - index, words)
            for score, words in tiers
            for index, lo, hi, closed in buckets
        ]
        cells.sort(key=lambda c: -(c.rank or 0))  # stable: a higher tier before a farther bucket
        first = int(after[0]) if after else None
        return [c for c in cells if first is None or (c.rank or 0) <= first]

    def tiered(self) -> bool:
        """Read "best match" tier by tier when many listings would have to be ranked (and the
        words are few): ranking them all at once is cheaper for a few hundred, not for 30,000."""
        if len(self.terms) > MAX_TIER_TERMS:
            return False
        if self._tiered is None:
            self._tiered = self.rows_to_rank() >= TIERED_MATCHES
        return self._tiered

    def rows_to_rank(self) -> int:
        """About how many listings hold every word (and lie in the radius, on SQLite)."""
        if self.backend != "sqlite":
            # PostgreSQL's estimate for the words alone is close (its statistics cover each
            # word); combined with the category and the box it is not, because it takes
            # them as independent ("samsung" is nearly always electronics).
            planned = self.planned(self.params["words"])
            if planned >= TIERED_MATCHES or len(self.words) < 2:
                return planned
            # It takes the words as independent, too, and words that go together (山地
            # and 自行车, "road" and "bike") are found together far more often than that.
            # No listing holds every word more often than it holds the rarest one.
            rarest = min(self.planned(_all_words(self.backend, [w])) for w in self.words)
            return max(planned, rarest)
        count = self.match_count(self.params["words"])
        if self.query.has_point and self.query.radius_km is not None:
            count = min(count, self.box_count(_Slice(0.0, self.query.radius_km)))
        return count

    def planned(self, words: str) -> int:
        """PostgreSQL's estimate of the active listings matching ``words``."""
        params = {"words": words}
        [(plan,)] = _run(
            self.session, _words_statement(self.backend), params, prefix="EXPLAIN (FORMAT JSON) "
        )
        return _planned_rows(plan)

    def match_count(self, words: str) -> int:
        if words not in self._counts:
            params = {"words": words, "cap": TIERED_MATCHES}
            [(count,)] = _run(self.session, _match_count_statement(self.backend), params)
            self._counts[words] = int(count)
        return self._counts[words]

    # -- one slice

    def shape(self, piece: _Slice, hint: str | None) -> _Shape:
        query = self.query
        keyset = self.after is not None and (piece.rank is None or int(self.after[0]) == piece.rank)
        return _Shape(
            backend=self.backend,
            sort=query.sort,
            text=bool(self.terms),
            relevance=len(self.terms) if piece.rank is None else 0,
            category=query.category is not None,
            min_price=query.min_price is not None,
            max_price=query.max_price is not None,
            currency=query.price_currency is not None,
            conditions=bool(query.conditions),
            seller=query.seller_id is not None,
            photos=query.with_photos,
            point=query.has_point,
            outer=query.has_point and piece.outer_km is not None,
            inner=query.has_point and piece.inner_km > 0,
            closed=piece.closed,
            ranked_slice=piece.rank is not None,
            keyset=keyset,
            since=self.since is not None,
            not_seller=self.not_seller_id is not None,
            hint=hint,
        )

    def slice_params(self, piece: _Slice, shape: _Shape, limit: int) -> dict[str, Any]:
        params = dict(self.params, row_limit=limit)
        query = self.query
        if piece.words is not None:
            params["words"] = piece.words
        if shape.outer:
            assert query.lat is not None and query.lon is not None and piece.outer_km is not None
            box = bounding_box(query.lat, query.lon, piece.outer_km)
            params.update(zip(("min_lat", "max_lat", "min_lon", "max_lon"), box, strict=True))
            params["outer_km"] = piece.outer_km
        if shape.inner:
            params["inner_km"] = piece.inner_km
        if piece.rank is not None:
            params["slice_rank"] = piece.rank
        if shape.keyset:
            assert self.after is not None
            skip = 1 if shape.ranked_slice else 0
            params.update({f"after_{i}": v for i, v in enumerate(self.after[skip:])})
        return params

    def hint(self, piece: _Slice) -> str | None:
        """SQLite only: which index should drive this slice (PostgreSQL's planner chooses)."""
        query = self.query
        if self.backend != "sqlite" or query.seller_id is not None:
            return None  # PostgreSQL plans for itself; a seller: their own index
        if self.terms:
            words = piece.words or self.params["words"]
            if piece.rank is None and piece.words is None and not self.tiered():
                return None  # few matches: the full-text match drives, rows are ranked
            if self.match_count(words) < TIERED_MATCHES:
                return None  # a small tier: the full-text match drives
            # Many matches: walk another index in order and check the words on the way.
        box = query.has_point and piece.outer_km is not None
        order_index = INDEX_FOR_SORT.get(query.sort, "ix_listings_active_published")
        if query.category:
            return "ix_listings_active_category_point" if box else order_index
        if not box:
            return order_index
        if query.sort is Sort.NEAREST or self.box_count(piece) < DENSE_BOX:
            return "ix_listings_active_point"
        return order_index  # a dense box: the ordered walk meets enough of it soon

    def box_count(self, piece: _Slice) -> int:
        query = self.query
        assert query.lat is not None and query.lon is not None and piece.outer_km is not None
        box = bounding_box(query.lat, query.lon, piece.outer_km)
        params: dict[str, Any] = dict(
            zip(("min_lat", "max_lat", "min_lon", "max_lon"), box, strict=True), cap=DENSE_BOX
        )
        [(count,)] = _run(self.session, _box_count_statement(), params)
        return int(count)

    def rows(self) -> list[Any]:
        """The page's id rows in order, plus one more if there is a next page."""
        wanted = self.query.limit + 1
        rows: list[Any] = []
        pieces = self.slices()
        i = 0
        while i < len(pieces) and len(rows) < wanted:
            # Slices of one rank are read together and merged newest first.
            group = [pieces[i]]
            while (
                i + len(group) < len(pieces)
                and pieces[i + len(group)].rank is not None
                and pieces[i + len(group)].rank == pieces[i].rank
            ):
                group.append(pieces[i + len(group)])
            i += len(group)
            need = wanted - len(rows)
            found: list[Any] = []
            for piece in group:
                shape = self.shape(piece, self.hint(piece))
                params = self.slice_params(piece, shape, need)
                found.extend(_run(self.session, _id_statement(shape), params))
            if len(group) > 1:
                # Columns: id, distance, rank, published_at, id. (Timestamps compare as the
                # driver returns them: datetimes, or SQLite's fixed-width UTC text.)
                found.sort(key=lambda r: (r[3], r[4]), reverse=True)
            rows.extend(found[:need])
        return rows


def search(*, session: Session, query: SearchQuery) -> SearchPage:
    """One page of active listings matching the query, in the query's order."""
    asked = check(query)
    run = _Search(session, effective(asked))
    rows = run.rows()
    page = rows[: run.query.limit]
    next_cursor = None
    if len(rows) > run.query.limit and page:
        kinds = _KEY_KINDS[run.query.sort]
        key = [
            _utc(v) if kind == "time" else v for kind, v in zip(kinds, page[-1][2:], strict=True)
        ]
        next_cursor = _encode_cursor(run.query.sort, key)
    query = run.query
    point = (query.lat, query.lon) if query.lat is not None and query.lon is not None else None
    cards = load_cards(session=session, ids=[row[0] for row in page], point=point)
    return SearchPage(items=[cards[row[0]] for row in page], next_cursor=next_cursor, query=asked)


def count_since(
    *,
    session: Session,
    query: SearchQuery,
    since: datetime,
    cap: int = 99,
    not_seller_id: int | None = None,
) -> int:
    """How many listings matching a search were published after ``since`` (counting stops
    past ``cap``), leaving out one seller's (your own are not news to you): walks the
    newest-first index and stops at ``since``."""
    newest = replace(effective(check(replace(query, cursor=None))), sort=Sort.NEWEST, limit=cap)
    return len(_Search(session, newest, since=since, not_seller_id=not_seller_id).rows())


@contextmanager
def capture_sql(session: Session) -> Iterator[list[tuple[str, Any]]]:
    """Record every statement (SQL text and driver parameters) the session sends meanwhile."""
    calls: list[tuple[str, Any]] = []
    session.info[_CAPTURE] = calls
    try:
        yield calls
    finally:
        session.info.pop(_CAPTURE, None)


def explain(*, session: Session, query: SearchQuery) -> list[tuple[str, list[str]]]:
    """Each statement a search runs, with the database's plan for it."""
    with capture_sql(session) as calls:
        search(session=session, query=query)
    connection = session.connection()
    return [
        (sql, _explain(connection, sql, params))
        for sql, params in calls
        if not sql.startswith("EXPLAIN")  # PostgreSQL's own size estimate, not a data query
    ]
