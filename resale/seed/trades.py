"""Completed trades in the demo: orders sold to neighbours, credited to carbon accounts."""

from __future__ import annotations

import heapq
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

    About one on-sale listing in ten is sold to someone in the seller's city (so listings in
    China, in yuan, are bought there); each demo account buys two items near home and sells
    one, so its "My carbon" page has something to show.
    """
    chosen, demo_buys = _choose_sold(rng=rng, people=people, ads=ads)
    by_city: dict[str, list[int]] = {}
    for index, person in enumerate(people):
        by_city.setdefault(person.place.city, []).append(index)
    steps.start("Completed trades", len(chosen))
    made = 0
    for ad in chosen:
        seller = people[ad.seller]
        if id(ad) in demo_buys:
            buyer_index = demo_buys[id(ad)]
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
) -> tuple[list[Ad], dict[int, int]]:
    """The listings to sell, and which of them a demo account buys (``id(ad)``: buyer)."""
    on_sale = [ad for ad in ads if ad.status is ListingStatus.ACTIVE and ad.published_at]
    chosen: list[Ad] = []
    demo_buys: dict[int, int] = {}
    taken: set[int] = set()
    for index, person in enumerate(people):
        if not person.demo:
            continue
        # The two nearest items to its taste: bought from neighbours, as people do.
        wanted = [
            (haversine_km(person.lat, person.lon, ad.lat, ad.lon), number, ad)
            for number, ad in enumerate(on_sale)
            if ad.seller != index and ad.group in person.interests and id(ad) not in taken
        ]
        for _, _, ad in heapq.nsmallest(2, wanted, key=lambda row: (row[0], row[1])):
            demo_buys[id(ad)] = index
            taken.add(id(ad))
            chosen.append(ad)
        # ...and sells its dearest, which saves enough to show on its side of the account.
        own = [ad for ad in on_sale if ad.seller == index and id(ad) not in taken]
        if own:
            sold = max(own, key=lambda ad: ad.row["price_cents"])
            taken.add(id(sold))
            chosen.append(sold)
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
