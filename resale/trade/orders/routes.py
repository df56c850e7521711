"""JSON API for orders: buy, pay, ship, hand over, confirm, dispute, cancel."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlmodel import Session

from carbon.schemas import figure_out
from listings.models import Listing
from resale.core.db import SessionDep
from resale.core.fields import Id
from resale.core.i18n import gettext as _
from resale.trade.orders import service
from resale.trade.orders.models import Order, OrderEvent, OrderStatus
from resale.trade.orders.schemas import (
    DeliveryAddressOut,
    DisputeIn,
    HandoverIn,
    OrderCreate,
    OrderEventOut,
    OrderOut,
    PayIn,
    PaymentOut,
    ResolveIn,
    ShipIn,
    TradeCarbonOut,
)
from resale.trade.payments.dependencies import GatewayDep
from resale.trade.payments.gateway import Payment
from resale.users.dependencies import CurrentUser
from resale.users.models import User

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])


def viewer_role(order: Order, user: User) -> Literal["buyer", "seller", "admin"]:
    return service.role_of(order, user) or "admin"


def _event_out(order: Order, event: OrderEvent) -> OrderEventOut:
    actor: Literal["buyer", "seller", "admin", "system"]
    if event.actor_id is None:
        actor = "system"
    elif event.actor_id == order.buyer_id:
        actor = "buyer"
    elif event.actor_id == order.seller_id:
        actor = "seller"
    else:
        actor = "admin"
    return OrderEventOut(
        kind=event.kind,
        actor=actor,
        from_status=event.from_status,
        to_status=event.to_status,
        note=event.note,
        created_at=event.created_at,
    )


def order_out(
    *,
    session: Session,
    order: Order,
    viewer: User,
    listing: Listing | None = None,
    with_events: bool = True,
    payment: Payment | None = None,
    gateway_name: str | None = None,
) -> OrderOut:
    """The order as this viewer may see it: only the buyer gets the hand-over code, only
    the seller the delivery address (in the answer about this one order)."""
    role = viewer_role(order, viewer)
    listing = listing or session.get(Listing, order.listing_id)
    assert order.id is not None and listing is not None
    allowed = service.allowed_actions(order, viewer)
    return OrderOut(
        id=order.id,
        listing_id=order.listing_id,
        listing_title=listing.title,
        status=order.status,
        status_label=order.status.label,
        role=role,
        next_step=service.next_step(order, role),
        fulfilment=order.fulfilment,
        travel_mode=order.travel_mode,
        item_cents=order.item_cents,
        shipping_cents=order.shipping_cents,
        total_cents=order.total_cents,
        fee_cents=order.fee_cents,
        seller_share_cents=order.seller_share_cents,
        currency=order.currency,
        handover_code=order.handover_code if allowed.show_code else None,
        tracking=order.tracking,
        delivery_address=_address_out(session, order, viewer) if with_events else None,
        created_at=order.created_at,
        expires_at=order.expires_at if order.status is OrderStatus.PENDING_PAYMENT else None,
        paid_at=order.paid_at,
        delivered_at=order.delivered_at,
        protection_ends_at=order.protection_ends_at,
        closed_at=order.closed_at,
        actions=allowed.names(),
        events=[_event_out(order, e) for e in service.events_of(session=session, order=order)]
        if with_events
        else None,
        payment=PaymentOut(
            gateway=gateway_name or order.gateway,
            status=payment.status,
            next_action_url=payment.next_action_url,
            client_secret=payment.client_secret,
            # A gateway's own words (Stripe's decline) come as they are; ours are translated.
            failure_message=_(payment.failure_message) if payment.failure_message else None,
        )
        if payment is not None
        else None,
        carbon=_carbon_out(session, order, viewer) if with_events else None,
    )


def _address_out(session: Session, order: Order, viewer: User) -> DeliveryAddressOut | None:
    address = service.delivery_address(session=session, order=order, viewer=viewer)
    return DeliveryAddressOut.model_validate(address, from_attributes=True) if address else None


def _carbon_out(session: Session, order: Order, viewer: User) -> TradeCarbonOut | None:
    figure = service.trade_estimate(session=session, order=order)
    if figure is None:
        return None
    share = service.carbon_share(session=session, order=order, user=viewer)
    return figure_out(TradeCarbonOut, figure, credited_kg=None if share is None else share / 1000)


def load_order(order_id: Id, user: CurrentUser, session: SessionDep) -> Order:
    """The order, if the signed-in user is its buyer, its seller or an admin (else 404)."""
    return service.get_order(session=session, order_id=order_id, viewer=user)


VisibleOrder = Annotated[Order, Depends(load_order)]


@router.post("", status_code=201, response_model=OrderOut)
def create_order(
    data: OrderCreate,
    user: CurrentUser,
    session: SessionDep,
    gateway: GatewayDep,
    response: Response,
) -> OrderOut:
    """Buy a listing: claim it, open the order and start the payment.

    A shipped order needs its `delivery_address` (a 422 names the missing or wrong field,
    e.g. `["body", "delivery_address", "postcode"]`); a pickup takes none, and one sent with
    a pickup is refused (422). Only the seller sees the address, once the order is paid, and
    it is erased when the order ends. Sending the same request again returns the same open
    order (200) instead of a second one.
    """
    order, created, payment = service.buy(
        session=session,
        buyer=user,
        listing_id=data.listing_id,
        fulfilment=data.fulfilment,
        gateway=gateway,
        travel_mode=data.travel_mode,
        delivery_address=data.delivery_address,
        payment_method=data.payment_method,
    )
    if not created:
        response.status_code = 200
    return order_out(session=session, order=order, viewer=user, payment=payment)


@router.get("", response_model=list[OrderOut])
def list_orders(
    user: CurrentUser,
    session: SessionDep,
    role: Annotated[Literal["buyer", "seller"], Query(description="Purchases or sales")] = "buyer",
) -> list[OrderOut]:
    orders = service.orders_of(session=session, user=user, role=role)
    listings = service.listings_for(session=session, orders=orders)
    return [
        order_out(
            session=session,
            order=o,
            viewer=user,
            listing=listings[o.listing_id],
            with_events=False,
        )
        for o in orders
    ]


@router.get("/{order_id}", response_model=OrderOut)
def get_order(order: VisibleOrder, user: CurrentUser, session: SessionDep) -> OrderOut:
    return order_out(session=session, order=order, viewer=user)


@router.post("/{order_id}/pay", response_model=OrderOut)
def pay(
    order: VisibleOrder, data: PayIn, user: CurrentUser, session: SessionDep, gateway: GatewayDep
) -> OrderOut:
    """Pay (or try again after a declined card) for an unpaid order."""
    order, payment = service.start_payment(
        session=session,
        order=order,
        buyer=user,
        gateway=gateway,
        payment_method=data.payment_method,
    )
    return order_out(session=session, order=order, viewer=user, payment=payment)


@router.post("/{order_id}/cancel", response_model=OrderOut)
def cancel(
    order: VisibleOrder, user: CurrentUser, session: SessionDep, gateway: GatewayDep
) -> OrderOut:
    """The buyer before paying; the seller before hand-over (the buyer is refunded)."""
    order = service.cancel(session=session, order=order, actor=user, gateway=gateway)
    return order_out(session=session, order=order, viewer=user)


@router.post("/{order_id}/ship", response_model=OrderOut)
def ship(order: VisibleOrder, data: ShipIn, user: CurrentUser, session: SessionDep) -> OrderOut:
    order = service.ship(session=session, order=order, seller=user, tracking=data.tracking)
    return order_out(session=session, order=order, viewer=user)


@router.post("/{order_id}/handover", response_model=OrderOut)
def handover(
    order: VisibleOrder,
    user: CurrentUser,
    session: SessionDep,
    gateway: GatewayDep,
    data: HandoverIn | None = None,
) -> OrderOut:
    """The seller enters the buyer's 6-digit code (completes at once), or marks it handed over."""
    order = service.hand_over(
        session=session, order=order, seller=user, code=data.code if data else None, gateway=gateway
    )
    return order_out(session=session, order=order, viewer=user)


@router.post("/{order_id}/confirm", response_model=OrderOut)
def confirm(order: VisibleOrder, user: CurrentUser, session: SessionDep) -> OrderOut:
    order = service.confirm(session=session, order=order, buyer=user)
    return order_out(session=session, order=order, viewer=user)


@router.post("/{order_id}/dispute", response_model=OrderOut)
def dispute(
    order: VisibleOrder, data: DisputeIn, user: CurrentUser, session: SessionDep
) -> OrderOut:
    order = service.dispute(session=session, order=order, buyer=user, reason=data.reason)
    return order_out(session=session, order=order, viewer=user)


@router.post("/{order_id}/resolve", response_model=OrderOut)
def resolve(
    order: VisibleOrder,
    data: ResolveIn,
    user: CurrentUser,
    session: SessionDep,
    gateway: GatewayDep,
) -> OrderOut:
    """Admins only: decide a dispute for the buyer (refund) or the seller (release)."""
    order = service.resolve_dispute(
        session=session,
        order=order,
        admin=user,
        outcome=data.outcome,
        gateway=gateway,
        note=data.note,
    )
    return order_out(session=session, order=order, viewer=user)
