"""The two databases: running prepared statements, statements built once per shape, word
match expressions and relevance tiers."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from itertools import product
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from listings.models import (
    FTS_TABLE,
    SEARCH_VECTOR,
    Listing,
    ListingPhoto,
)
from listings.schemas import Sort
from listings.search.cursor import _KEY_KINDS
from listings.text import ANYWHERE as MARK_ANY
from listings.text import BRAND as MARK_BRAND
from listings.text import PINYIN as MARK_PINYIN
from listings.text import TITLE as MARK_TITLE
from listings.text import Word
from resale.core.geo import EARTH_RADIUS_KM
from resale.users.models import User

TITLE_WEIGHT, BRAND_WEIGHT, BODY_WEIGHT = 4, 3, 1
RELEVANCE_SCALE = 2
# Upper bounds of the distance buckets "best match" subtracts (their index).
BUCKETS_KM = (2.0, 5.0, 10.0, 20.0, 50.0, 100.0, math.inf)

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
    currency: bool  # priced in :currency (with a price bound)
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
    if shape.currency:
        where.append(_C.currency == sa.bindparam("currency", type_=sa.String))
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
    """SQLite: how many active listings lie in a box, counting no further than :cap."""
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
        .limit(sa.bindparam("cap", type_=sa.Integer))
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


# --- words: match expressions and relevance tiers ------------------------------------------
#
# A listing's document holds "t<term>" for title words, "b<term>" for brand words
# and "a<term>" for every word (listings.text). A word's weight is decided by the
# best class it is in, and each class is a boolean expression over those tokens,
# so "all listings whose words weigh exactly S" is a full-text expression too: a
# popular word is read tier by tier, in order, and the page stops early instead of
# ranking every listing that mentions it.

_WEIGHTS = ((MARK_TITLE, TITLE_WEIGHT), (MARK_BRAND, BRAND_WEIGHT), (MARK_ANY, BODY_WEIGHT))


def _pinyin(backend: str, word: Word) -> str:
    """Every pinyin term of the word (class ``p``)."""
    if backend == "sqlite":
        return "(" + " AND ".join(f'"{MARK_PINYIN}{p}"' for p in word.pinyin) + ")"
    return "(" + " & ".join(f"{MARK_PINYIN}{p}" for p in word.pinyin) + ")"


def _word_class(backend: str, word: Word, mark: str) -> str:
    """A word whose best class is ``mark``: in it, and in no better class. Found only by
    its pinyin, a word counts as one of the description (``a``)."""
    term = word.term
    better = {MARK_TITLE: [], MARK_BRAND: [MARK_TITLE], MARK_ANY: [MARK_TITLE, MARK_BRAND]}[mark]
    if backend == "sqlite":
        text = f'"{mark}{term}"'
        for other in better:
            text = f'{text} NOT "{other}{term}"'
        found = f"({text})" if better else text
        if mark == MARK_ANY and word.pinyin:
            found = f'({found} OR ({_pinyin(backend, word)} NOT "{MARK_ANY}{term}"))'
        return found
    parts = [f"{mark}{term}", *(f"!{other}{term}" for other in better)]
    found = f"({' & '.join(parts)})" if better else parts[0]
    if mark == MARK_ANY and word.pinyin:
        found = f"({found} | ({_pinyin(backend, word)} & !{MARK_ANY}{term}))"
    return found


def _all_words(backend: str, words: Sequence[Word]) -> str:
    """Every word somewhere in the listing: its term, or else all its pinyin terms."""
    either, both = (" OR ", " AND ") if backend == "sqlite" else (" | ", " & ")
    quote = '"' if backend == "sqlite" else ""
    parts = []
    for word in words:
        own = f"{quote}{MARK_ANY}{word.term}{quote}"
        parts.append(f"({own}{either}{_pinyin(backend, word)})" if word.pinyin else own)
    return both.join(parts)


def _tiers(backend: str, words: Sequence[Word]) -> list[tuple[int, str]]:
    """(relevance, expression) for every relevance the words can have, highest first."""
    by_score: dict[int, list[str]] = {}
    for combo in product(_WEIGHTS, repeat=len(words)):
        score = sum(weight for _, weight in combo)
        parts = [_word_class(backend, w, mark) for w, (mark, _) in zip(words, combo, strict=True)]
        joiner = " AND " if backend == "sqlite" else " & "
        by_score.setdefault(score, []).append(f"({joiner.join(parts)})")
    either = " OR " if backend == "sqlite" else " | "
    return [(score, either.join(by_score[score])) for score in sorted(by_score, reverse=True)]
