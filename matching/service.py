"""Recommendations for people: the feed, similar items, interested buyers, new-match notices.

Every list is of active listings only, carries a rounded distance (never a
seller's exact point: listing points are public grid points and distances are
shown through ``resale.core.geo.rounded_km``) and the reasons in words, and says which
model made it (``serving.model_info``).

- With a trained model (``matching.serving``): the model ranks what it knows.
  Items no longer on sale are dropped (those sold before training through the
  model's ``allowed`` flags, those sold since by reading their status with the
  cards). Listings published since training are unknown to the model: they
  come in through content (category, words, brand, price) and "new near you",
  so a new listing is reachable from the first minute.
- Without one: popular nearby. Among the newest active listings near the buyer,
  those with the most recent views and favourites come first, newest first
  among equals; the response says ``{"source": "fallback", ...}``.

Notices (``notify_new_listing``): when a listing is published, the buyers whose
saved searches it matches, and (with a model) those nearby whose taste fits it,
get one ``Notification`` each; ``resale notify`` runs it for recent listings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.datastructures import QueryParams

from listings.models import Favorite, InteractionEvent, Listing, ListingStatus, SavedSearch
from listings.schemas import ListingCard, Sort
from listings.search import MAX_LIMIT, SearchQuery, from_url, load_cards, search
from listings.text import ANYWHERE, TITLE, query_terms
from matching import serving
from matching.model import REASONS
from matching.models import Notification
from matching.training import EUR_PER_UNIT
from resale.core import taxonomy
from resale.core.config import settings
from resale.core.db import lock_for_write, utcnow, write_session
from resale.core.geo import bounding_box, haversine_km, rounded_km
from resale.trade.orders import service as orders_service
from resale.users.models import User

DEFAULT_LIMIT = 12
NEAR_KM = 5.0  # "near you" below this
POPULAR_DAYS = 14  # what "popular" counts: views and favourites of the last two weeks
POOL = MAX_LIMIT  # newest nearby listings a fallback list is chosen from
FRESH_EVERY = 4  # with a model, one slot in four goes to listings it has not seen yet
SIMILAR_POOL = 60
MAX_REASONS = 2
RECENT_EVENTS = 200  # a person's latest events read for their categories and new history
BANDS_KM: tuple[tuple[float, float], ...] = ((0.0, 2.0), (2.0, 5.0), (5.0, 10.0), (10.0, 30.0))

# Reasons, in the words people read.
NEAR_YOU = "near you"
LIKE_SAVED = "like items you saved"
LIKE_VIEWED = "like items you looked at"
SIMILAR_TASTE = "liked by people with similar taste"
POPULAR_NEARBY = "popular nearby"
POPULAR = "popular right now"
NEW_NEAR_YOU = "new near you"
NEW = "just listed"
YOUR_CATEGORY = "in a category you like"
SIMILAR_ITEM = "similar to this item"
SAME_PEOPLE = "viewed by the same people"
NEAR_ITEM = "close to this item"
SAVED_SEARCH = "matches a search you saved"

_TASTE = frozenset(
    {SAVED_SEARCH, LIKE_SAVED, LIKE_VIEWED, SIMILAR_ITEM, SAME_PEOPLE, SIMILAR_TASTE, YOUR_CATEGORY}
)
# What each reason is worth when a list explains itself: the most telling first.
_REASON_ORDER = (
    SAVED_SEARCH,
    LIKE_SAVED,
    LIKE_VIEWED,
    SIMILAR_ITEM,
    SAME_PEOPLE,
    SIMILAR_TASTE,
    YOUR_CATEGORY,
    POPULAR_NEARBY,
    NEW_NEAR_YOU,
    NEAR_YOU,
    NEAR_ITEM,
    POPULAR,
    NEW,
)


@dataclass(frozen=True, slots=True)
class Pick:
    """One recommended listing: its card (distance rounded) and why it is there."""

    card: ListingCard
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Picks:
    items: list[Pick]
    model: dict[str, Any]  # which model served the list (serving.model_info)
    distance_from: str | None  # "home", "listing", or None when no distance is shown


@dataclass(frozen=True, slots=True)
class Band:
    min_km: float
    max_km: float
    count: int

    @property
    def label(self) -> str:
        if self.min_km == 0:
            return f"under {self.max_km:g} km"
        return f"{self.min_km:g}–{self.max_km:g} km"


@dataclass(frozen=True, slots=True)
class Audience:
    """How many buyers near a listing may want it, by distance band; never who they are."""

    bands: list[Band]
    model: dict[str, Any]
    note: str | None = None

    @property
    def total(self) -> int:
        return sum(b.count for b in self.bands)

    @property
    def radius_km(self) -> float:
        return BANDS_KM[-1][1]


# --- small helpers ---------------------------------------------------------------------------


def _home(user: User | None) -> tuple[float, float] | None:
    if user is None or user.lat is None or user.lon is None:
        return None
    return user.lat, user.lon


def _ordered(reasons: Sequence[str]) -> tuple[str, ...]:
    """The most telling reason, then the best of the other kind (taste / place): "like items
    you saved · near you" says more than two ways of saying taste."""
    rank = {r: n for n, r in enumerate(_REASON_ORDER)}
    ranked = sorted(dict.fromkeys(r for r in reasons if r), key=lambda r: rank.get(r, len(rank)))
    if not ranked:
        return ()
    first = ranked[0]
    rest = ranked[1:]
    other_kind = [r for r in rest if (r in _TASTE) != (first in _TASTE)]
    return (first, *(other_kind or rest)[: MAX_REASONS - 1])


