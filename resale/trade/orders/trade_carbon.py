"""The carbon adapter: the avoided CO2e of a trade as made, and its credit to both sides."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from carbon import service as carbon_service
from carbon.estimate import CarbonDataError, CarbonInputError, Estimate, estimate
from listings.models import Listing
from resale.trade.orders.models import (
    Order,
)
from resale.users.models import User

log = logging.getLogger(__name__)


def trade_estimate(*, session: Session, order: Order) -> Estimate | None:
    """The avoided CO2e of this trade as made: its item, fulfilment, travel mode and distance."""
    listing = session.get(Listing, order.listing_id)
    if listing is None:
        return None
    try:
        return estimate(
            category=listing.category,
            price_cents=order.item_cents,
            currency=order.currency,
            weight_kg=listing.weight_kg,
            fulfilment=order.fulfilment.value,
            mode=order.travel_mode,
            distance_km=order.distance_km,
        )
    except (CarbonInputError, CarbonDataError):
        # A trade must complete even if its carbon figure cannot be made; the log says why.
        log.exception("order %s: no carbon estimate", order.id)
        return None


def carbon_share(*, session: Session, order: Order, user: User) -> int | None:
    """Grams this person holds from this trade (credits net of reversals); None if not credited."""
    assert order.id is not None
    entries = [
        e
        for e in carbon_service.entries_for_order(session=session, order_id=order.id)
        if e.user_id == user.id
    ]
    return sum(e.grams for e in entries) if entries else None


def credit_carbon(*, session: Session, order: Order, at: datetime | None = None) -> None:
    """Credit a completed order's estimate to its buyer and seller (once; see carbon.service).
    ``at`` dates the entries (now, unless the demo data writes a past trade)."""
    figure = trade_estimate(session=session, order=order)
    if figure is None:
        return
    assert order.id is not None
    carbon_service.credit_trade(
        session=session,
        order_id=order.id,
        buyer_id=order.buyer_id,
        seller_id=order.seller_id,
        estimate=figure,
        at=at,
    )
