"""The personal feed: the model's picks, listings it has not seen yet, popular nearby."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from listings import activity, saved_searches
from listings.models import ListingStatus
from listings.search import MAX_LIMIT, load_cards, search
from matching import serving
from matching.model import REASONS
from matching.picks import (
    DEFAULT_LIMIT,
    LIKE_SAVED,
    LIKE_VIEWED,
    NEAR_YOU,
    NEW,
    NEW_NEAR_YOU,
    POPULAR,
    POPULAR_NEARBY,
    SIMILAR_TASTE,
    YOUR_CATEGORY,
    Pick,
    Picks,
    is_near,
    nearby_query,
    ordered,
    published_key,
    shown,
)
from resale.core.config import settings
from resale.core.db import utcnow
from resale.core.geo import haversine_km
from resale.trade.orders import service as orders_service
from resale.users.models import User
from resale.users.service import home_point

POPULAR_DAYS = 14  # what "popular" counts: views and favourites of the last two weeks
POOL = MAX_LIMIT  # newest nearby listings a fallback list is chosen from
FRESH_EVERY = 4  # with a model, one slot in four goes to listings it has not seen yet
RECENT_EVENTS = 200  # a person's latest events read for their categories and new history


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
    assert user.id is not None
    events = activity.recent_engagement(session=session, user_id=user.id, limit=RECENT_EVENTS)
    counts: dict[str, int] = {}
    for event in events:
        counts[event.category] = counts.get(event.category, 0) + 1
    liked = {c for c, n in counts.items() if n >= 0.1 * len(events)}
    since: list[int] = []
    if after_event is not None:
        since = [
            e.listing_id
            for e in events
            if e.event_id is not None and e.event_id > after_event and e.kind != "unfavorite"
        ]
        since += [
            p.listing_id
            for p in orders_service.purchases(
                session=session, buyer_id=user.id, after_order=after_order
            )
        ]
    kept = activity.favourites_kept(session=session, user_id=user.id)
    saved = {f.listing_id for f in kept}
    return _Activity(
        seen={e.listing_id for e in events} | saved,
        saved=saved,
        saved_categories={f.category for f in kept},
        liked=liked | saved_searches.saved_search_categories(session=session, user_id=user.id),
        since_training=list(dict.fromkeys(since)),
    )


# --- the feed --------------------------------------------------------------------------------


def feed(*, session: Session, user: User, limit: int = DEFAULT_LIMIT) -> Picks:
    """A signed-in buyer's personal list: what they may want, near them, not seen yet."""
    served = serving.current()
    home = home_point(user)
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
        if is_near(card):
            reasons.append(NEAR_YOU)
        picks.append(Pick(card=shown(card), reasons=ordered(reasons or [POPULAR])))
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
    rows = activity.recent_active(
        session=session,
        since=served.read_at - timedelta(minutes=1),
        around=home,
        radius_km=settings.home_radius_km,
        limit=POOL,
    )
    ids = [
        listing_id
        for listing_id, lat, lon in rows
        if listing_id not in exclude
        and not served.knows(listing_id)
        and (
            home is None
            or (
                lat is not None
                and lon is not None
                and haversine_km(*home, lat, lon) <= settings.home_radius_km
            )
        )
    ]
    cards = load_cards(session=session, ids=ids, point=home)
    unseen = [cards[i] for i in ids if i in cards and cards[i].seller_id != user.id]
    unseen.sort(key=lambda c: (c.category not in liked, -published_key(c), -c.id))
    picks = []
    for card in unseen:
        reasons = [NEW_NEAR_YOU if home is not None else NEW]
        if card.category in liked:
            reasons.append(YOUR_CATEGORY)
        if is_near(card):
            reasons.append(NEAR_YOU)
        picks.append(Pick(card=shown(card), reasons=ordered(reasons)))
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
    page = search(session=session, query=nearby_query(home, limit=POOL))
    pool = [
        c for c in page.items if c.id not in exclude and (user is None or c.seller_id != user.id)
    ]
    since = utcnow() - timedelta(days=POPULAR_DAYS)
    counts = activity.popularity(session=session, listing_ids=[c.id for c in pool], since=since)
    pool.sort(key=lambda c: (-counts.get(c.id, 0.0), -published_key(c), -c.id))
    picks = []
    for card in pool[:limit]:
        if counts.get(card.id):
            reasons = [POPULAR_NEARBY if home is not None else POPULAR]
        else:
            reasons = [NEW_NEAR_YOU if home is not None else NEW]
        if is_near(card):
            reasons.append(NEAR_YOU)
        picks.append(Pick(card=shown(card), reasons=ordered(reasons)))
    return picks
