"""The primitives every transition uses: lock the order row, record an event, move its state
(erasing the delivery address of an order that ends), check who acts."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from carbon.estimate import Fulfilment
from resale.core.config import settings
from resale.core.db import lock_for_write, utcnow
from resale.core.i18n import gettext as _
from resale.trade.orders.errors import NotYourPart, Role, WrongState
from resale.trade.orders.models import (
    Order,
    OrderAddress,
    OrderEvent,
    OrderEventKind,
    OrderStatus,
)
from resale.trade.orders.reading import role_of
from resale.users.models import User

S = OrderStatus
_DELIVERED = {S.HANDED_OVER, S.SHIPPED}
_CLOSED = (S.COMPLETED, S.CANCELLED, S.REFUNDED)


def _lock(session: Session, order: Order) -> Order:
    """Re-read the order under a row lock (SQLite: under the database's write lock)."""
    lock_for_write(session)
    locked = session.exec(
        select(Order)
        .where(Order.id == order.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return locked


def _record(
    session: Session,
    order: Order,
    kind: OrderEventKind,
    *,
    actor: User | None,
    from_status: OrderStatus | None = None,
    note: str | None = None,
) -> None:
    assert order.id is not None
    session.add(
        OrderEvent(
            order_id=order.id,
            actor_id=actor.id if actor else None,
            kind=kind,
            from_status=from_status,
            to_status=order.status if from_status is not None else None,
            note=note,
        )
    )


def _move(
    session: Session,
    order: Order,
    to: OrderStatus,
    kind: OrderEventKind,
    *,
    actor: User | None,
    note: str | None = None,
) -> None:
    before = order.status
    now = utcnow()
    order.status = to
    order.updated_at = now
    if to in _CLOSED:
        order.closed_at = now
        # The buyer's address was only for posting the item: an ended order keeps none.
        session.execute(sa.delete(OrderAddress).where(col(OrderAddress.order_id) == order.id))
    session.add(order)
    _record(session, order, kind, actor=actor, from_status=before, note=note)
    session.flush()


def _must_be(order: Order, allowed: set[OrderStatus], message: str) -> None:
    """Refuse unless the order is in one of ``allowed``; ``message`` (marked with N_) says
    what cannot be done, with the order's status as ``%(status)s``."""
    if order.status not in allowed:
        raise WrongState(_(message) % {"status": order.status.label.lower()})


def _require(order: Order, user: User, role: Role, message: str) -> None:
    """Refuse unless ``user`` is the order's ``role``; ``message`` is marked with N_."""
    if role_of(order, user) != role:
        raise NotYourPart(_(message))


def _key(order: Order, action: str) -> str:
    """An idempotency key for one provider call about this order (unique across databases)."""
    stamp = int(order.created_at.timestamp() * 1_000_000)
    return f"order-{order.id}-{stamp}-{action}"


def _new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def _fee(total_cents: int) -> int:
    return total_cents * settings.platform_fee_bps // 10_000


def _protection_end(order: Order, now: datetime) -> datetime:
    transit = settings.shipping_transit_days if order.fulfilment is Fulfilment.SHIPPING else 0
    return now + timedelta(days=transit + settings.protection_days)
