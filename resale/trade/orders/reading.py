"""Reading orders: one, a person's, their events and listings; who bought what, for other areas."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listings.models import Listing
from resale.trade.orders.errors import OrderNotFound, Role
from resale.trade.orders.models import (
    OPEN_STATUSES,
    Order,
    OrderAddress,
    OrderEvent,
    OrderEventKind,
    OrderStatus,
)
from resale.users.models import User


def get_order(*, session: Session, order_id: int, viewer: User) -> Order:
    """An order its buyer, its seller or an admin may see; 404 for everyone else."""
    order = session.get(Order, order_id)
    if order is None or not (viewer.is_admin or viewer.id in (order.buyer_id, order.seller_id)):
        raise OrderNotFound()
    return order


def role_of(order: Order, user: User) -> Role | None:
    if user.id == order.buyer_id:
        return "buyer"
    if user.id == order.seller_id:
        return "seller"
    return None


# When the seller sees where to post a parcel: once it is paid for, until the order ends.
ADDRESS_SHOWN_WHILE = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DISPUTED})


def delivery_address(*, session: Session, order: Order, viewer: User) -> OrderAddress | None:
    """Where to post a shipped order: for its seller only (not its buyer, not an admin),
    while it is paid and open; None otherwise."""
    if role_of(order, viewer) != "seller" or order.status not in ADDRESS_SHOWN_WHILE:
        return None
    return session.get(OrderAddress, order.id)


def delivery_city(*, session: Session, order: Order, viewer: User) -> str | None:
    """The city a buyer's open shipped order goes to, for their own order page."""
    if role_of(order, viewer) != "buyer" or not order.status.is_open:
        return None
    address = session.get(OrderAddress, order.id)
    return address.city if address is not None else None


def orders_of(*, session: Session, user: User, role: Role) -> list[Order]:
    """A person's purchases or sales, newest first."""
    column = Order.buyer_id if role == "buyer" else Order.seller_id
    return list(
        session.exec(
            select(Order)
            .where(column == user.id)
            .order_by(col(Order.created_at).desc(), col(Order.id).desc())
        ).all()
    )


def events_of(*, session: Session, order: Order) -> list[OrderEvent]:
    return list(
        session.exec(
            select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(col(OrderEvent.id))
        ).all()
    )


def listings_for(*, session: Session, orders: Sequence[Order]) -> dict[int, Listing]:
    """The listings of several orders in one query (for list pages)."""
    ids = {order.listing_id for order in orders}
    if not ids:
        return {}
    rows = session.exec(select(Listing).where(col(Listing.id).in_(ids))).all()
    return {listing.id: listing for listing in rows if listing.id is not None}


def order_for_payment(*, session: Session, payment_ref: str) -> Order | None:
    return session.exec(select(Order).where(Order.payment_ref == payment_ref)).first()


def open_order_for_listing(*, session: Session, listing_id: int) -> Order | None:
    return session.exec(
        select(Order).where(Order.listing_id == listing_id, col(Order.status).in_(OPEN_STATUSES))
    ).first()


# --- For other areas: who bought what ----------------------------------------------------


@dataclass(frozen=True)
class Purchase:
    """One order placed, whatever became of it: a strong sign of what its buyer wants."""

    order_id: int
    buyer_id: int
    listing_id: int
    at: datetime


def purchases(
    *, session: Session, buyer_id: int | None = None, after_order: int = 0
) -> list[Purchase]:
    """Orders placed (all buyers, or one), oldest first, after the order id ``after_order``."""
    statement = (
        sa.select(col(Order.id), col(Order.buyer_id), col(Order.listing_id), col(Order.created_at))
        .where(col(Order.id) > after_order)
        .order_by(col(Order.id))
    )
    if buyer_id is not None:
        statement = statement.where(col(Order.buyer_id) == buyer_id)
    return [Purchase(*row) for row in session.execute(statement)]


