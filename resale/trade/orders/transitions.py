"""The order's transitions: claim, cancel, ship, hand over, confirm, dispute, resolve, complete.

Every transition locks the order row, checks who is acting and from which state, and
writes an order event. Asking for a state the order is already in changes nothing, so
every request is safe to retry. Prices come from the listing (or the offer its seller
accepted, kept with the listing's reservation), never from the request.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from sqlmodel import Session, col, select

from carbon.estimate import Fulfilment, TravelMode
from listings import service as listings_service
from listings.models import Listing, ListingStatus
from resale.core.config import settings
from resale.core.db import lock_for_write, utcnow
from resale.core.errors import InvalidInput, NotFound
from resale.core.geo import haversine_km
from resale.core.i18n import N_, ngettext
from resale.core.i18n import gettext as _
from resale.trade.orders import wording
from resale.trade.orders.errors import (
    DisputeOutcome,
    NotYourPart,
    WrongHandoverCode,
    WrongState,
)
from resale.trade.orders.models import (
    OPEN_STATUSES,
    Order,
    OrderAddress,
    OrderEventKind,
    OrderStatus,
)
from resale.trade.orders.payment_events import _refund, _stop_payment, start_payment
from resale.trade.orders.reading import role_of
from resale.trade.orders.schemas import DeliveryAddressIn
from resale.trade.orders.state import (
    _DELIVERED,
    _fee,
    _lock,
    _move,
    _must_be,
    _new_code,
    _protection_end,
    _record,
    _require,
)
from resale.trade.orders.trade_carbon import credit_carbon
from resale.trade.payments import service as payments_service
from resale.trade.payments.gateway import Payment, PaymentGateway
from resale.users.models import User

S = OrderStatus


def place_order(
    *,
    session: Session,
    buyer: User,
    listing_id: int,
    fulfilment: Fulfilment,
    gateway_name: str,
    travel_mode: TravelMode | None = None,
    delivery_address: DeliveryAddressIn | None = None,
) -> tuple[Order, bool]:
    """Claim the listing and open an unpaid order; returns (order, created).

    A repeat by the same buyer returns their open order instead of a second one. A shipped
    order needs its ``delivery_address``, stored with it; a pickup keeps none.
    """
    lock_for_write(session)
    listing = session.get(Listing, listing_id)
    if listing is None or listing.status is ListingStatus.DRAFT:
        raise NotFound(_("No such listing."), field="listing_id")
    if listing.seller_id == buyer.id:
        raise InvalidInput(_("You cannot buy your own listing."), field="listing_id")
    existing = session.exec(
        select(Order).where(
            Order.listing_id == listing_id,
            Order.buyer_id == buyer.id,
            col(Order.status).in_(OPEN_STATUSES),
        )
    ).first()
    if existing is not None:
        return existing, False
    if fulfilment is Fulfilment.SHIPPING and listing.shipping_cents is None:
        raise InvalidInput(
            _("This seller does not ship this item; choose pickup."), field="fulfilment"
        )
    if fulfilment is Fulfilment.PICKUP and not listing.has_point:
        raise InvalidInput(_("This item has no pickup place; choose shipping."), field="fulfilment")
    if fulfilment is Fulfilment.SHIPPING and delivery_address is None:
        raise InvalidInput(
            _("Give the address the seller should post it to."), field="delivery_address"
        )
    assert buyer.id is not None
    # The price agreed with the seller if the item is reserved for this buyer (an accepted
    # offer), else the listed one: never the request's.
    agreed = listings_service.claim_for(session=session, listing_id=listing_id, buyer_id=buyer.id)
    item_cents = listing.price_cents if agreed is None else agreed
    shipping = (listing.shipping_cents or 0) if fulfilment is Fulfilment.SHIPPING else 0
    pickup = fulfilment is Fulfilment.PICKUP
    distance = None
    if pickup and buyer.has_location and listing.has_point:
        assert buyer.lat is not None and buyer.lon is not None
        assert listing.lat is not None and listing.lon is not None
        distance = round(haversine_km(buyer.lat, buyer.lon, listing.lat, listing.lon), 3)
    now = utcnow()
    order = Order(
        listing_id=listing_id,
        buyer_id=buyer.id,
        seller_id=listing.seller_id,
        fulfilment=fulfilment,
        travel_mode=travel_mode if pickup else None,
        distance_km=distance,
        item_cents=item_cents,
        shipping_cents=shipping,
        total_cents=item_cents + shipping,
        fee_cents=_fee(item_cents + shipping),
        currency=listing.currency,
        handover_code=_new_code(),
        gateway=gateway_name,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(minutes=settings.reservation_minutes),
    )
    session.add(order)
    session.flush()
    if fulfilment is Fulfilment.SHIPPING and delivery_address is not None:
        assert order.id is not None
        session.add(OrderAddress(order_id=order.id, **delivery_address.model_dump()))
    _record(session, order, OrderEventKind.CREATED, actor=buyer, note=fulfilment.label)
    session.flush()
    return order, True


def buy(
    *,
    session: Session,
    buyer: User,
    listing_id: int,
    fulfilment: Fulfilment,
    gateway: PaymentGateway,
    travel_mode: TravelMode | None = None,
    delivery_address: DeliveryAddressIn | None = None,
    payment_method: str | None = None,
    return_url: Callable[[Order], str] | None = None,
) -> tuple[Order, bool, Payment]:
    """Buy a listing: claim it, open the order and start its payment, in one transaction.

    Returns (order, created, payment); a repeat by the same buyer finds their open order and
    its payment again. The API and the buy page both call this. A refusal at either step
    raises, and the caller's transaction is rolled back: no order is left without a payment
    attempt, and the item stays on sale. ``return_url`` gives, for the new order, where the
    provider sends the buyer back after a step of its own (3-D Secure).
    """
    order, created = place_order(
        session=session,
        buyer=buyer,
        listing_id=listing_id,
        fulfilment=fulfilment,
        gateway_name=gateway.name,
        travel_mode=travel_mode,
        delivery_address=delivery_address,
    )
    order, payment = start_payment(
        session=session,
        order=order,
        buyer=buyer,
        gateway=gateway,
        payment_method=payment_method,
        return_url=return_url(order) if return_url else None,
    )
    return order, created, payment


def cancel(*, session: Session, order: Order, actor: User, gateway: PaymentGateway) -> Order:
    """Cancel: the buyer before paying, the seller before hand-over (refunding the buyer)."""
    order = _lock(session, order)
    role = role_of(order, actor)
    if role is None:
        raise NotYourPart(_("Only the buyer or the seller can cancel this order."))
    if order.status is S.CANCELLED:
        return order
    if role == "buyer":
        if order.status is not S.PENDING_PAYMENT:
            raise WrongState(
                _(
                    "This order is paid; ask the seller to cancel it, or open a dispute after hand-over."
                )
            )
        if order.payment_ref and _stop_payment(session, order, gateway):
            return order  # paid a moment ago: not cancelled (the page shows it paid)
        listings_service.release(session=session, listing_id=order.listing_id)
        _move(session, order, S.CANCELLED, OrderEventKind.CANCELLED, actor=actor)
        return order
    _must_be(
        order,
        {S.PENDING_PAYMENT, S.PAID},
        N_("This order is %(status)s; it cannot be cancelled now."),
    )
    note = None
    if order.status is S.PAID:
        _refund(session, order, gateway)
        note = wording.BUYER_REFUNDED.english(ref=order.refund_ref)
    elif order.payment_ref and _stop_payment(session, order, gateway):
        raise WrongState(_("The buyer has just paid; cancel again to refund them."))
    # The seller called it off: the listing waits, withdrawn, until they relist it.
    listings_service.take_back(session=session, listing_id=order.listing_id)
    _move(session, order, S.CANCELLED, OrderEventKind.CANCELLED, actor=actor, note=note)
    return order


def ship(*, session: Session, order: Order, seller: User, tracking: str) -> Order:
    """The seller posted the item, with its tracking reference."""
    order = _lock(session, order)
    _require(order, seller, "seller", N_("Only the seller can mark this order as shipped."))
    tracking = " ".join(tracking.split())
    if order.status is S.SHIPPED and order.tracking == tracking:
        return order
    if order.fulfilment is not Fulfilment.SHIPPING:
        raise WrongState(_("This order is a pickup; enter the buyer's hand-over code instead."))
    _must_be(order, {S.PAID}, N_("This order is %(status)s; it cannot be shipped now."))
    if not tracking or len(tracking) > 200:
        raise InvalidInput(
            _("Give the carrier and tracking number (up to 200 characters)."), field="tracking"
        )
    now = utcnow()
    order.tracking = tracking
    order.delivered_at = now
    order.protection_ends_at = _protection_end(order, now)
    _move(session, order, S.SHIPPED, OrderEventKind.SHIPPED, actor=seller, note=tracking)
    return order


def hand_over(
    *, session: Session, order: Order, seller: User, code: str | None, gateway: PaymentGateway
) -> Order:
    """Pickup: with the buyer's code the order completes at once; without, buyer protection runs."""
    order = _lock(session, order)
    _require(order, seller, "seller", N_("Only the seller can hand this item over."))
    if order.fulfilment is not Fulfilment.PICKUP:
        raise WrongState(_("This order is shipped, not handed over; mark it as shipped."))
    if order.status is S.COMPLETED or (order.status is S.HANDED_OVER and code is None):
        return order
    _must_be(
        order,
        {S.PAID, S.HANDED_OVER},
        N_("This order is %(status)s; it cannot be handed over now."),
    )
    if code is None:
        now = utcnow()
        order.delivered_at = now
        order.protection_ends_at = _protection_end(order, now)
        _move(session, order, S.HANDED_OVER, OrderEventKind.HANDED_OVER, actor=seller)
        return order
    if order.handover_failures >= settings.handover_max_attempts:
        raise WrongState(
            _(
                "Too many wrong codes: the code is locked. Mark the item as handed over and "
                "the buyer confirms receipt in the app."
            )
        )
    entered = "".join(code.split())
    if not secrets.compare_digest(entered.encode(), order.handover_code.encode()):
        order.handover_failures += 1
        session.add(order)
        _record(session, order, OrderEventKind.WRONG_CODE, actor=seller)
        session.flush()
        left = settings.handover_max_attempts - order.handover_failures
        raise WrongHandoverCode(
            ngettext(
                "That is not the buyer's code. %(num)s try left.",
                "That is not the buyer's code. %(num)s tries left.",
                left,
            )
            % {"num": left}
            if left
            else _(
                "That is not the buyer's code. The code is now locked: mark the item as "
                "handed over and the buyer confirms receipt."
            ),
            field="code",
        )
    now = utcnow()
    order.delivered_at = order.delivered_at or now
    if order.status is S.PAID:
        _move(
            session,
            order,
            S.HANDED_OVER,
            OrderEventKind.HANDED_OVER,
            actor=seller,
            note=wording.CODE_ENTERED.english(),
        )
    _complete(
        session,
        order,
        actor=seller,
        kind=OrderEventKind.COMPLETED,
        note=wording.BY_CODE.english(),
    )
    return order