def _shown(card: ListingCard) -> ListingCard:
    """The card as others may see it: the distance rounded (never an exact one)."""
    if card.distance_km is None:
        return card
    return replace(card, distance_km=rounded_km(card.distance_km))


def _is_near(card: ListingCard) -> bool:
    return card.distance_km is not None and card.distance_km <= NEAR_KM


def _published_key(card: ListingCard) -> float:
    return card.published_at.timestamp() if card.published_at is not None else 0.0


def _nearby_query(home: tuple[float, float] | None, *, limit: int, **filters: Any) -> SearchQuery:
    """The newest active listings around a point (within the home radius), or anywhere."""
    if home is None:
        return SearchQuery(sort=Sort.NEWEST, limit=limit, **filters)
    return SearchQuery(
        sort=Sort.NEWEST,
        limit=limit,
        lat=home[0],
        lon=home[1],
        radius_km=settings.home_radius_km,
        **filters,
    )


def _popularity(*, session: Session, listing_ids: Sequence[int]) -> dict[int, float]:
    """Recent views and favourites (x3) of each listing, visitors' views included."""
    if not listing_ids:
        return {}
    since = utcnow() - timedelta(days=POPULAR_DAYS)
    events = InteractionEvent.__table__  # type: ignore[attr-defined]
    favorites = Favorite.__table__  # type: ignore[attr-defined]
    counts: dict[int, float] = {}
    rows = session.execute(
        sa.select(events.c.listing_id, sa.func.count())
        .where(events.c.listing_id.in_(listing_ids), events.c.created_at >= since)
        .group_by(events.c.listing_id)
    )
    for listing_id, n in rows:
        counts[listing_id] = float(n)
    rows = session.execute(
        sa.select(favorites.c.listing_id, sa.func.count())
        .where(favorites.c.listing_id.in_(listing_ids))
        .group_by(favorites.c.listing_id)
    )
    for listing_id, n in rows:
        counts[listing_id] = counts.get(listing_id, 0.0) + 3.0 * n
    return counts


@dataclass(frozen=True, slots=True)
class _Activity:
    """What a person did lately, read in a few small queries (their latest events, favourites,
    saved searches) and shared by everything that explains or filters their feed."""

    seen: set[int]  # listings they looked at, saved or un-saved lately
    saved: set[int]  # their favourites
    saved_categories: set[str]  # the categories of their favourites
    liked: set[str]  # categories of 10 % or more of their latest events, or of a saved search
    since_training: list[int]  # listings engaged with after the model's snapshot, newest first


