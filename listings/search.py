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
   returns ids and sort keys, one more query loads the page's cards.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from itertools import product
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from listings.models import (
    FTS_TABLE,
    SEARCH_VECTOR,
    Condition,
    Listing,
    ListingPhoto,
    ListingStatus,
)
from listings.schemas import ListingCard, PriceError, Sort, parse_price
from listings.text import ANYWHERE as MARK_ANY
from listings.text import BRAND as MARK_BRAND
from listings.text import TITLE as MARK_TITLE
from listings.text import query_terms
from resale.core import taxonomy
from resale.core.errors import InvalidInput
from resale.core.geo import EARTH_RADIUS_KM, PLACES_BY_SLUG, bounding_box
from resale.users.models import User

MAX_RADIUS_KM = 500.0
DEFAULT_LIMIT = 24
MAX_LIMIT = 100
TITLE_WEIGHT, BRAND_WEIGHT, BODY_WEIGHT = 4, 3, 1
RELEVANCE_SCALE = 2
# Upper bounds of the distance buckets "best match" subtracts (their index).
BUCKETS_KM = (2.0, 5.0, 10.0, 20.0, 50.0, 100.0, math.inf)
# "Nearest" reads the circle ring by ring until a page is full.
RINGS_KM = (1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, MAX_RADIUS_KM, 1000.0, 2500.0, 5000.0)
# Farther than any two points on Earth (half the circumference is about 20,015 km).
WORLD_KM = 20_100.0
# SQLite: with more listings than this in the box, walk the sort index instead.
DENSE_BOX = 2000
# With at least this many matches, "best match" is read tier by tier (few words only).
TIERED_MATCHES = 2000
MAX_TIER_TERMS = 4


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A whole search, as a URL carries it. Prices are in minor units (cents)."""

    q: str = ""
    category: str | None = None
    min_price: int | None = None
    max_price: int | None = None
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


@dataclass(slots=True)
class SearchPage:
    items: list[ListingCard]
    next_cursor: str | None
    query: SearchQuery


class InvalidSearch(InvalidInput):
    location = "query"


def effective(query: SearchQuery) -> SearchQuery:
    """ "Best match" with no words and no point ranks nothing: it is simply "newest"."""
    if query.sort is Sort.BEST and not query_terms(query.q) and not query.has_point:
        return replace(query, sort=Sort.NEWEST)
    return query


def check(query: SearchQuery) -> SearchQuery:
    """Refuse a search that cannot be run; the message names the parameter."""
    if query.category is not None and taxonomy.get(query.category) is None:
        raise InvalidSearch(f"unknown category '{query.category}'", field="category")
    for name, value in (("min_price", query.min_price), ("max_price", query.max_price)):
        if value is not None and value < 0:
            raise InvalidSearch("a price cannot be negative", field=name)
    if (
        query.min_price is not None
        and query.max_price is not None
        and query.min_price > query.max_price
    ):
        raise InvalidSearch("min_price is above max_price", field="min_price")
    if (query.lat is None) != (query.lon is None):
        raise InvalidSearch("lat and lon go together", field="lon" if query.lon is None else "lat")
    if query.lat is not None and not -90 <= query.lat <= 90:
        raise InvalidSearch("lat must be between -90 and 90", field="lat")
    if query.lon is not None and not -180 <= query.lon <= 180:
        raise InvalidSearch("lon must be between -180 and 180", field="lon")
    if query.radius_km is not None:
        if not 0 < query.radius_km <= MAX_RADIUS_KM:
            raise InvalidSearch(
                f"radius_km must be above 0 and at most {MAX_RADIUS_KM:g}", field="radius_km"
            )
        if not query.has_point:
            raise InvalidSearch(
                "radius_km needs a point (lat and lon, or a home location)", field="radius_km"
            )
    if query.sort is Sort.NEAREST and not query.has_point:
        raise InvalidSearch(
            "sorting by distance needs a point (lat and lon, or a home location)", field="sort"
        )
    if not 1 <= query.limit <= MAX_LIMIT:
        raise InvalidSearch(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    if query.cursor is not None:
        _decode_cursor(query.cursor, effective(query).sort)
    return query


# --- cursors ---------------------------------------------------------------------------

_KEY_KINDS: dict[Sort, tuple[str, ...]] = {
    Sort.BEST: ("int", "time", "int"),
    Sort.NEAREST: ("float", "int"),
    Sort.NEWEST: ("time", "int"),
    Sort.PRICE_ASC: ("int", "int"),
    Sort.PRICE_DESC: ("int", "int"),
}


def _encode_cursor(sort: Sort, key: Sequence[Any]) -> str:
    values = [v.isoformat() if isinstance(v, datetime) else v for v in key]
    raw = json.dumps({"s": sort.value, "k": values}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: Sort) -> list[Any]:
    """The sort key a cursor carries; one from another sort, or garbage, is refused."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or data.get("s") != sort.value:
            raise ValueError("cursor from another sort")
        key, kinds = data["k"], _KEY_KINDS[sort]
        if not isinstance(key, list) or len(key) != len(kinds):
            raise ValueError("cursor of the wrong shape")
        out: list[Any] = []
        for kind, value in zip(kinds, key, strict=True):
            if kind == "time":
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is None:
                    raise ValueError("naive time")
                out.append(moment)
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError("not a number")
            elif kind == "int":
                if not isinstance(value, int):
                    raise ValueError("not an integer")
                out.append(value)
            elif not math.isfinite(value):
                raise ValueError("not finite")
            else:
                out.append(float(value))
        return out
    except (ValueError, TypeError, KeyError):
        raise InvalidSearch(
            "cursor is not valid for this search; start again without it", field="cursor"
        ) from None


