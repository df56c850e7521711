"""Completed trades in the demo: orders sold to neighbours, credited to carbon accounts."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from carbon.estimate import Fulfilment, TravelMode
from listings.models import ListingStatus
from resale.core.geo import haversine_km
from resale.seed.rows import TABLES, Ad, Person, Steps, moment_after
from resale.trade.orders import service as orders_service
from resale.trade.orders.models import Order, OrderStatus


def insert_trades(
    *,
    session: Session,
    rng: random.Random,
    people: list[Person],
    ads: list[Ad],
    now: datetime,
    steps: Steps,
) -> int:
    """Trades completed in the past weeks, credited to carbon accounts as real ones are.

    About one on-sale listing in ten is sold to someone in the seller's city; the demo
    account buys two items and sells one, so its "My carbon" page has something to show.
    """
    chosen, demo_buys = _choose_sold(rng=rng, people=people, ads=ads)
    by_city: dict[str, list[int]] = {}
    for index, person in enumerate(people):
        by_city.setdefault(person.place.city, []).append(index)
    steps.start("Completed trades", len(chosen))
    made = 0
    for ad in chosen:
        seller = people[ad.seller]
        if ad in demo_buys:
            buyer_index = 0
        else:
            neighbours = [i for i in by_city[seller.place.city] if i != ad.seller]
            if not neighbours:
                continue
            buyer_index = rng.choice(neighbours)
        buyer = people[buyer_index]
        order = _completed_order(rng=rng, ad=ad, seller=seller, buyer=buyer, now=now)
        _record_sale(session=session, order=order, ad=ad)
        made += 1
        steps.advance(1)
    return made


def _choose_sold(
    *, rng: random.Random, people: list[Person], ads: list[Ad]
) -> tuple[list[Ad], list[Ad]]:
    """The listings to sell, and which of them the demo account buys."""
    on_sale = [ad for ad in ads if ad.status is ListingStatus.ACTIVE and ad.published_at]
    demo_buys = [ad for ad in on_sale if ad.seller != 0 and ad.group in people[0].interests][:2]
    demo_sells = [ad for ad in on_sale if ad.seller == 0][:1]
    chosen = demo_buys + demo_sells
    taken = {id(ad) for ad in chosen}
    rest = [ad for ad in on_sale if id(ad) not in taken]
    chosen += rng.sample(rest, min(len(rest) // 10, 400))
    return chosen, demo_buys


_MODES = (TravelMode.WALK_BIKE, TravelMode.PUBLIC_TRANSPORT, TravelMode.CAR)


def _completed_order(
    *, rng: random.Random, ad: Ad, seller: Person, buyer: Person, now: datetime
) -> Order:
    assert ad.published_at is not None
    bought = moment_after(rng, ad.published_at, now - timedelta(hours=2))
    done = min(bought + timedelta(hours=rng.uniform(2, 72)), now - timedelta(minutes=5))
    ships = ad.row.get("shipping_cents") is not None and rng.random() < 0.3
    price, shipping = ad.row["price_cents"], (ad.row.get("shipping_cents") or 0)
    return Order(
        listing_id=ad.id,
        buyer_id=buyer.id,
        seller_id=seller.id,
        status=OrderStatus.COMPLETED,
        fulfilment=Fulfilment.SHIPPING if ships else Fulfilment.PICKUP,
        travel_mode=None if ships else rng.choices(_MODES, weights=(5, 3, 2))[0],
        distance_km=None if ships else round(haversine_km(buyer.lat, buyer.lon, ad.lat, ad.lon), 3),
        item_cents=price,
        shipping_cents=shipping if ships else 0,
        total_cents=price + (shipping if ships else 0),
        currency=ad.row["currency"],
        handover_code=f"{rng.randrange(1_000_000):06d}",
        gateway="dev",
        created_at=bought,
        updated_at=done,
        expires_at=bought + timedelta(minutes=30),
        paid_at=bought + timedelta(minutes=2),
        delivered_at=done,
        closed_at=done,
    )


def _record_sale(*, session: Session, order: Order, ad: Ad) -> None:
    """Store the order, mark the listing sold and credit both carbon accounts."""
    session.add(order)
    session.flush()
    done = order.closed_at
    ad.status = ListingStatus.SOLD
    session.execute(
        sa.update(TABLES["listings"])
        .where(TABLES["listings"].c.id == ad.id)
        .values(status=ListingStatus.SOLD.value, updated_at=done)
    )
    orders_service.credit_carbon(session=session, order=order, at=done)
