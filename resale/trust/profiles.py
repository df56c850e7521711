"""A member's public profile: who they are (a name and a place, never a point), how others
rate them, what they sell and have sold, how soon they answer, the carbon their trades
avoided, and the badges the data earns them. Each block is one query at most."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from carbon import service as carbon_service
from listings.schemas import ListingCard
from listings.search import seller_cards
from resale.conversations import service as conversations_service
from resale.core.db import utcnow
from resale.core.i18n import N_
from resale.trade.orders import service as orders_service
from resale.trust.errors import ProfileNotFound
from resale.trust.reviews import Rating, ShownReview, rating_of, reviews_about
from resale.users.models import User

REVIEWS_PER_PAGE = 10
LISTINGS_SHOWN = 24

# Badges, earned from data; each is its English name (translated where shown).
BADGE_QUICK = N_("Replies within an hour")
BADGE_TEN_TRADES = N_("10 trades")
BADGE_ONE_YEAR = N_("Member for a year")
QUICK_SECONDS = 3600
QUICK_SAMPLES = 3  # a typical time needs a few answers behind it


@dataclass(frozen=True)
class Profile:
    user_id: int
    display_name: str
    place_name: str | None
    member_since: datetime
    rating: Rating
    reviews: list[ShownReview]
    page: int
    more_reviews: bool
    for_sale: list[ListingCard]
    sold: int
    trades: int
    response_seconds: float | None
    carbon_grams: int
    badges: list[str]


def badges_for(
    *, member_since: datetime, trades: int, delays: list[float], now: datetime
) -> list[str]:
    """The badges a member has earned (English names, marked for the catalogs)."""
    earned = []
    if len(delays) >= QUICK_SAMPLES and _median(delays) <= QUICK_SECONDS:
        earned.append(BADGE_QUICK)
    if trades >= 10:
        earned.append(BADGE_TEN_TRADES)
    if member_since <= now - timedelta(days=365):
        earned.append(BADGE_ONE_YEAR)
    return earned


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def profile(*, session: Session, user_id: int, page: int = 1) -> Profile:
    """The public profile of ``user_id`` (404 when there is no such member)."""
    user = session.get(User, user_id)
    if user is None:
        raise ProfileNotFound()
    reviews, more = reviews_about(
        session=session, user_id=user_id, page=page, per_page=REVIEWS_PER_PAGE
    )
    counts = orders_service.completed_counts(session=session, user_id=user_id)
    delays = conversations_service.response_delays(session=session, user_id=user_id)
    return Profile(
        user_id=user_id,
        display_name=user.display_name,
        place_name=user.place_name,
        member_since=user.created_at,
        rating=rating_of(session=session, user_id=user_id),
        reviews=reviews,
        page=page,
        more_reviews=more,
        for_sale=seller_cards(session=session, seller_id=user_id, limit=LISTINGS_SHOWN),
        sold=counts.sold,
        trades=counts.trades,
        response_seconds=_median(delays) if delays else None,
        carbon_grams=carbon_service.ledger_grams(session=session, user_id=user_id),
        badges=badges_for(
            member_since=user.created_at, trades=counts.trades, delays=delays, now=utcnow()
        ),
    )