def _activity(
    *, session: Session, user: User, after_event: int | None = None, after_order: int = 0
) -> _Activity:
    events = InteractionEvent.__table__  # type: ignore[attr-defined]
    listings = Listing.__table__  # type: ignore[attr-defined]
    favorites = Favorite.__table__  # type: ignore[attr-defined]
    recent = (
        sa.select(events.c.id, events.c.listing_id, events.c.kind)
        .where(events.c.user_id == user.id)
        .order_by(events.c.id.desc())
        .limit(RECENT_EVENTS)
        .subquery()
    )
    rows = session.execute(
        sa.select(recent.c.id, recent.c.listing_id, recent.c.kind, listings.c.category)
        .join(listings, listings.c.id == recent.c.listing_id)
        .order_by(recent.c.id.desc())
    ).all()
    counts: dict[str, int] = {}
    for _, _, _, category in rows:
        counts[category] = counts.get(category, 0) + 1
    liked = {c for c, n in counts.items() if n >= 0.1 * len(rows)}
    since: list[int] = []
    if after_event is not None:
        since = [
            listing_id
            for event_id, listing_id, kind, _ in rows
            if event_id > after_event and str(getattr(kind, "value", kind)) != "unfavorite"
        ]
        assert user.id is not None
        since += [
            p.listing_id
            for p in orders_service.purchases(
                session=session, buyer_id=user.id, after_order=after_order
            )
        ]
    saved_rows = session.execute(
        sa.select(favorites.c.listing_id, listings.c.category)
        .join(listings, listings.c.id == favorites.c.listing_id)
        .where(favorites.c.user_id == user.id)
    ).all()
    saved = {listing_id for listing_id, _ in saved_rows}
    return _Activity(
        seen={listing_id for _, listing_id, _, _ in rows} | saved,
        saved=saved,
        saved_categories={category for _, category in saved_rows},
        liked=liked | _saved_search_categories(session=session, user=user),
        since_training=list(dict.fromkeys(since)),
    )


def _saved_search_categories(*, session: Session, user: User) -> set[str]:
    saved = SavedSearch.__table__  # type: ignore[attr-defined]
    out: set[str] = set()
    for (query,) in session.execute(sa.select(saved.c.query).where(saved.c.user_id == user.id)):
        for slug in parse_qs(query).get("category", []):
            out.update(taxonomy.leaf_slugs_under(slug))
    return out


# --- the feed --------------------------------------------------------------------------------


def feed(*, session: Session, user: User, limit: int = DEFAULT_LIMIT) -> Picks:
    """A signed-in buyer's personal list: what they may want, near them, not seen yet."""
    served = serving.current()
    home = _home(user)
    distance_from = "home" if home is not None else None
    if served is None:
        seen = _activity(session=session, user=user).seen
        items = _popular_nearby(session=session, user=user, home=home, limit=limit, exclude=seen)
        return Picks(items=items, model=serving.model_info(None), distance_from=distance_from)

    activity = _activity(
        session=session,
        user=user,
        after_event=served.max_event_id,
        after_order=served.max_order_id,
    )
    from_model = _model_feed(
        session=session, served=served, user=user, home=home, activity=activity, limit=limit
    )
    taken = activity.seen | {p.card.id for p in from_model}
    fresh = _fresh(
        session=session, served=served, user=user, home=home, liked=activity.liked, exclude=taken
    )
    items = _interleave(from_model, fresh, limit)
    if len(items) < limit:  # a thin model list: fill up with what is popular nearby
        taken |= {p.card.id for p in items}
        items += _popular_nearby(
            session=session, user=user, home=home, limit=limit - len(items), exclude=taken
        )
    return Picks(items=items[:limit], model=served.info(), distance_from=distance_from)


