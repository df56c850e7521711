"""A small marketplace with taste and distance in it, written through the real tables.

Buyers live in Paris or Lyon and each likes two of four categories; they look at
(and save, and sometimes buy) listings of those categories in their own city, over
the last month. Enough structure for the model to learn, small enough to train in
seconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import Session

from carbon.estimate import Fulfilment
from listings.models import (
    Condition,
    Favorite,
    InteractionEvent,
    InteractionKind,
    Listing,
    ListingStatus,
)
from matching.model import ModelConfig
from resale.core.db import utcnow
from resale.trade.orders.models import Order, OrderStatus
from resale.users.models import User
from tests.factories import make_user, point_at

CITIES = {
    "paris": {"place_name": "Paris, Le Marais", "lat": 48.8590, "lon": 2.3620},
    "lyon": {"place_name": "Lyon, Presqu'île", "lat": 45.7600, "lon": 4.8340},
}
CATEGORIES = ("tables", "sofas", "road-bikes", "phones")
TITLES = {
    "tables": ("Oak dining table", "Pine kitchen table", "Round coffee table"),
    "sofas": ("Grey three-seater sofa", "Leather sofa", "Corner sofa bed"),
    "road-bikes": ("Carbon road bike", "Steel road bike", "Aluminium racing bike"),
    "phones": ("iPhone 12 64 GB", "Samsung Galaxy S21", "Google Pixel 7"),
}
# Small enough to fit in a couple of seconds, large enough to learn from this data.
SMALL = ModelConfig(max_iter=40, negatives_per_query=40, n_local_users=10, min_samples_leaf=5)


@dataclass
class Market:
    sellers: list[User]
    buyers: list[User]
    listings: list[Listing]
    taste: dict[int, tuple[str, str]] = field(default_factory=dict)  # buyer id -> categories
    city_of: dict[int, str] = field(default_factory=dict)  # listing id -> city
    home_city: dict[int, str] = field(default_factory=dict)  # user id -> city


def make_market(
    session: Session, *, buyers: int = 20, per_city_category: int = 5, seed: int = 0
) -> Market:
    rng = random.Random(seed)
    now = utcnow()
    market = Market(sellers=[], buyers=[], listings=[])
    for home in CITIES.values():
        seller = make_user(session, **home)
        market.sellers.append(seller)
        for category in CATEGORIES:
            for n in range(per_city_category):
                lat, lon = point_at(
                    home["lat"], home["lon"], rng.uniform(0.2, 8), rng.uniform(0, 360)
                )
                listing = Listing(
                    seller_id=seller.id,
                    title=TITLES[category][n % 3],
                    description="Used, works well.",
                    category=category,
                    condition=Condition.GOOD,
                    price_cents=rng.randint(20, 400) * 100,
                    currency="EUR",
                    place_name=home["place_name"],
                    lat=round(lat, 2),
                    lon=round(lon, 2),
                    status=ListingStatus.ACTIVE,
                    published_at=now - timedelta(days=40),
                    search_doc=f"t{TITLES[category][n % 3].split()[0].lower()} a{category}",
                )
                session.add(listing)
                market.listings.append(listing)
    session.flush()
    for listing in market.listings:
        assert listing.id is not None
        market.city_of[listing.id] = (
            "paris" if listing.seller_id == market.sellers[0].id else "lyon"
        )
    events: list[InteractionEvent] = []
    favorites: list[Favorite] = []
    for n in range(buyers):
        city = "paris" if n % 2 == 0 else "lyon"
        buyer = make_user(session, **CITIES[city])
        assert buyer.id is not None
        market.buyers.append(buyer)
        market.home_city[buyer.id] = city
        liked = (CATEGORIES[n % 4], CATEGORIES[(n + 1) % 4])
        market.taste[buyer.id] = liked
        pool = [
            item
            for item in market.listings
            if market.city_of[item.id or 0] == city and item.category in liked
        ]
        for k, item in enumerate(rng.sample(pool, min(len(pool), 7))):
            at = now - timedelta(days=30 - 4 * k, hours=rng.randint(0, 20))
            events.append(
                InteractionEvent(
                    user_id=buyer.id, listing_id=item.id, kind=InteractionKind.VIEW, created_at=at
                )
            )
            if k % 3 == 0:
                events.append(
                    InteractionEvent(
                        user_id=buyer.id,
                        listing_id=item.id,
                        kind=InteractionKind.FAVORITE,
                        created_at=at + timedelta(minutes=5),
                    )
                )
                favorites.append(
                    Favorite(
                        user_id=buyer.id, listing_id=item.id, created_at=at + timedelta(minutes=5)
                    )
                )
    # a visitor who is not signed in, and someone who changed their mind
    events.append(
        InteractionEvent(
            user_id=None,
            listing_id=market.listings[0].id,
            kind=InteractionKind.VIEW,
            created_at=now,
        )
    )
    events.append(
        InteractionEvent(
            user_id=market.buyers[0].id,
            listing_id=market.listings[1].id,
            kind=InteractionKind.UNFAVORITE,
            created_at=now - timedelta(days=1),
        )
    )
    session.add_all(events)
    session.add_all(favorites)
    session.flush()
    return market


def add_order(session: Session, market: Market, buyer: User, listing: Listing) -> Order:
    """A completed trade: the listing is sold."""
    assert listing.id is not None and buyer.id is not None
    now = utcnow()
    order = Order(
        listing_id=listing.id,
        buyer_id=buyer.id,
        seller_id=listing.seller_id,
        status=OrderStatus.COMPLETED,
        fulfilment=Fulfilment.PICKUP,
        item_cents=listing.price_cents,
        total_cents=listing.price_cents,
        currency=listing.currency,
        handover_code="123456",
        gateway="dev",
        created_at=now - timedelta(days=2),
        expires_at=now,
    )
    listing.status = ListingStatus.SOLD
    session.add_all([order, listing])
    session.flush()
    return order