# --- the two databases -------------------------------------------------------------------

_LISTINGS = Listing.__table__  # type: ignore[attr-defined]
_C = _LISTINGS.c
_PHOTOS = ListingPhoto.__table__  # type: ignore[attr-defined]
_USERS = User.__table__  # type: ignore[attr-defined]
_ACTIVE = _C.status == sa.literal_column("'active'")  # a literal: the partial indexes need it
INDEX_FOR_SORT = {
    Sort.NEWEST: "ix_listings_active_published",
    Sort.PRICE_ASC: "ix_listings_active_price",
    Sort.PRICE_DESC: "ix_listings_active_price",
}


@lru_cache(maxsize=64)
def _compile_once(statement: sa.Select[Any], dialect: sa.Dialect) -> SQLCompiler:
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    return compiled


def _compiled(
    session: Session, statement: sa.Select[Any], params: dict[str, Any]
) -> tuple[str, Any]:
    """The SQL text and driver parameters the database would receive for ``statement``."""
    compiled = _compile_once(statement, session.get_bind().dialect)
    state = compiled.construct_expanded_state(params)  # IN lists expanded for these values
    # Type conversions (e.g. aware datetimes to SQLite's UTC text), for plain and expanded names.
    processors: dict[str, Any] = {**compiled._bind_processors, **state.processors}
    values = {k: processors[k](v) if k in processors else v for k, v in state.parameters.items()}
    if state.positiontup is not None:
        return state.statement, tuple(values[k] for k in state.positiontup)
    return state.statement, values


_CAPTURE = "listings.search.capture"


