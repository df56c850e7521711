"""What people do with listings, read for other areas (matching): how popular listings are,
what one person looked at and saved lately, who engaged with a category, the listings
published since a moment, the words of listings. Plain values only; no area reads these
tables itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from listings.models import Favorite, InteractionEvent, Listing
from resale.core.geo import bounding_box

_EVENTS = InteractionEvent.__table__  # type: ignore[attr-defined]
_FAVORITES = Favorite.__table__  # type: ignore[attr-defined]
_LISTINGS = Listing.__table__  # type: ignore[attr-defined]


def popularity(
    *, session: Session, listing_ids: Sequence[int], since: datetime
) -> dict[int, float]:
    """Views since ``since`` plus favourites (x3) of each listing, visitors' views included."""
    if not listing_ids:
        return {}
    counts: dict[int, float] = {}
    rows = session.execute(
        sa.select(_EVENTS.c.listing_id, sa.func.count())
        .where(_EVENTS.c.listing_id.in_(listing_ids), _EVENTS.c.created_at >= since)
        .group_by(_EVENTS.c.listing_id)
    )
    for listing_id, n in rows:
        counts[listing_id] = float(n)
    rows = session.execute(
        sa.select(_FAVORITES.c.listing_id, sa.func.count())
        .where(_FAVORITES.c.listing_id.in_(listing_ids))
        .group_by(_FAVORITES.c.listing_id)
    )
    for listing_id, n in rows:
        counts[listing_id] = counts.get(listing_id, 0.0) + 3.0 * n
    return counts


@dataclass(frozen=True, slots=True)
class Engagement:
    """One thing a person did with a listing: an event (view, favourite...) or a favourite kept."""

    event_id: int | None  # None for a favourite kept
    listing_id: int
    kind: str  # the event's kind ("view", "favorite", "unfavorite"...), "saved" for a favourite
    category: str


def recent_engagement(*, session: Session, user_id: int, limit: int) -> list[Engagement]:
    """The person's latest ``limit`` events with their listings' categories, newest first."""
    recent = (
        sa.select(_EVENTS.c.id, _EVENTS.c.listing_id, _EVENTS.c.kind)
        .where(_EVENTS.c.user_id == user_id)
        .order_by(_EVENTS.c.id.desc())
        .limit(limit)
        .subquery()
    )
    rows = session.execute(
        sa.select(recent.c.id, recent.c.listing_id, recent.c.kind, _LISTINGS.c.category)
        .join(_LISTINGS, _LISTINGS.c.id == recent.c.listing_id)
        .order_by(recent.c.id.desc())
    )
    return [
        Engagement(event_id, listing_id, str(getattr(kind, "value", kind)), category)
        for event_id, listing_id, kind, category in rows
    ]


def favourites_kept(*, session: Session, user_id: int) -> list[Engagement]:
    """The person's favourites, with their categories."""
    rows = session.execute(
        sa.select(_FAVORITES.c.listing_id, _LISTINGS.c.category)
        .join(_LISTINGS, _LISTINGS.c.id == _FAVORITES.c.listing_id)
        .where(_FAVORITES.c.user_id == user_id)
    )
    return [Engagement(None, listing_id, "saved", category) for listing_id, category in rows]


def engaged_with_category(*, session: Session, user_ids: Sequence[int], category: str) -> set[int]:
    """Which of these people looked at or saved a listing of ``category``."""
    if not user_ids:
        return set()
    ids = list(user_ids)
    looked = (
        sa.select(_EVENTS.c.user_id)
        .join(_LISTINGS, _LISTINGS.c.id == _EVENTS.c.listing_id)
        .where(_EVENTS.c.user_id.in_(ids), _LISTINGS.c.category == category)
    )
    kept = (
        sa.select(_FAVORITES.c.user_id)
        .join(_LISTINGS, _LISTINGS.c.id == _FAVORITES.c.listing_id)
        .where(_FAVORITES.c.user_id.in_(ids), _LISTINGS.c.category == category)
    )
    return {int(u) for (u,) in session.execute(sa.union(looked, kept))}


