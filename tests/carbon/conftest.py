"""Carbon page and API fixtures: trades completed through the real order service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from carbon import service as carbon_service
from carbon.estimate import Fulfilment
from resale.trade.orders import service as order_service
from resale.trade.orders.models import Order, OrderStatus
from resale.trade.payments.dev_gateway import DevGateway
from resale.users.models import User
from tests.factories import delivery_address, make_listing, make_user


@pytest.fixture
def gateway(tmp_path: Path) -> DevGateway:
    return DevGateway(tmp_path / "dev-payments.db")


@pytest.fixture
def trade(session: Session, gateway: DevGateway) -> Callable[..., Order]:
    """Complete a real order (pay, hand over or ship and confirm): the order hook credits it.

    ``at`` books the carbon entries at that moment, as if the trade completed then.
    """

    def complete(
        *,
        buyer: User | None = None,
        seller: User | None = None,
        fulfilment: Fulfilment = Fulfilment.PICKUP,
        at: datetime | None = None,
        **listing: Any,
    ) -> Order:
        seller = seller or make_user(session)
        buyer = buyer or make_user(session)
        item = make_listing(session, seller, photos=0, shipping_cents=450, **listing)
        order, created = order_service.place_order(
            session=session,
            buyer=buyer,
            listing_id=item.id or 0,
            fulfilment=fulfilment,
            gateway_name=gateway.name,
            delivery_address=delivery_address() if fulfilment is Fulfilment.SHIPPING else None,
        )
        assert created
        order, payment = order_service.start_payment(
            session=session, order=order, buyer=buyer, gateway=gateway
        )
        decided = gateway.decide(ref=payment.ref, succeed=True)
        order_service.payment_succeeded(
            session=session,
            gateway=gateway,
            payment_ref=decided.ref,
            amount_cents=decided.amount_cents,
        )
        with pytest.MonkeyPatch.context() as patch:
            if at is not None:
                patch.setattr(carbon_service, "utcnow", lambda: at)
            if fulfilment is Fulfilment.PICKUP:
                order_service.hand_over(
                    session=session,
                    order=order,
                    seller=seller,
                    code=order.handover_code,
                    gateway=gateway,
                )
            else:
                order_service.ship(session=session, order=order, seller=seller, tracking="LP 1")
                order_service.confirm(session=session, order=order, buyer=buyer)
        assert order.status is OrderStatus.COMPLETED
        return order

    return complete


@pytest.fixture
def refund(session: Session) -> Callable[[Order], None]:
    """The provider refunds a completed order: the order hook appends the reversals."""

    def run(order: Order) -> None:
        assert order.payment_ref is not None
        order_service.payment_refunded(
            session=session,
            payment_ref=order.payment_ref,
            refund_ref=f"re_{order.id}",
            amount_cents=order.total_cents,
        )
        assert order.status is OrderStatus.REFUNDED

    return run