def confirm(*, session: Session, order: Order, buyer: User) -> Order:
    """The buyer has the item and is happy: the seller is paid."""
    order = _lock(session, order)
    _require(order, buyer, "buyer", N_("Only the buyer can confirm receipt."))
    if order.status is S.COMPLETED:
        return order
    _must_be(order, _DELIVERED, N_("This order is %(status)s; it cannot be confirmed now."))
    _complete(session, order, actor=buyer, kind=OrderEventKind.CONFIRMED, note=None)
    return order


def dispute(*, session: Session, order: Order, buyer: User, reason: str) -> Order:
    """The buyer reports a problem within the protection window; an admin decides."""
    order = _lock(session, order)
    _require(order, buyer, "buyer", N_("Only the buyer can open a dispute."))
    if order.status is S.DISPUTED:
        return order
    _must_be(order, _DELIVERED, N_("This order is %(status)s; it cannot be disputed now."))
    reason = " ".join(reason.split())
    if not 5 <= len(reason) <= 500:
        raise InvalidInput(_("Say what went wrong (5 to 500 characters)."), field="reason")
    if order.protection_ends_at is not None and order.protection_ends_at <= utcnow():
        raise WrongState(_("The protection window has ended for this order."))
    _move(session, order, S.DISPUTED, OrderEventKind.DISPUTED, actor=buyer, note=reason)
    return order