def _run(
    session: Session, statement: sa.Select[Any], params: dict[str, Any], *, prefix: str = ""
) -> list[tuple[Any, ...]]:
    """Run a prepared statement straight on the DB-API cursor, in the session's transaction.

    Statements are built and compiled once; going through SQLAlchemy's execution for every
    call would cost more than most of these queries take (rows come back as plain tuples).
    """
    sql, values = _compiled(session, statement, params)
    sql = prefix + sql
    captured = session.info.get(_CAPTURE)
    if captured is not None:
        captured.append((sql, values))
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, values)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _utc(value: Any) -> datetime | None:
    """A timestamp as the driver gave it (SQLite: naive UTC text) -> aware UTC datetime."""
    if value is None or isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _planned_rows(plan: Any) -> int:
    """The rows PostgreSQL expects below the LIMIT of an EXPLAIN (FORMAT JSON) plan."""
    node = plan[0]["Plan"]
    while node.get("Node Type") in {"Limit", "Sort", "Incremental Sort", "Result"} and node.get(
        "Plans"
    ):
        node = node["Plans"][0]
    return int(node.get("Plan Rows", 0))


def _explain(connection: sa.Connection, sql: str, params: Any) -> list[str]:
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
        return [str(row[-1]) for row in rows]
    return [str(row[0]) for row in connection.exec_driver_sql(f"EXPLAIN {sql}", params)]


# --- statements, built once per shape -------------------------------------------------------
#
# Building an SQLAlchemy statement costs far more than running a small query, so a
# statement is built once per *shape* (which sort, which filters are present, which
# slice, which index) with every value as a bound parameter, and reused.


def _distance() -> ColumnElement[float]:
    """Great-circle (haversine) distance in km from the point :p_lat/:p_lon."""
    half_dlat = sa.func.radians(_C.lat - sa.bindparam("p_lat", type_=sa.Float)) / 2
    half_dlon = sa.func.radians(_C.lon - sa.bindparam("p_lon", type_=sa.Float)) / 2
    cos_lat: sa.BindParameter[float] = sa.bindparam("p_cos_lat", type_=sa.Float)
    a = sa.func.power(sa.func.sin(half_dlat), 2) + cos_lat * sa.func.cos(
        sa.func.radians(_C.lat)
    ) * sa.func.power(sa.func.sin(half_dlon), 2)
    diameter: sa.BindParameter[float] = sa.bindparam("p_diameter", type_=sa.Float)
    return sa.func.asin(sa.func.sqrt(a)) * diameter


def _point_params(lat: float, lon: float) -> dict[str, float]:
    return {
        "p_lat": lat,
        "p_lon": lon,
        "p_cos_lat": math.cos(math.radians(lat)),
        "p_diameter": 2 * EARTH_RADIUS_KM,
    }


def _relevance(n_terms: int) -> ColumnElement[int]:
    """Per word: in the title 4, else in the brand 3, else 1 (it is in the description)."""
    padded = sa.literal(" ") + _C.search_doc + sa.literal(" ")
    total: ColumnElement[int] = sa.literal(0, sa.Integer)
    for i in range(n_terms):
        in_title = padded.like(sa.bindparam(f"title_{i}", type_=sa.Text))
        in_brand = padded.like(sa.bindparam(f"brand_{i}", type_=sa.Text))
        total = total + sa.case(
            (in_title, TITLE_WEIGHT), (in_brand, BRAND_WEIGHT), else_=BODY_WEIGHT
        )
    return total


def _bucket(distance: ColumnElement[float]) -> ColumnElement[int]:
    whens = [(distance < limit, i) for i, limit in enumerate(BUCKETS_KM[:-1])]
    return sa.case(*whens, else_=len(BUCKETS_KM) - 1)


def _text_match(backend: str) -> ColumnElement[bool]:
    """The listing's document matches the expression in :words (FTS5 or tsquery syntax)."""
    words: sa.BindParameter[str] = sa.bindparam("words", type_=sa.Text)
    if backend == "sqlite":
        matched: sa.Select[Any] = (
            sa.select(sa.literal_column("rowid"))
            .select_from(sa.table(FTS_TABLE))
            .where(sa.literal_column(FTS_TABLE).op("MATCH")(words))
        )
        in_fts: ColumnElement[bool] = _C.id.in_(matched)
        return in_fts
    tsquery = sa.func.to_tsquery(sa.literal_column("'simple'"), words)
    in_gin: ColumnElement[bool] = sa.literal_column(f"listings.{SEARCH_VECTOR}").op("@@")(tsquery)
    return in_gin