def _model_feed(
    *,
    session: Session,
    served: serving.ServedModel,
    user: User,
    home: tuple[float, float] | None,
    activity: _Activity,
    limit: int,
) -> list[Pick]:
    recs = served.model.recommend(
        str(user.id),
        k=2 * limit + 8,  # room for what was sold since training, and own listings
        home=home,
        history=[str(i) for i in activity.since_training if served.knows(i)],
        exclude=[str(i) for i in activity.seen],
        allowed=served.active,
    )
    ids = [int(r.item_id) for r in recs]
    cards = load_cards(session=session, ids=ids, point=home)
    words = {
        REASONS["similar"]: LIKE_VIEWED,
        REASONS["people"]: SIMILAR_TASTE,
        REASONS["popular"]: POPULAR,
        REASONS["popular_nearby"]: POPULAR_NEARBY if home is not None else POPULAR,
        REASONS["near"]: NEAR_YOU,
        REASONS["category"]: YOUR_CATEGORY,
    }
    picks: list[Pick] = []
    for rec, listing_id in zip(recs, ids, strict=True):
        card = cards.get(listing_id)
        if card is None or card.status is not ListingStatus.ACTIVE or card.seller_id == user.id:
            continue
        reasons = [words.get(r, "") for r in rec.reasons]
        if LIKE_VIEWED in reasons and card.category in activity.saved_categories:
            reasons.append(LIKE_SAVED)
        # "near" is only said of a home the person gave, and only when it is true
        reasons = [r for r in reasons if r != NEAR_YOU]
        if _is_near(card):
            reasons.append(NEAR_YOU)
        picks.append(Pick(card=_shown(card), reasons=_ordered(reasons or [POPULAR])))
        if len(picks) >= limit:
            break
    return picks


def _fresh(
    *,
    session: Session,
    served: serving.ServedModel,
    user: User,
    home: tuple[float, float] | None,
    liked: set[str],
    exclude: set[int],
) -> list[Pick]:
    """Listings the model has not seen (published since training): the liked categories first.

    Read straight from the newest-first index of active listings, from the moment
    training read the data: usually a handful of rows, so it costs next to nothing.
    """
    listings = Listing.__table__  # type: ignore[attr-defined]
    where = [
        listings.c.status == sa.literal_column("'active'"),  # the partial indexes need a literal
        listings.c.published_at > served.read_at - timedelta(minutes=1),
    ]
    if home is not None:
        min_lat, max_lat, min_lon, max_lon = bounding_box(*home, settings.home_radius_km)
        where += [
            listings.c.lat.between(min_lat, max_lat),
            listings.c.lon.between(min_lon, max_lon),
        ]
    rows = session.execute(
        sa.select(listings.c.id, listings.c.lat, listings.c.lon)
        .where(*where)
        .order_by(listings.c.published_at.desc(), listings.c.id.desc())
        .limit(POOL)
        # SQLite would pick the point index for the box and sort a whole city
        .with_hint(listings, "INDEXED BY ix_listings_active_published", dialect_name="sqlite")
    ).all()
    ids = [
        listing_id
        for listing_id, lat, lon in rows
        if listing_id not in exclude
        and not served.knows(listing_id)
        and (home is None or haversine_km(*home, lat, lon) <= settings.home_radius_km)
    ]
    cards = load_cards(session=session, ids=ids, point=home)
    unseen = [cards[i] for i in ids if i in cards and cards[i].seller_id != user.id]
    unseen.sort(key=lambda c: (c.category not in liked, -_published_key(c), -c.id))
    picks = []
    for card in unseen:
        reasons = [NEW_NEAR_YOU if home is not None else NEW]
        if card.category in liked:
            reasons.append(YOUR_CATEGORY)
        if _is_near(card):
            reasons.append(NEAR_YOU)
        picks.append(Pick(card=_shown(card), reasons=_ordered(reasons)))
    return picks