def resolve_dispute(
    *,
    session: Session,
    order: Order,
    admin: User,
    outcome: DisputeOutcome,
    gateway: PaymentGateway,
    note: str | None = None,
) -> Order:
    """An admin decides a dispute: refund the buyer, or release the money to the seller."""
    if not admin.is_admin:
        raise NotYourPart(_("Only an admin can resolve a dispute."))
    order = _lock(session, order)
    wanted = S.REFUNDED if outcome == "refund" else S.COMPLETED
    if order.status is wanted:
        return order
    _must_be(order, {S.DISPUTED}, N_("This order is %(status)s; it cannot be resolved now."))
    if outcome == "refund":
        _refund(session, order, gateway)
        listings_service.take_back(session=session, listing_id=order.listing_id)
        _move(
            session,
            order,
            S.REFUNDED,
            OrderEventKind.DISPUTE_RESOLVED,
            actor=admin,
            note=note or wording.FOR_BUYER.english(ref=order.refund_ref),
        )
        return order
    _complete(
        session,
        order,
        actor=admin,
        kind=OrderEventKind.DISPUTE_RESOLVED,
        note=note or wording.FOR_SELLER.english(),
    )
    return order


def _complete(
    session: Session,
    order: Order,
    *,
    actor: User | None,
    kind: OrderEventKind,
    note: str | None,
) -> None:
    listings_service.mark_sold(session=session, listing_id=order.listing_id)
    _move(session, order, S.COMPLETED, kind, actor=actor, note=note)
    assert order.id is not None
    payout = payments_service.create_payout(
        session=session,
        order_id=order.id,
        seller_id=order.seller_id,
        amount_cents=order.seller_share_cents,
        currency=order.currency,
        payment_ref=order.payment_ref,
    )
    credit_carbon(session=session, order=order)
    _record(
        session,
        order,
        OrderEventKind.PAYOUT,
        actor=None,
        note=(
            wording.TRANSFER_QUEUED if payout.destination else wording.ADDED_TO_BALANCE
        ).english(),
    )
    session.flush()