@dataclass(frozen=True, slots=True)
class _Shape:
    """Everything that changes a statement's text; values travel as parameters."""

    backend: str
    sort: Sort
    text: bool  # the document must match :words
    relevance: int  # words whose relevance is computed row by row (0: the slice has one rank)
    category: bool
    min_price: bool
    max_price: bool
    conditions: bool
    seller: bool
    photos: bool
    point: bool
    outer: bool  # a box and an outer distance
    inner: bool  # an inner distance
    closed: bool  # the outer distance is included
    ranked_slice: bool  # "best match" slice with one rank for all
    keyset: bool  # rows after the cursor
    since: bool  # only listings published after a moment
    not_seller: bool  # leave out one seller's listings
    hint: str | None


def _sort_key(shape: _Shape) -> tuple[list[ColumnElement[Any]], bool]:
    """The ORDER BY columns (ending in id) and whether they run descending."""
    if shape.sort is Sort.BEST:
        if shape.ranked_slice:
            return [sa.bindparam("slice_rank", type_=sa.Integer), _C.published_at, _C.id], True
        rank: ColumnElement[int] = _relevance(shape.relevance) * RELEVANCE_SCALE
        if shape.point:
            rank = rank - _bucket(_distance())
        return [rank, _C.published_at, _C.id], True
    if shape.sort is Sort.NEAREST:
        return [_distance(), _C.id], False
    if shape.sort is Sort.NEWEST:
        return [_C.published_at, _C.id], True
    return [_C.price_cents, _C.id], shape.sort is Sort.PRICE_DESC


@lru_cache(maxsize=4096)
def _id_statement(shape: _Shape) -> sa.Select[Any]:
    """The id query for one slice: ids, distance and the sort key, in order."""
    where: list[ColumnElement[bool]] = [_ACTIVE]
    if shape.text:
        where.append(_text_match(shape.backend))
    if shape.category:
        where.append(_C.category.in_(sa.bindparam("categories", expanding=True)))
    if shape.min_price:
        where.append(_C.price_cents >= sa.bindparam("min_price", type_=sa.Integer))
    if shape.max_price:
        where.append(_C.price_cents <= sa.bindparam("max_price", type_=sa.Integer))
    if shape.conditions:
        where.append(_C.condition.in_(sa.bindparam("conditions", expanding=True)))
    if shape.seller:
        where.append(_C.seller_id == sa.bindparam("seller_id", type_=sa.Integer))
    if shape.photos:
        where.append(sa.exists().where(_PHOTOS.c.listing_id == _C.id))
    if shape.since:
        where.append(_C.published_at > sa.bindparam("since", type_=_C.published_at.type))
    if shape.not_seller:
        where.append(_C.seller_id != sa.bindparam("not_seller_id", type_=sa.Integer))
    distance = _distance() if shape.point else None
    if distance is not None and shape.outer:
        outer = sa.bindparam("outer_km", type_=sa.Float)
        where += [
            _C.lat.between(
                sa.bindparam("min_lat", type_=sa.Float), sa.bindparam("max_lat", type_=sa.Float)
            ),
            _C.lon.between(
                sa.bindparam("min_lon", type_=sa.Float), sa.bindparam("max_lon", type_=sa.Float)
            ),
            distance <= outer if shape.closed else distance < outer,
        ]
    if distance is not None and shape.inner:
        where.append(distance >= sa.bindparam("inner_km", type_=sa.Float))
    key, descending = _sort_key(shape)
    if shape.keyset:
        skip = 1 if shape.ranked_slice else 0
        kinds = _KEY_KINDS[shape.sort][skip:]
        types = {"time": _C.published_at.type, "int": sa.Integer(), "float": sa.Float()}
        bound = [sa.bindparam(f"after_{i}", type_=types[kind]) for i, kind in enumerate(kinds)]
        row = sa.tuple_(*key[skip:])
        where.append(row < sa.tuple_(*bound) if descending else row > sa.tuple_(*bound))
    columns: list[ColumnElement[Any]] = [
        _C.id.label("id"),
        (distance if distance is not None else sa.null()).label("distance_km"),
        *(k.label(f"key_{i}") for i, k in enumerate(key)),
    ]
    ordering = [k for k in key if not isinstance(k, sa.BindParameter)]
    statement = (
        sa.select(*columns)
        .select_from(_LISTINGS)
        .where(*where)
        .order_by(*(k.desc() if descending else k.asc() for k in ordering))
        .limit(sa.bindparam("row_limit", type_=sa.Integer))
    )
    if shape.hint:
        statement = statement.with_hint(
            _LISTINGS, f"INDEXED BY {shape.hint}", dialect_name="sqlite"
        )
    return statement