def recent_active(
    *,
    session: Session,
    since: datetime,
    around: tuple[float, float] | None,
    radius_km: float,
    limit: int,
) -> list[tuple[int, float | None, float | None]]:
    """Active listings published after ``since`` (in the box around ``around``, when given),
    newest first: (id, lat, lon). Read from the newest-first index of active listings:
    usually a handful of rows."""
    where = [
        _LISTINGS.c.status == sa.literal_column("'active'"),  # the partial indexes need a literal
        _LISTINGS.c.published_at > since,
    ]
    if around is not None:
        min_lat, max_lat, min_lon, max_lon = bounding_box(*around, radius_km)
        where += [
            _LISTINGS.c.lat.between(min_lat, max_lat),
            _LISTINGS.c.lon.between(min_lon, max_lon),
        ]
    rows = session.execute(
        sa.select(_LISTINGS.c.id, _LISTINGS.c.lat, _LISTINGS.c.lon)
        .where(*where)
        .order_by(_LISTINGS.c.published_at.desc(), _LISTINGS.c.id.desc())
        .limit(limit)
        # SQLite would pick the point index for the box and sort a whole city
        .with_hint(_LISTINGS, "INDEXED BY ix_listings_active_published", dialect_name="sqlite")
    )
    return [(int(i), lat, lon) for i, lat, lon in rows]


def search_docs(*, session: Session, ids: Sequence[int]) -> dict[int, str]:
    """The search words of these listings (``listings.text.search_document``)."""
    if not ids:
        return {}
    rows = session.execute(
        sa.select(_LISTINGS.c.id, _LISTINGS.c.search_doc).where(_LISTINGS.c.id.in_(list(ids)))
    )
    return {int(i): str(doc or "") for i, doc in rows}


# --- For training the model: everything at once, in one read of each table -----------------


def _epoch(column: sa.ColumnElement[datetime], dialect: str) -> sa.ColumnElement[float]:
    """Seconds since 1970 for a timestamp column, computed by the database (fast for 1M rows)."""
    if dialect == "sqlite":
        return (sa.func.julianday(column) - 2440587.5) * 86400.0
    return sa.cast(sa.extract("epoch", column), sa.Float)


def published_ever(
    *, session: Session
) -> list[tuple[int, float | None, float | None, str, int, str, str]]:
    """Every listing that was ever published (sold and withdrawn ones too), in id order:
    (id, lat, lon, category, price_cents, currency, status)."""
    rows = session.execute(
        sa.select(
            _LISTINGS.c.id,
            _LISTINGS.c.lat,
            _LISTINGS.c.lon,
            _LISTINGS.c.category,
            _LISTINGS.c.price_cents,
            _LISTINGS.c.currency,
            _LISTINGS.c.status,
        )
        .where(_LISTINGS.c.published_at.is_not(None))
        .order_by(_LISTINGS.c.id)
    )
    return [
        (int(i), lat, lon, cat, int(cents), cur, str(getattr(status, "value", status)))
        for i, lat, lon, cat, cents, cur, status in rows
    ]


def signed_in_events(*, session: Session) -> list[tuple[int, int, str, float]]:
    """What signed-in people did (views, favourites...; not unfavourites):
    (user id, listing id, kind, seconds since 1970)."""
    dialect = session.get_bind().dialect.name
    rows = session.execute(
        sa.select(
            _EVENTS.c.user_id,
            _EVENTS.c.listing_id,
            _EVENTS.c.kind,
            _epoch(_EVENTS.c.created_at, dialect),
        ).where(_EVENTS.c.user_id.is_not(None), _EVENTS.c.kind != "unfavorite")
    )
    return [
        (int(u), int(listing), str(getattr(kind, "value", kind)), float(at))
        for u, listing, kind, at in rows
    ]


@dataclass(frozen=True)
class HighMarks:
    """How far the events and listings go: what a trained model has seen."""

    max_event_id: int | None
    max_event_at: datetime | None
    all_events: int
    anonymous_events: int
    max_listing_id: int | None


def high_marks(*, session: Session) -> HighMarks:
    max_event_id, max_event_at, all_events, anonymous = session.execute(
        sa.select(
            sa.func.max(_EVENTS.c.id),
            sa.func.max(_EVENTS.c.created_at),
            sa.func.count(),
            sa.func.count().filter(_EVENTS.c.user_id.is_(None)),
        )
    ).one()
    max_listing_id = session.execute(sa.select(sa.func.max(_LISTINGS.c.id))).scalar()
    return HighMarks(max_event_id, max_event_at, int(all_events), int(anonymous), max_listing_id)