def _interleave(first: list[Pick], second: list[Pick], limit: int) -> list[Pick]:
    """``first`` in order, with one of ``second`` in every ``FRESH_EVERY`` slots (the third,
    the seventh...); ``second`` also fills up when ``first`` runs out."""
    out: list[Pick] = []
    quota = max(1, limit // FRESH_EVERY)
    i = j = 0
    while len(out) < limit and (i < len(first) or j < len(second)):
        fresh_slot = len(out) % FRESH_EVERY == FRESH_EVERY - 2
        if j < len(second) and (i >= len(first) or (fresh_slot and quota > 0)):
            out.append(second[j])
            j += 1
            quota -= 1
        else:
            out.append(first[i])
            i += 1
    return out


def _popular_nearby(
    *,
    session: Session,
    user: User | None,
    home: tuple[float, float] | None,
    limit: int,
    exclude: set[int],
) -> list[Pick]:
    """Among the newest active listings near home, the most viewed and saved; newest first."""
    if limit <= 0:
        return []
    page = search(session=session, query=_nearby_query(home, limit=POOL))
    pool = [
        c for c in page.items if c.id not in exclude and (user is None or c.seller_id != user.id)
    ]
    counts = _popularity(session=session, listing_ids=[c.id for c in pool])
    pool.sort(key=lambda c: (-counts.get(c.id, 0.0), -_published_key(c), -c.id))
    picks = []
    for card in pool[:limit]:
        if counts.get(card.id):
            reasons = [POPULAR_NEARBY if home is not None else POPULAR]
        else:
            reasons = [NEW_NEAR_YOU if home is not None else NEW]
        if _is_near(card):
            reasons.append(NEAR_YOU)
        picks.append(Pick(card=_shown(card), reasons=_ordered(reasons)))
    return picks


# --- similar items ---------------------------------------------------------------------------


def _title_terms(doc: str) -> set[str]:
    return {t for t in doc.split() if t.startswith(TITLE)}


def similar(
    *, session: Session, listing: Listing, viewer: User | None, limit: int = DEFAULT_LIMIT
) -> Picks:
    """Active listings like this one, near the viewer's home (or near the listing)."""
    assert listing.id is not None
    served = serving.current()
    home = _home(viewer)
    point = home
    distance_from: str | None = "home"
    if point is None and listing.lat is not None and listing.lon is not None:
        point, distance_from = (listing.lat, listing.lon), "listing"
    if point is None:
        distance_from = None

    def skip(card: ListingCard) -> bool:
        return (
            card.id == listing.id
            or card.status is not ListingStatus.ACTIVE
            or (viewer is not None and card.seller_id == viewer.id)
        )

    # content: the same category around the point, then its whole group if that is thin
    cards: dict[int, ListingCard] = {}
    parent = taxonomy.leaf(listing.category)
    for category in (listing.category, parent.parent if parent is not None else None):
        if category is None or len(cards) >= SIMILAR_POOL:
            continue
        query = _nearby_query(point, limit=SIMILAR_POOL, category=category)
        if point is not None:
            query = replace(query, sort=Sort.BEST)  # nearest buckets first, newest in each
        for card in search(session=session, query=query).items:
            cards.setdefault(card.id, card)
    # co-engagement: what the same people looked at (the model knows it)
    together: dict[int, float] = {}
    if served is not None and served.knows(listing.id):
        for item_id, cosine in served.model.similar_items(str(listing.id), k=SIMILAR_POOL):
            row = served.model.item_row(item_id)
            if row is not None and served.active[row]:
                together[int(item_id)] = cosine
        missing = [i for i in together if i not in cards]
        cards.update(load_cards(session=session, ids=missing, point=point))
    candidates = [c for c in cards.values() if not skip(c)]
    docs = _search_docs(session=session, ids=[listing.id, *(c.id for c in candidates)])
    terms = _title_terms(docs.get(listing.id, ""))
    price = _eur(listing.price_cents, listing.currency)
    scored: list[tuple[float, float, int, Pick]] = []
    for card in candidates:
        reasons: list[str] = []
        score = 0.0
        cosine = together.get(card.id, 0.0)
        if cosine > 0:  # with few viewers a cosine is noisy: worth less than the category
            score += min(cosine, 1.0)
            reasons.append(SAME_PEOPLE)
        other = _title_terms(docs.get(card.id, ""))
        overlap = len(terms & other) / len(terms | other) if terms | other else 0.0
        same_leaf = card.category == listing.category
        same_brand = (
            bool(listing.brand) and (card.brand or "").lower() == (listing.brand or "").lower()
        )
        same_group = (
            parent is not None
            and taxonomy.leaf(card.category) is not None
            and (
                taxonomy.leaf(card.category).parent == parent.parent  # type: ignore[union-attr]
            )
        )
        score += (1.0 if same_leaf else 0.4 if same_group else 0.0) + overlap
        score += 0.5 if same_brand else 0.0
        if same_leaf or overlap >= 0.25 or same_brand:
            reasons.append(SIMILAR_ITEM)
        ratio = _eur(card.price_cents, card.currency) / price if price > 0 else 0.0
        if ratio > 0:
            score += 0.5 * math.exp(-abs(math.log(ratio)))
        if card.distance_km is not None:
            score += 0.8 * math.exp(-card.distance_km / 10.0)
            if card.distance_km <= NEAR_KM:
                reasons.append(NEAR_YOU if distance_from == "home" else NEAR_ITEM)
        pick = Pick(card=_shown(card), reasons=_ordered(reasons or [SIMILAR_ITEM]))
        scored.append((-score, -_published_key(card), -card.id, pick))
    scored.sort(key=lambda s: s[:3])
    return Picks(
        items=[s[3] for s in scored[:limit]],
        model=serving.model_info(served),
        distance_from=distance_from,
    )


def _category_weights(category: str) -> dict[str, float]:
    """How much interest in each category counts towards a listing of ``category``: its own
    fully, the others of its group by half (a road-bike buyer may want a gravel bike)."""
    weights = {category: 1.0}
    leaf = taxonomy.leaf(category)
    if leaf is not None and leaf.parent:
        for sibling in taxonomy.children(leaf.parent):
            weights.setdefault(sibling.slug, 0.5)
    return weights


def _eur(cents: int, currency: str) -> float:
    return cents / 100.0 * EUR_PER_UNIT.get(currency, 1.0)


def _search_docs(*, session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    listings = Listing.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa.select(listings.c.id, listings.c.search_doc).where(listings.c.id.in_(list(ids)))
    )
    return {int(i): str(doc or "") for i, doc in rows}


# --- buyers who may want a listing ----------------------------------------------------------


def interested_buyers(*, session: Session, listing: Listing) -> Audience:
    """How many buyers living near a listing may want it, by distance band (the seller's view).

    Only counts, never who: a band of one is still just a number.
    """
    served = serving.current()
    info = serving.model_info(served)
    empty = [Band(lo, hi, 0) for lo, hi in BANDS_KM]
    if listing.lat is None or listing.lon is None:
        return Audience(bands=empty, model=info, note="Add a location to see buyers near it.")
    radius = BANDS_KM[-1][1]
    distances: list[float]
    if served is not None:
        people = served.model.audience(
            lat=listing.lat,
            lon=listing.lon,
            radius_km=radius,
            item=str(listing.id) if listing.id is not None and served.knows(listing.id) else None,
            categories=_category_weights(listing.category),
            price=_eur(listing.price_cents, listing.currency),
            exclude_users=[str(listing.seller_id)],
        )
        distances = [km for _, km, _ in people]
    else:
        distances = _fallback_audience(session=session, listing=listing, radius_km=radius)
    bands = [
        Band(lo, hi, sum(1 for d in distances if lo <= d < hi or (hi == radius and d == hi)))
        for lo, hi in BANDS_KM
    ]
    return Audience(bands=bands, model=info)


def _fallback_audience(*, session: Session, listing: Listing, radius_km: float) -> list[float]:
    """Without a model: people near the listing who looked at, saved or searched its category."""
    assert listing.lat is not None and listing.lon is not None
    users = User.__table__  # type: ignore[attr-defined]
    events = InteractionEvent.__table__  # type: ignore[attr-defined]
    favorites = Favorite.__table__  # type: ignore[attr-defined]
    saved = SavedSearch.__table__  # type: ignore[attr-defined]
    listings = Listing.__table__  # type: ignore[attr-defined]
    min_lat, max_lat, min_lon, max_lon = bounding_box(listing.lat, listing.lon, radius_km)
    leaf = taxonomy.leaf(listing.category)
    patterns = [f"%category={listing.category}%"]
    if leaf is not None and leaf.parent:
        patterns.append(f"%category={leaf.parent}%")
    in_category = sa.and_(listings.c.category == listing.category)
    looked = sa.exists().where(
        events.c.user_id == users.c.id,
        events.c.listing_id == listings.c.id,
        in_category,
    )
    kept = sa.exists().where(
        favorites.c.user_id == users.c.id,
        favorites.c.listing_id == listings.c.id,
        in_category,
    )
    searched = sa.exists().where(
        saved.c.user_id == users.c.id, sa.or_(*(saved.c.query.like(p) for p in patterns))
    )
    rows = session.execute(
        sa.select(users.c.lat, users.c.lon).where(
            users.c.id != listing.seller_id,
            users.c.lat.between(min_lat, max_lat),
            users.c.lon.between(min_lon, max_lon),
            sa.or_(looked, kept, searched),
        )
    )
    out = []
    for lat, lon in rows:
        km = haversine_km(listing.lat, listing.lon, lat, lon)
        if km <= radius_km:
            out.append(km)
    return out


# --- telling buyers about a new listing ------------------------------------------------------

NOTIFY_RADIUS_KM = 10.0  # taste alone brings a listing to people living this close
NOTIFY_MIN_SCORE = 0.3  # the audience score (model.audience) a taste notice needs
MAX_TASTE_NOTICES = 50  # per listing: a popular category must not message a whole city
NEW_LISTINGS_BATCH = 500


def _matches_search(
    query: SearchQuery, listing: Listing, *, tokens: set[str], photos: bool
) -> bool:
    """Whether a listing is in a (saved) search's results, decided without running the search."""
    if query.category and listing.category not in taxonomy.leaf_slugs_under(query.category):
        return False
    if query.min_price is not None and listing.price_cents < query.min_price:
        return False
    if query.max_price is not None and listing.price_cents > query.max_price:
        return False
    if query.conditions and listing.condition not in query.conditions:
        return False
    if query.with_photos and not photos:
        return False
    if any(f"{ANYWHERE}{term}" not in tokens for term in query_terms(query.q)):
        return False
    if query.radius_km is not None and query.lat is not None and query.lon is not None:
        if listing.lat is None or listing.lon is None:
            return False
        if haversine_km(query.lat, query.lon, listing.lat, listing.lon) > query.radius_km:
            return False
    return True


def buyers_to_tell(*, session: Session, listing: Listing) -> dict[int, str]:
    """Who should hear of a newly published listing, and why (user id -> reason in words).

    Saved searches it matches come first (as the search page would show it); then,
    with a trained model, people living within ``NOTIFY_RADIUS_KM`` whose taste fits
    its category and price (``model.audience``). Never the seller.
    """
    assert listing.id is not None
    saved = SavedSearch.__table__  # type: ignore[attr-defined]
    users = User.__table__  # type: ignore[attr-defined]
    leaf = taxonomy.leaf(listing.category)
    categories = [listing.category] + ([leaf.parent] if leaf is not None and leaf.parent else [])
    # only the searches that could match: of its category or its group, or of any category
    could_match = sa.or_(
        *(saved.c.query.like(f"%category={c}&%") for c in categories),
        *(saved.c.query.like(f"%category={c}") for c in categories),
        saved.c.query.not_like("%category=%"),
    )
    rows = session.execute(
        sa.select(
            saved.c.user_id,
            saved.c.name,
            saved.c.query,
            users.c.lat,
            users.c.lon,
            users.c.place_name,
        )
        .join(users, users.c.id == saved.c.user_id)
        .where(saved.c.user_id != listing.seller_id, could_match)
        .order_by(saved.c.id)
    ).all()
    tokens = set(_search_docs(session=session, ids=[listing.id]).get(listing.id, "").split())
    card = load_cards(session=session, ids=[listing.id]).get(listing.id)
    photos = card is not None and card.photo_key is not None
    out: dict[int, str] = {}
    for user_id, name, query, lat, lon, place in rows:
        if user_id in out:
            continue
        home = (lat, lon, place) if lat is not None and lon is not None else None
        found = from_url(QueryParams(query), home=home)
        if _matches_search(found.query, listing, tokens=tokens, photos=photos):
            out[user_id] = f"{SAVED_SEARCH}: {name}"[:300]
    served = serving.current()
    if served is not None and listing.lat is not None and listing.lon is not None:
        people = served.model.audience(
            lat=listing.lat,
            lon=listing.lon,
            radius_km=NOTIFY_RADIUS_KM,
            item=str(listing.id) if served.knows(listing.id) else None,
            categories=_category_weights(listing.category),
            price=_eur(listing.price_cents, listing.currency),
            exclude_users=[str(listing.seller_id)],
            min_score=NOTIFY_MIN_SCORE,
        )
        for user_id, _km, _score in people[:MAX_TASTE_NOTICES]:
            out.setdefault(int(user_id), YOUR_CATEGORY)
    out.pop(listing.seller_id, None)
    return out


def notify_new_listing(*, session: Session, listing: Listing) -> int:
    """Store a notice for each buyer who should hear of this listing; returns how many are new.

    Idempotent: a buyer already told about this listing is not told again.
    """
    if listing.status is not ListingStatus.ACTIVE or listing.id is None:
        return 0
    wanted = buyers_to_tell(session=session, listing=listing)
    if not wanted:
        return 0
    told = set(
        session.exec(
            select(Notification.user_id).where(
                Notification.listing_id == listing.id,
                col(Notification.user_id).in_(list(wanted)),
            )
        )
    )
    new = [
        Notification(user_id=user_id, listing_id=listing.id, reason=reason)
        for user_id, reason in wanted.items()
        if user_id not in told
    ]
    session.add_all(new)
    session.flush()
    return len(new)


def notify_published_since(*, session: Session, since: datetime) -> int:
    """Notices for every active listing published after ``since`` (for cron: ``resale notify``)."""
    listings = session.exec(
        select(Listing)
        .where(Listing.status == ListingStatus.ACTIVE, col(Listing.published_at) > since)
        .order_by(col(Listing.published_at), col(Listing.id))
        .limit(NEW_LISTINGS_BATCH)
    ).all()
    return sum(notify_new_listing(session=session, listing=listing) for listing in listings)


def notify_since(*, engine: Engine, since: datetime) -> int:
    """``notify_published_since`` in a transaction of its own (the app's loop, cron)."""
    with write_session(engine) as session:
        told = notify_published_since(session=session, since=since)
        session.commit()
    return told


@dataclass(frozen=True, slots=True)
class Notice:
    card: ListingCard
    reason: str
    created_at: datetime
    seen: bool


def notices_for(*, session: Session, user: User, limit: int = DEFAULT_LIMIT) -> list[Notice]:
    """A buyer's notices about listings still on sale, newest first."""
    rows = session.exec(
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(limit * 2)
    ).all()
    cards = load_cards(session=session, ids=[n.listing_id for n in rows], point=_home(user))
    out = []
    for notice in rows:
        card = cards.get(notice.listing_id)
        if card is None or card.status is not ListingStatus.ACTIVE:
            continue
        out.append(
            Notice(
                card=_shown(card),
                reason=notice.reason,
                created_at=notice.created_at,
                seen=notice.seen_at is not None,
            )
        )
    return out[:limit]


def mark_notices_seen(*, session: Session, user: User) -> int:
    """The buyer has looked at their notices; returns how many were new.

    The notices page is a GET that writes, so it asks for the write lock first."""
    lock_for_write(session)
    result = session.execute(
        sa.update(Notification)
        .where(col(Notification.user_id) == user.id, col(Notification.seen_at).is_(None))
        .values(seen_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def unseen_notices(*, session: Session, user: User) -> int:
    """How many notices the buyer has not looked at yet (for the home page's banner)."""
    return int(
        session.exec(
            select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, col(Notification.seen_at).is_(None))
        ).one()
    )