@lru_cache(maxsize=1)
def _box_count_statement() -> sa.Select[Any]:
    """SQLite: how many active listings lie in a box, counting no further than DENSE_BOX."""
    probe = (
        sa.select(sa.literal(1))
        .select_from(_LISTINGS)
        .where(
            _ACTIVE,
            _C.lat.between(
                sa.bindparam("min_lat", type_=sa.Float), sa.bindparam("max_lat", type_=sa.Float)
            ),
            _C.lon.between(
                sa.bindparam("min_lon", type_=sa.Float), sa.bindparam("max_lon", type_=sa.Float)
            ),
        )
        .with_hint(_LISTINGS, "INDEXED BY ix_listings_active_point", dialect_name="sqlite")
        .limit(DENSE_BOX)
        .subquery()
    )
    return sa.select(sa.func.count()).select_from(probe)


@lru_cache(maxsize=2)
def _words_statement(backend: str) -> sa.Select[Any]:
    """Active listings holding every word in :words (PostgreSQL estimates its size)."""
    return sa.select(sa.literal(1)).select_from(_LISTINGS).where(_ACTIVE, _text_match(backend))


@lru_cache(maxsize=2)
def _match_count_statement(backend: str) -> sa.Select[Any]:
    """How many documents match :words, counting no further than :cap (a size estimate)."""
    words: sa.BindParameter[str] = sa.bindparam("words", type_=sa.Text)
    cap = sa.bindparam("cap", type_=sa.Integer)
    if backend == "sqlite":
        probe = (
            sa.select(sa.literal_column("rowid"))
            .select_from(sa.table(FTS_TABLE))
            .where(sa.literal_column(FTS_TABLE).op("MATCH")(words))
            .limit(cap)
            .subquery()
        )
    else:
        probe = sa.select(_C.id).where(_ACTIVE, _text_match(backend)).limit(cap).subquery()
    return sa.select(sa.func.count()).select_from(probe)


@lru_cache(maxsize=2)
def _cards_statement(with_distance: bool) -> sa.Select[Any]:
    inner = _PHOTOS.alias("first_photo")
    first_photo = (
        sa.select(inner.c.id)
        .where(inner.c.listing_id == _C.id)
        .order_by(inner.c.position, inner.c.id)
        .limit(1)
        .correlate(_LISTINGS)
        .scalar_subquery()
    )
    return (
        sa.select(
            _C.id,
            _C.title,
            _C.price_cents,
            _C.currency,
            _C.condition,
            _C.category,
            _C.brand,
            _C.place_name,
            _C.status,
            _C.published_at,
            _C.seller_id,
            _USERS.c.display_name.label("seller_name"),
            _PHOTOS.c.key.label("photo_key"),
            _PHOTOS.c.width.label("photo_width"),
            _PHOTOS.c.height.label("photo_height"),
            (_distance() if with_distance else sa.null()).label("distance_km"),
            _C.weight_kg,
            _C.shipping_cents,
            _C.lat.is_not(None).label("has_point"),
        )
        .select_from(_LISTINGS)
        .join(_USERS, _USERS.c.id == _C.seller_id)
        .outerjoin(_PHOTOS, _PHOTOS.c.id == first_photo)
        .where(_C.id.in_(sa.bindparam("ids", expanding=True)))
    )


