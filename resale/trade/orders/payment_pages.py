"""The development gateway's pay page: a stand-in for Stripe's, with a succeed and a fail button.

Pressing a button decides the payment on the development gateway, then delivers the
gateway's event through the same webhook handler Stripe's events go through.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from sqlmodel import Session

from listings import service as listings_service
from resale.core import web
from resale.core.db import SessionDep
from resale.core.errors import NotFound
from resale.core.i18n import gettext as _
from resale.trade.orders import service as orders_service
from resale.trade.orders import webhooks
from resale.trade.orders.models import Order
from resale.trade.payments.dependencies import GatewayDep
from resale.trade.payments.dev_gateway import DevGateway
from resale.trade.payments.gateway import GatewayError, Payment, PaymentStatus
from resale.users.dependencies import CurrentUser, page_router
from resale.users.models import User


def dev_gateway_only(gateway: GatewayDep) -> DevGateway:
    """These pages exist only while the development gateway is the one in use."""
    if not isinstance(gateway, DevGateway):
        raise NotFound(_("We could not find that page."))
    return gateway


DevGatewayDep = Annotated[DevGateway, Depends(dev_gateway_only)]

router = page_router()
# First, before the CSRF check and the login: without the dev gateway nothing is here (404).
router.dependencies.insert(0, Depends(dev_gateway_only))


class NoSuchPayment(NotFound):
    def __init__(self) -> None:
        super().__init__(_("There is no such payment."))


def _order_paid_by(session: Session, ref: str, user: User) -> Order | None:
    """The buyer's order this payment is for (None once a declined payment was let go)."""
    order = orders_service.order_for_payment(session=session, payment_ref=ref)
    if order is not None and order.buyer_id != user.id:
        raise NoSuchPayment()
    return order


def _payment(gateway: DevGateway, ref: str) -> Payment:
    try:
        return gateway.get_payment(ref=ref)
    except GatewayError:
        raise NoSuchPayment() from None


@router.get("/payments/dev/{ref}")
def dev_pay_page(
    ref: str, request: Request, user: CurrentUser, session: SessionDep, dev: DevGatewayDep
) -> Response:
    order = _order_paid_by(session, ref, user)
    payment = _payment(dev, ref)
    if order is None:
        # A declined payment is no longer the order's: the buyer starts a new one there.
        if payment.status is PaymentStatus.FAILED:
            return web.redirect(
                "/me/purchases", flash=_("That card was declined; pay again from your order.")
            )
        raise NoSuchPayment()
    if payment.status is not PaymentStatus.REQUIRES_ACTION:
        return web.redirect(
            f"/orders/{order.id}", flash=_("This payment is already decided."), kind="info"
        )
    listing = listings_service.get_listing(session=session, listing_id=order.listing_id)
    return web.render(
        request,
        "payments/dev_pay.html",
        {"order": order, "payment": payment, "listing": listing},
    )


def _decide(ref: str, *, succeed: bool, user: User, session: Session, dev: DevGateway) -> Response:
    order = _order_paid_by(session, ref, user)
    if order is None:
        _payment(dev, ref)  # 404 for a payment that never existed
        return web.redirect(
            "/me/purchases", flash=_("This payment is already decided."), kind="info"
        )
    payment = dev.decide(ref=ref, succeed=succeed)
    # The same path as a Stripe webhook: stored once, then the order moves.
    webhooks.handle_event(session=session, gateway=dev, event=dev.event_for(payment))
    url = f"/orders/{order.id}"
    if payment.status is PaymentStatus.SUCCEEDED:
        return web.redirect(url, flash=_("Payment received. We hold it until you have the item."))
    if payment.status is PaymentStatus.FAILED:
        return web.redirect(url, flash=_("Your card was declined — try again."), kind="error")
    return web.redirect(url, flash=_("This payment can no longer be made."), kind="error")


@router.post("/payments/dev/{ref}/succeed")
def dev_pay_succeed(
    ref: str, user: CurrentUser, session: SessionDep, dev: DevGatewayDep
) -> Response:
    return _decide(ref, succeed=True, user=user, session=session, dev=dev)


@router.post("/payments/dev/{ref}/fail")
def dev_pay_fail(ref: str, user: CurrentUser, session: SessionDep, dev: DevGatewayDep) -> Response:
    return _decide(ref, succeed=False, user=user, session=session, dev=dev)