def last_order_id(*, session: Session) -> int | None:
    """The newest order's id: a model trained now has seen every order up to it."""
    return session.execute(sa.select(sa.func.max(col(Order.id)))).scalar()


# --- For trust: the trade a review is about, and a person's completed trades --------------


@dataclass(frozen=True)
class TradeFacts:
    """What a review needs of an order: its two people, its status and when it closed."""

    order_id: int
    listing_id: int
    buyer_id: int
    seller_id: int
    status: OrderStatus
    closed_at: datetime | None

    @property
    def completed(self) -> bool:
        """A completed sale. A refunded order (even one refunded after completing) is not
        COMPLETED: it is no sale, and nothing to review as one."""
        return self.status is OrderStatus.COMPLETED


def trade_facts(*, session: Session, order_id: int) -> TradeFacts | None:
    """One order as plain values, or None when there is no such order."""
    row = session.execute(
        sa.select(
            col(Order.id),
            col(Order.listing_id),
            col(Order.buyer_id),
            col(Order.seller_id),
            col(Order.status),
            col(Order.closed_at),
        ).where(col(Order.id) == order_id)
    ).first()
    return None if row is None else TradeFacts(*row)


@dataclass(frozen=True)
class TradeCounts:
    """A person's completed orders: as seller (items sold), and in either role."""

    sold: int
    trades: int


def completed_counts(*, session: Session, user_id: int) -> TradeCounts:
    """How many completed orders ``user_id`` sold, and took part in at all (one query)."""
    completed = col(Order.status) == OrderStatus.COMPLETED
    sold = sa.func.count().filter(col(Order.seller_id) == user_id)
    row = session.execute(
        sa.select(sold, sa.func.count()).where(
            completed, sa.or_(col(Order.seller_id) == user_id, col(Order.buyer_id) == user_id)
        )
    ).one()
    return TradeCounts(sold=int(row[0] or 0), trades=int(row[1] or 0))


# --- For conversations: what happened to the trade the two people talk about -------------

# The order events a conversation shows as its system lines ("Paid", "Shipped"...).
TRADE_LINE_KINDS = (
    OrderEventKind.PAID,
    OrderEventKind.SHIPPED,
    OrderEventKind.HANDED_OVER,
    OrderEventKind.CONFIRMED,
    OrderEventKind.DISPUTED,
    OrderEventKind.COMPLETED,
    OrderEventKind.CANCELLED,
    OrderEventKind.EXPIRED,
    OrderEventKind.REFUNDED,
)


@dataclass(frozen=True)
class TradeLine:
    """One step of an order between a listing's seller and one buyer."""

    order_id: int
    event_id: int
    kind: str  # an OrderEventKind value
    at: datetime


def trade_lines(*, session: Session, listing_id: int, buyer_id: int) -> list[TradeLine]:
    """The steps of every order ``buyer_id`` placed for ``listing_id``, oldest first."""
    rows = session.execute(
        sa.select(
            col(Order.id), col(OrderEvent.id), col(OrderEvent.kind), col(OrderEvent.created_at)
        )
        .join(OrderEvent, col(OrderEvent.order_id) == col(Order.id))
        .where(
            col(Order.listing_id) == listing_id,
            col(Order.buyer_id) == buyer_id,
            col(OrderEvent.kind).in_(TRADE_LINE_KINDS),
        )
        .order_by(col(OrderEvent.id))
    )
    return [TradeLine(order_id, event_id, str(kind), at) for order_id, event_id, kind, at in rows]


def latest_order_between(*, session: Session, listing_id: int, buyer_id: int) -> int | None:
    """The id of the newest order ``buyer_id`` placed for ``listing_id``, if any."""
    return session.execute(
        sa.select(sa.func.max(col(Order.id))).where(
            col(Order.listing_id) == listing_id, col(Order.buyer_id) == buyer_id
        )
    ).scalar()