# --- words: match expressions and relevance tiers ------------------------------------------
#
# A listing's document holds "t<term>" for title words, "b<term>" for brand words
# and "a<term>" for every word (listings.text). A word's weight is decided by the
# best class it is in, and each class is a boolean expression over those tokens,
# so "all listings whose words weigh exactly S" is a full-text expression too: a
# popular word is read tier by tier, in order, and the page stops early instead of
# ranking every listing that mentions it.

_WEIGHTS = ((MARK_TITLE, TITLE_WEIGHT), (MARK_BRAND, BRAND_WEIGHT), (MARK_ANY, BODY_WEIGHT))


def _word_class(backend: str, term: str, mark: str) -> str:
    """A term whose best class is ``mark``: in it, and in no better class."""
    better = {MARK_TITLE: [], MARK_BRAND: [MARK_TITLE], MARK_ANY: [MARK_TITLE, MARK_BRAND]}[mark]
    if backend == "sqlite":
        text = f'"{mark}{term}"'
        for other in better:
            text = f'{text} NOT "{other}{term}"'
        return f"({text})" if better else text
    parts = [f"{mark}{term}", *(f"!{other}{term}" for other in better)]
    return f"({' & '.join(parts)})" if better else parts[0]


def _all_words(backend: str, terms: Sequence[str]) -> str:
    """Every term somewhere in the listing."""
    if backend == "sqlite":
        return " AND ".join(f'"{MARK_ANY}{t}"' for t in terms)
    return " & ".join(f"{MARK_ANY}{t}" for t in terms)


def _tiers(backend: str, terms: Sequence[str]) -> list[tuple[int, str]]:
    """(relevance, expression) for every relevance the words can have, highest first."""
    by_score: dict[int, list[str]] = {}
    for combo in product(_WEIGHTS, repeat=len(terms)):
        score = sum(weight for _, weight in combo)
        parts = [_word_class(backend, t, mark) for t, (mark, _) in zip(terms, combo, strict=True)]
        joiner = " AND " if backend == "sqlite" else " & "
        by_score.setdefault(score, []).append(f"({joiner.join(parts)})")
    either = " OR " if backend == "sqlite" else " | "
    return [(score, either.join(by_score[score])) for score in sorted(by_score, reverse=True)]


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
        self.terms = query_terms(query.q)
        self.after = _decode_cursor(query.cursor, query.sort) if query.cursor else None
        self._counts: dict[str, int] = {}
        self._tiered: bool | None = None
        params: dict[str, Any] = {}
        if self.terms:
            params["words"] = _all_words(self.backend, self.terms)
            for i, t in enumerate(self.terms):
                params[f"title_{i}"] = f"% {MARK_TITLE}{t} %"
                params[f"brand_{i}"] = f"% {MARK_BRAND}{t} %"
        if query.category:
            params["categories"] = list(taxonomy.leaf_slugs_under(query.category))
        if query.min_price is not None:
            params["min_price"] = query.min_price
        if query.max_price is not None:
            params["max_price"] = query.max_price
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
        tiers = _tiers(self.backend, self.terms) if tiered else [(0, None)]
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
            words = {"words": self.params["words"]}
            [(plan,)] = _run(
                self.session, _words_statement(self.backend), words, prefix="EXPLAIN (FORMAT JSON) "
            )
            return _planned_rows(plan)
        count = self.match_count(self.params["words"])
        if self.query.has_point and self.query.radius_km is not None:
            count = min(count, self.box_count(_Slice(0.0, self.query.radius_km)))
        return count

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
        params = dict(zip(("min_lat", "max_lat", "min_lon", "max_lon"), box, strict=True))
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


