"""Telling buyers about a new listing: saved searches it matches, and (with a model) nearby
taste; the notices a buyer reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.datastructures import QueryParams

from carbon import currencies
from listings import saved_searches
from listings.models import Listing, ListingStatus
from listings.schemas import ListingCard
from listings.search import from_url, load_cards, matches
from matching import serving
from matching.picks import (
    DEFAULT_LIMIT,
    SAVED_SEARCH_NAMED,
    YOUR_CATEGORY,
    category_weights,
    shown,
)
from resale.core import taxonomy
from resale.core.db import write_session
from resale.core.notifications import service as notifications
from resale.users import service as users_service
from resale.users.models import User
from resale.users.service import home_point

NOTIFY_RADIUS_KM = 10.0  # taste alone brings a listing to people living this close
NOTIFY_MIN_SCORE = 0.3  # the audience score (model.audience) a taste notice needs
MAX_TASTE_NOTICES = 50  # per listing: a popular category must not message a whole city
NEW_LISTINGS_BATCH = 500
KIND = "listing.match"  # the notices told here (resale.core.notifications)
LINK = "/listings/"  # a notice's link: LINK + the listing's id; its key "listing:<id>"


class Told(NamedTuple):
    """Why a buyer hears of a listing: the English message (a msgid) and the values that
    fill it, stored so and worded in the reader's language when read."""

    text: str
    params: dict[str, str] | None = None


def buyers_to_tell(*, session: Session, listing: Listing) -> dict[int, Told]:
    """Who should hear of a newly published listing, and why (user id -> reason).

    Saved searches it matches come first (as the search page would show it); then,
    with a trained model, people living within ``NOTIFY_RADIUS_KM`` whose taste fits
    its category and price (``model.audience``). Never the seller.
    """
    assert listing.id is not None
    leaf = taxonomy.leaf(listing.category)
    categories = [listing.category] + ([leaf.parent] if leaf is not None and leaf.parent else [])
    searches = saved_searches.searches_naming(
        session=session, categories=categories, except_user=listing.seller_id
    )
    homes = users_service.homes_of(session=session, user_ids=[s.user_id for s in searches])
    card = load_cards(session=session, ids=[listing.id]).get(listing.id)
    photos = card is not None and card.photo_key is not None
    out: dict[int, Told] = {}
    for saved in searches:
        if saved.user_id in out:
            continue
        found = from_url(QueryParams(saved.query), home=homes.get(saved.user_id))
        if matches(found.query, listing, has_photos=photos):
            out[saved.user_id] = Told(SAVED_SEARCH_NAMED, {"name": saved.name})
    served = serving.current()
    if served is not None and listing.lat is not None and listing.lon is not None:
        people = served.model.audience(
            lat=listing.lat,
            lon=listing.lon,
            radius_km=NOTIFY_RADIUS_KM,
            item=str(listing.id) if served.knows(listing.id) else None,
            categories=category_weights(listing.category),
            price=currencies.in_euros(listing.price_cents, listing.currency),
            exclude_users=[str(listing.seller_id)],
            min_score=NOTIFY_MIN_SCORE,
        )
        for user_id, _km, _score in people[:MAX_TASTE_NOTICES]:
            out.setdefault(int(user_id), Told(YOUR_CATEGORY))
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
    id_ = listing.id
    return sum(
        notifications.tell(
            session,
            user_id,
            KIND,
            told.text,
            f"{LINK}{id_}",
            key=f"listing:{id_}",
            params=told.params,
        )
        for user_id, told in wanted.items()
    )


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
    reason: str  # in the reader's language
    created_at: datetime
    seen: bool


def notices_for(*, session: Session, user: User, limit: int = DEFAULT_LIMIT) -> list[Notice]:
    """A buyer's notices about listings still on sale, newest first."""
    assert user.id is not None
    rows = notifications.recent(session, user.id, limit * 2, kind=KIND)
    ids = {notice.id: int(notice.link.removeprefix(LINK)) for notice in rows}
    cards = load_cards(session=session, ids=list(ids.values()), point=home_point(user))
    out = []
    for notice in rows:
        card = cards.get(ids[notice.id])
        if card is None or card.status is not ListingStatus.ACTIVE:
            continue
        out.append(
            Notice(
                card=shown(card),
                reason=notifications.wording(notice),
                created_at=notice.created_at,
                seen=notice.seen_at is not None,
            )
        )
    return out[:limit]


def mark_notices_seen(*, session: Session, user: User) -> int:
    """The buyer has looked at their notices; returns how many were new.

    The notices page is a GET that writes, so it asks for the write lock first."""
    assert user.id is not None
    return notifications.mark_seen(session, user.id)


def unseen_notices(*, session: Session, user: User) -> int:
    """How many new-listing notices the buyer has not looked at yet (the home page's banner)."""
    assert user.id is not None
    return notifications.unseen_count(session, user.id, kind=KIND)


@dataclass(frozen=True, slots=True)
class News:
    """One thing a person was told, as it stood when read (before it is marked seen)."""

    text: str
    link: str
    created_at: datetime
    seen: bool


def other_news(*, session: Session, user: User, limit: int = DEFAULT_LIMIT) -> list[News]:
    """What else the person was told (a sale, and next messages, offers, reviews), newest
    first: the notifications page lists these above the new listings."""
    assert user.id is not None
    return [
        News(
            text=notifications.wording(n),
            link=n.link,
            created_at=n.created_at,
            seen=n.seen_at is not None,
        )
        for n in notifications.recent(session, user.id, limit, other_than=KIND)
    ]