def load_cards(
    *, session: Session, ids: Sequence[int], point: tuple[float, float] | None = None
) -> dict[int, ListingCard]:
    """What a result card shows, for these listings: one query, no ORM objects.

    With ``point``, each card also carries its distance from there.
    """
    if not ids:
        return {}
    params: dict[str, Any] = {"ids": list(ids)}
    if point is not None:
        params.update(_point_params(*point))
    cards = {}
    for row in _run(session, _cards_statement(point is not None), params):
        (id_, title, price, currency, condition, category, brand, place, status, published,
         seller_id, seller_name, photo_key, width, height, distance, weight, shipping,
         has_point) = row  # fmt: skip
        cards[id_] = ListingCard(
            id_, title, price, currency, Condition(condition), category, brand, place,
            ListingStatus(status), _utc(published), seller_id, seller_name, photo_key,
            width, height, distance, weight, shipping, bool(has_point),
        )  # fmt: skip
    return cards


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
    place_name: str | None  # what the results are measured from, for people


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


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
            errors["category"] = "Choose a category from the list."
        else:
            fields["category"] = values["category"]
    for name in ("min_price", "max_price"):
        if values[name]:
            try:
                cents = parse_price(values[name])
            except PriceError as exc:
                errors[name] = str(exc)
                continue
            if cents < 0:
                errors[name] = "A price cannot be negative."
            else:
                fields[name] = cents
    if (
        "min_price" in fields
        and "max_price" in fields
        and fields["min_price"] > fields["max_price"]
    ):
        errors["max_price"] = "The highest price is below the lowest."
        del fields["max_price"]
    conditions = []
    for value in values["condition"]:
        try:
            conditions.append(Condition(value))
        except ValueError:
            errors["condition"] = "Choose conditions from the list."
    fields["conditions"] = tuple(dict.fromkeys(conditions))
    place_name: str | None = None
    place = values["place"] or (HOME if home else ANYWHERE)
    if place == HOME and home is None:
        place = ANYWHERE
    if place == HOME and home is not None:
        fields["lat"], fields["lon"], place_name = home[0], home[1], home[2] or "your home"
    elif place == HERE:
        lat, lon = _number(values["lat"]), _number(values["lon"])
        if lat is None or lon is None or not -90 <= lat <= 90 or not -180 <= lon <= 180:
            errors["place"] = "We could not read your location; choose a place from the list."
            place = ANYWHERE
        else:
            fields["lat"], fields["lon"], place_name = lat, lon, "your location"
    elif place != ANYWHERE:
        known = PLACES_BY_SLUG.get(place)
        if known is None:
            errors["place"] = "Choose a place from the list."
            place = ANYWHERE
        else:
            fields["lat"], fields["lon"], place_name = known.lat, known.lon, known.name
    values["place"] = place
    if values["radius"]:
        radius = _number(values["radius"])
        if radius is None or not 0 < radius <= MAX_RADIUS_KM:
            errors["radius"] = f"Choose a distance up to {MAX_RADIUS_KM:g} km."
        elif "lat" not in fields:
            errors["radius"] = "Choose a place to measure the distance from."
        else:
            fields["radius_km"] = radius
    sort = values["sort"] or Sort.BEST.value
    try:
        fields["sort"] = Sort(sort)
    except ValueError:
        errors["sort"] = "Choose an order from the list."
        sort = Sort.BEST.value
    if fields.get("sort") is Sort.NEAREST and "lat" not in fields:
        errors["sort"] = "Choose a place to sort by distance from it."
        fields["sort"] = Sort.BEST
    values["sort"] = fields["sort"].value if "sort" in fields else sort
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
        elif value not in (None, ""):
            pairs.append((name, str(value)))
    return urlencode(pairs)
