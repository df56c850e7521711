"""The order state machine: claim, pay, hand over or ship, confirm, complete, cancel, refund.

Every transition locks the order row, checks who is acting and from which state, and
writes an order event. Asking for a state the order is already in changes nothing, so
every request is safe to retry. Prices come from the listing, never from the request.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from carbon import service as carbon_service
from carbon.estimate import CarbonDataError, CarbonInputError, Estimate, TravelMode, estimate
from listings import service as listings_service
from listings.models import Listing, ListingStatus
from resale.core.config import settings
from resale.core.db import lock_for_write, utcnow, write_session
from resale.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from resale.core.geo import haversine_km
from resale.trade.orders.models import (
    OPEN_STATUSES,
    Fulfilment,
    Order,
    OrderEvent,
    OrderEventKind,
    OrderStatus,
)
from resale.trade.payments import service as payments_service
from resale.trade.payments.gateway import GatewayError, Payment, PaymentGateway, PaymentStatus
from resale.users.models import User

log = logging.getLogger(__name__)

Role = Literal["buyer", "seller"]
DisputeOutcome = Literal["refund", "release"]


class OrderNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such order.")


class NotYourPart(PermissionDenied):
    pass


class WrongState(Conflict):
    pass


class PaymentProblem(Conflict):
    """The payment provider refused or could not be reached; nothing was changed."""

    status_code = 502


S = OrderStatus
_DELIVERED = {S.HANDED_OVER, S.SHIPPED}


# --- Reading ---------------------------------------------------------------------------


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


# --- Internals -------------------------------------------------------------------------


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
    if to in (S.COMPLETED, S.CANCELLED, S.REFUNDED):
        order.closed_at = now
    session.add(order)
    _record(session, order, kind, actor=actor, from_status=before, note=note)
    session.flush()


def _must_be(order: Order, allowed: set[OrderStatus], action: str) -> None:
    if order.status not in allowed:
        raise WrongState(f"This order is {order.status.label.lower()}; it cannot be {action} now.")


def _require(order: Order, user: User, role: Role, action: str) -> None:
    if role_of(order, user) != role:
        raise NotYourPart(f"Only the {role} can {action}.")


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


# --- Buying ----------------------------------------------------------------------------


def place_order(
    *,
    session: Session,
    buyer: User,
    listing_id: int,
    fulfilment: Fulfilment,
    gateway_name: str,
    travel_mode: TravelMode | None = None,
) -> tuple[Order, bool]:
    """Claim the listing and open an unpaid order; returns (order, created).

    A repeat by the same buyer returns their open order instead of a second one.
    """
    lock_for_write(session)
    listing = session.get(Listing, listing_id)
    if listing is None or listing.status is ListingStatus.DRAFT:
        raise NotFound("No such listing.", field="listing_id")
    if listing.seller_id == buyer.id:
        raise InvalidInput("You cannot buy your own listing.", field="listing_id")
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
            "This seller does not ship this item; choose pickup.", field="fulfilment"
        )
    if fulfilment is Fulfilment.PICKUP and not listing.has_point:
        raise InvalidInput("This item has no pickup place; choose shipping.", field="fulfilment")
    listings_service.claim(session=session, listing_id=listing_id)
    shipping = (listing.shipping_cents or 0) if fulfilment is Fulfilment.SHIPPING else 0
    pickup = fulfilment is Fulfilment.PICKUP
    distance = None
    if pickup and buyer.has_location and listing.has_point:
        assert buyer.lat is not None and buyer.lon is not None
        assert listing.lat is not None and listing.lon is not None
        distance = round(haversine_km(buyer.lat, buyer.lon, listing.lat, listing.lon), 3)
    now = utcnow()
    assert buyer.id is not None
    order = Order(
        listing_id=listing_id,
        buyer_id=buyer.id,
        seller_id=listing.seller_id,
        fulfilment=fulfilment,
        travel_mode=travel_mode if pickup else None,
        distance_km=distance,
        item_cents=listing.price_cents,
        shipping_cents=shipping,
        total_cents=listing.price_cents + shipping,
        fee_cents=_fee(listing.price_cents + shipping),
        currency=listing.currency,
        handover_code=_new_code(),
        gateway=gateway_name,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(minutes=settings.reservation_minutes),
    )
    session.add(order)
    session.flush()
    _record(session, order, OrderEventKind.CREATED, actor=buyer, note=fulfilment.label)
    session.flush()
    return order, True


def _payment_attempt(session: Session, order: Order) -> int:
    failed = session.execute(
        sa.select(sa.func.count())
        .select_from(OrderEvent)
        .where(
            col(OrderEvent.order_id) == order.id,
            col(OrderEvent.kind) == OrderEventKind.PAYMENT_FAILED,
        )
    ).scalar_one()
    return int(failed) + 1


def start_payment(
    *,
    session: Session,
    order: Order,
    buyer: User,
    gateway: PaymentGateway,
    payment_method: str | None = None,
    return_url: str | None = None,
) -> tuple[Order, Payment]:
    """Create (or find again) the payment for an unpaid order; pays at once if the gateway can."""
    order = _lock(session, order)
    _require(order, buyer, "buyer", "pay for this order")
    if order.gateway != gateway.name:
        raise WrongState("This order was started with another payment provider.")
    if order.payment_ref and order.status is not S.PENDING_PAYMENT:
        return order, gateway.get_payment(ref=order.payment_ref)
    _must_be(order, {S.PENDING_PAYMENT}, "paid")
    if order.expires_at <= utcnow():
        raise WrongState("This order's reservation has ended; the item is free again.")
    if order.payment_ref:
        current = gateway.get_payment(ref=order.payment_ref)
        # Still payable as it is: the same payment again (a retried request).
        if current.status in (PaymentStatus.REQUIRES_ACTION, PaymentStatus.PROCESSING) and (
            payment_method is None
        ):
            return order, current
        if current.status is PaymentStatus.SUCCEEDED:
            _record_paid(session, order, gateway, current)
            return order, current
    attempt = _payment_attempt(session, order)
    try:
        payment = gateway.create_payment(
            amount_cents=order.total_cents,
            currency=order.currency,
            idempotency_key=_key(order, f"payment-{attempt}"),
            description=f"resale order {order.id}",
            metadata={"order_id": str(order.id)},
            payment_method=payment_method,
            return_url=return_url,
        )
    except GatewayError as exc:
        raise PaymentProblem(f"The payment could not be started: {exc}") from exc
    if order.payment_ref != payment.ref:
        order.payment_ref = payment.ref
        order.updated_at = utcnow()
        session.add(order)
        _record(session, order, OrderEventKind.PAYMENT_STARTED, actor=buyer, note=gateway.name)
        session.flush()
    if payment.status is PaymentStatus.SUCCEEDED:
        _record_paid(session, order, gateway, payment)
    elif payment.status is PaymentStatus.FAILED:
        _note_failure(session, order, payment.failure_message)
    return order, payment


def _note_failure(session: Session, order: Order, message: str | None) -> None:
    # The order stays open: the buyer may try another card until the hold ends.
    _record(
        session,
        order,
        OrderEventKind.PAYMENT_FAILED,
        actor=None,
        note=(message or "The payment was declined.")[:500],
    )
    order.payment_ref = None
    session.add(order)
    session.flush()


def _find_by_payment(session: Session, payment_ref: str, order_id: int | None) -> Order | None:
    order = session.exec(select(Order).where(Order.payment_ref == payment_ref)).first()
    if order is None and order_id is not None:
        # The payment was made but its id never reached us (a crash after the charge):
        # the provider's metadata still names the order.
        order = session.get(Order, order_id)
    return _lock(session, order) if order is not None else None


def _record_paid(session: Session, order: Order, gateway: PaymentGateway, payment: Payment) -> None:
    payment_succeeded(
        session=session,
        gateway=gateway,
        payment_ref=payment.ref,
        amount_cents=payment.amount_cents,
        order_id=order.id,
    )


def payment_succeeded(
    *,
    session: Session,
    gateway: PaymentGateway,
    payment_ref: str,
    amount_cents: int | None,
    order_id: int | None = None,
) -> Order | None:
    """The provider holds the buyer's money: the order is paid (once, however often told)."""
    order = _find_by_payment(session, payment_ref, order_id)
    if order is None:
        log.warning("payment %s succeeded for no known order", payment_ref)
        return None
    if order.paid_at is not None and order.payment_ref == payment_ref:
        return order  # already recorded
    expected = order.total_cents
    if order.status is not S.PENDING_PAYMENT or (
        amount_cents is not None and amount_cents != expected
    ):
        # Paid after the hold ended (or not the amount agreed): give the money back.
        reason = (
            "paid after the reservation had ended"
            if order.status is not S.PENDING_PAYMENT
            else f"paid {amount_cents} instead of {expected}"
        )
        refund = gateway.refund(
            payment_ref=payment_ref,
            amount_cents=amount_cents if amount_cents is not None else expected,
            idempotency_key=f"payment-{payment_ref}-returned",
        )
        _record(
            session,
            order,
            OrderEventKind.REFUNDED,
            actor=None,
            note=f"A payment {reason} was refunded automatically ({refund.ref}).",
        )
        session.flush()
        return order
    now = utcnow()
    order.payment_ref = payment_ref
    order.paid_at = now
    _move(session, order, S.PAID, OrderEventKind.PAID, actor=None, note=gateway.name)
    return order


def payment_failed(
    *, session: Session, payment_ref: str, message: str | None, order_id: int | None = None
) -> Order | None:
    """The provider declined the payment: say so on the order; the buyer may try again."""
    order = _find_by_payment(session, payment_ref, order_id)
    if order is None or order.status is not S.PENDING_PAYMENT:
        return order
    if order.payment_ref != payment_ref:
        return order  # an older attempt; a newer one is under way
    _note_failure(session, order, message)
    return order


def payment_refunded(
    *, session: Session, payment_ref: str, refund_ref: str | None, amount_cents: int | None
) -> Order | None:
    """The provider refunded the payment (from our refund call or its dashboard)."""
    order = _find_by_payment(session, payment_ref, None)
    if order is None:
        return None
    if order.refund_ref is not None or order.status in (S.REFUNDED, S.CANCELLED):
        return order  # our own refund, already recorded
    if order.paid_at is None or (amount_cents is not None and amount_cents < order.total_cents):
        # A partial refund, or money returned for a payment the order never took:
        # recorded for the team to look at; the order itself does not move.
        _record(
            session,
            order,
            OrderEventKind.REFUNDED,
            actor=None,
            note=f"The provider refunded {amount_cents} of {order.total_cents} ({refund_ref}).",
        )
        session.flush()
        return order
    order.refund_ref = refund_ref
    # Money back means the item goes back: withdrawn until the seller relists it.
    listings_service.take_back(session=session, listing_id=order.listing_id)
    if order.status is S.COMPLETED:
        assert order.id is not None
        carbon_service.reverse_trade(
            session=session, order_id=order.id, note=f"Refunded after completion ({refund_ref})."
        )
    _move(
        session,
        order,
        S.REFUNDED,
        OrderEventKind.REFUNDED,
        actor=None,
        note="Refunded by the payment provider.",
    )
    return order


# --- After payment ---------------------------------------------------------------------


def _refund(session: Session, order: Order, gateway: PaymentGateway) -> None:
    assert order.payment_ref is not None
    try:
        refund = gateway.refund(
            payment_ref=order.payment_ref,
            amount_cents=order.total_cents,
            idempotency_key=_key(order, "refund"),
        )
    except GatewayError as exc:
        raise PaymentProblem(f"The refund could not be made: {exc}") from exc
    order.refund_ref = refund.ref


def _stop_payment(session: Session, order: Order, gateway: PaymentGateway) -> bool:
    """Cancel the order's unfinished payment; True if it had in fact just succeeded.

    Then the order is recorded as paid instead: the buyer paid between our last look
    and the cancel, and the money must not be left taken for a cancelled order.
    """
    assert order.payment_ref is not None
    try:
        result = gateway.cancel_payment(
            ref=order.payment_ref, idempotency_key=_key(order, "cancel")
        )
    except GatewayError as exc:
        raise PaymentProblem(f"The payment could not be cancelled: {exc}") from exc
    if result.status is not PaymentStatus.SUCCEEDED:
        return False
    _record_paid(session, order, gateway, result)
    return True


def cancel(*, session: Session, order: Order, actor: User, gateway: PaymentGateway) -> Order:
    """Cancel: the buyer before paying, the seller before hand-over (refunding the buyer)."""
    order = _lock(session, order)
    role = role_of(order, actor)
    if role is None:
        raise NotYourPart("Only the buyer or the seller can cancel this order.")
    if order.status is S.CANCELLED:
        return order
    if role == "buyer":
        if order.status is not S.PENDING_PAYMENT:
            raise WrongState(
                "This order is paid; ask the seller to cancel it, or open a dispute after hand-over."
            )
        if order.payment_ref and _stop_payment(session, order, gateway):
            return order  # paid a moment ago: not cancelled (the page shows it paid)
        listings_service.release(session=session, listing_id=order.listing_id)
        _move(session, order, S.CANCELLED, OrderEventKind.CANCELLED, actor=actor)
        return order
    _must_be(order, {S.PENDING_PAYMENT, S.PAID}, "cancelled")
    note = None
    if order.status is S.PAID:
        _refund(session, order, gateway)
        note = f"The buyer was refunded ({order.refund_ref})."
    elif order.payment_ref and _stop_payment(session, order, gateway):
        raise WrongState("The buyer has just paid; cancel again to refund them.")
    # The seller called it off: the listing waits, withdrawn, until they relist it.
    listings_service.take_back(session=session, listing_id=order.listing_id)
    _move(session, order, S.CANCELLED, OrderEventKind.CANCELLED, actor=actor, note=note)
    return order


def ship(*, session: Session, order: Order, seller: User, tracking: str) -> Order:
    """The seller posted the item, with its tracking reference."""
    order = _lock(session, order)
    _require(order, seller, "seller", "mark this order as shipped")
    tracking = " ".join(tracking.split())
    if order.status is S.SHIPPED and order.tracking == tracking:
        return order
    if order.fulfilment is not Fulfilment.SHIPPING:
        raise WrongState("This order is a pickup; enter the buyer's hand-over code instead.")
    _must_be(order, {S.PAID}, "shipped")
    if not tracking or len(tracking) > 200:
        raise InvalidInput(
            "Give the carrier and tracking number (up to 200 characters).", field="tracking"
        )
    now = utcnow()
    order.tracking = tracking
    order.delivered_at = now
    order.protection_ends_at = _protection_end(order, now)
    _move(session, order, S.SHIPPED, OrderEventKind.SHIPPED, actor=seller, note=tracking)
    return order


class WrongHandoverCode(InvalidInput):
    # The attempt itself is worth keeping (it counts towards the lock), so the request
    # commits what was recorded before this error instead of rolling it back.
    keep_changes = True


def hand_over(
    *, session: Session, order: Order, seller: User, code: str | None, gateway: PaymentGateway
) -> Order:
    """Pickup: with the buyer's code the order completes at once; without, buyer protection runs."""
    order = _lock(session, order)
    _require(order, seller, "seller", "hand this item over")
    if order.fulfilment is not Fulfilment.PICKUP:
        raise WrongState("This order is shipped, not handed over; mark it as shipped.")
    if order.status is S.COMPLETED or (order.status is S.HANDED_OVER and code is None):
        return order
    _must_be(order, {S.PAID, S.HANDED_OVER}, "handed over")
    if code is None:
        now = utcnow()
        order.delivered_at = now
        order.protection_ends_at = _protection_end(order, now)
        _move(session, order, S.HANDED_OVER, OrderEventKind.HANDED_OVER, actor=seller)
        return order
    if order.handover_failures >= settings.handover_max_attempts:
        raise WrongState(
            "Too many wrong codes: the code is locked. Mark the item as handed over and "
            "the buyer confirms receipt in the app."
        )
    entered = "".join(code.split())
    if not secrets.compare_digest(entered.encode(), order.handover_code.encode()):
        order.handover_failures += 1
        session.add(order)
        _record(session, order, OrderEventKind.WRONG_CODE, actor=seller)
        session.flush()
        left = settings.handover_max_attempts - order.handover_failures
        raise WrongHandoverCode(
            f"That is not the buyer's code. {left} {'try' if left == 1 else 'tries'} left."
            if left
            else "That is not the buyer's code. The code is now locked: mark the item as "
            "handed over and the buyer confirms receipt.",
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
            note="The buyer's code was entered.",
        )
    _complete(session, order, actor=seller, kind=OrderEventKind.COMPLETED, note="Hand-over code")
    return order


def confirm(*, session: Session, order: Order, buyer: User) -> Order:
    """The buyer has the item and is happy: the seller is paid."""
    order = _lock(session, order)
    _require(order, buyer, "buyer", "confirm receipt")
    if order.status is S.COMPLETED:
        return order
    _must_be(order, _DELIVERED, "confirmed")
    _complete(session, order, actor=buyer, kind=OrderEventKind.CONFIRMED, note=None)
    return order


def dispute(*, session: Session, order: Order, buyer: User, reason: str) -> Order:
    """The buyer reports a problem within the protection window; an admin decides."""
    order = _lock(session, order)
    _require(order, buyer, "buyer", "open a dispute")
    if order.status is S.DISPUTED:
        return order
    _must_be(order, _DELIVERED, "disputed")
    reason = " ".join(reason.split())
    if not 5 <= len(reason) <= 500:
        raise InvalidInput("Say what went wrong (5 to 500 characters).", field="reason")
    if order.protection_ends_at is not None and order.protection_ends_at <= utcnow():
        raise WrongState("The protection window has ended for this order.")
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
        raise NotYourPart("Only an admin can resolve a dispute.")
    order = _lock(session, order)
    wanted = S.REFUNDED if outcome == "refund" else S.COMPLETED
    if order.status is wanted:
        return order
    _must_be(order, {S.DISPUTED}, "resolved")
    if outcome == "refund":
        _refund(session, order, gateway)
        listings_service.take_back(session=session, listing_id=order.listing_id)
        _move(
            session,
            order,
            S.REFUNDED,
            OrderEventKind.DISPUTE_RESOLVED,
            actor=admin,
            note=note or f"Resolved for the buyer: refunded ({order.refund_ref}).",
        )
        return order
    _complete(
        session,
        order,
        actor=admin,
        kind=OrderEventKind.DISPUTE_RESOLVED,
        note=note or "Resolved for the seller.",
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
    _credit_carbon(session, order)
    _record(
        session,
        order,
        OrderEventKind.PAYOUT,
        actor=None,
        note=(
            "Transfer to the seller's account queued."
            if payout.destination
            else "Added to the seller's payable balance."
        ),
    )
    session.flush()


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


def _credit_carbon(session: Session, order: Order) -> None:
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
    )


# --- The sweep -------------------------------------------------------------------------


@dataclass
class SweepReport:
    expired: int = 0
    reconciled: int = 0
    completed: int = 0
    transfers_paid: int = 0
    transfers_failed: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"expired {self.expired}, reconciled {self.reconciled}, completed {self.completed}, "
            f"transfers paid {self.transfers_paid}, failed {self.transfers_failed}"
        )
        return text + (f", errors {len(self.errors)}" if self.errors else "")


def _expire_one(
    session: Session, order: Order, gateway: PaymentGateway, report: SweepReport, now: datetime
) -> None:
    order = _lock(session, order)
    if order.status is not S.PENDING_PAYMENT or order.expires_at > now:
        return
    if order.payment_ref:
        # A webhook may have been lost: ask the provider before letting the item go.
        payment = gateway.get_payment(ref=order.payment_ref)
        if payment.status is PaymentStatus.SUCCEEDED:
            _record_paid(session, order, gateway, payment)
            report.reconciled += 1
            return
        if payment.status is PaymentStatus.PROCESSING:
            return  # the provider will decide; look again next time
        if _stop_payment(session, order, gateway):
            report.reconciled += 1
            return
    listings_service.release(session=session, listing_id=order.listing_id)
    _move(
        session,
        order,
        S.CANCELLED,
        OrderEventKind.EXPIRED,
        actor=None,
        note=f"Not paid within {settings.reservation_minutes} minutes; the item is free again.",
    )
    report.expired += 1


def _auto_complete_one(session: Session, order: Order, report: SweepReport, now: datetime) -> None:
    order = _lock(session, order)
    if order.status not in _DELIVERED or order.protection_ends_at is None:
        return
    if order.protection_ends_at > now:
        return
    _complete(
        session,
        order,
        actor=None,
        kind=OrderEventKind.COMPLETED,
        note="The protection window ended without a dispute.",
    )
    report.completed += 1


def sweep(*, engine: Engine, gateway: PaymentGateway, now: datetime | None = None) -> SweepReport:
    """Release unpaid holds, complete orders past protection, make due transfers.

    Each order is handled in its own short transaction under a row lock, so two
    sweeps running at once (cron and the app) never act twice on one order.
    """
    now = now or utcnow()
    report = SweepReport()
    with Session(engine) as session:
        stale = session.exec(
            select(Order.id).where(Order.status == S.PENDING_PAYMENT, col(Order.expires_at) <= now)
        ).all()
        due = session.exec(
            select(Order.id).where(
                col(Order.status).in_(_DELIVERED), col(Order.protection_ends_at) <= now
            )
        ).all()
    for ids, action in ((stale, "expire"), (due, "complete")):
        for order_id in ids:
            with write_session(engine) as session:
                order = session.get(Order, order_id)
                if order is None:
                    continue
                try:
                    if action == "expire":
                        _expire_one(session, order, gateway, report, now)
                    else:
                        _auto_complete_one(session, order, report, now)
                    session.commit()
                except (GatewayError, sa.exc.SQLAlchemyError) as exc:
                    session.rollback()
                    report.errors.append(f"order {order_id}: {exc}")
    paid, failed = payments_service.run_pending_transfers(engine=engine, gateway=gateway)
    report.transfers_paid, report.transfers_failed = paid, failed
    return report


# --- Words for people ------------------------------------------------------------------


def next_step(order: Order, role: Role | Literal["admin"]) -> str:
    """What this person should do next on this order, in one sentence."""
    pickup = order.fulfilment is Fulfilment.PICKUP
    status = order.status
    if status is S.PENDING_PAYMENT:
        return (
            "Pay to secure the item: it is held for you until the reservation ends."
            if role == "buyer"
            else "Waiting for the buyer to pay. The item is held until the reservation ends."
        )
    if status is S.PAID:
        if role == "buyer":
            return (
                "Meet the seller and show them your hand-over code when you have the item."
                if pickup
                else "The seller is preparing your parcel; you will see the tracking here."
            )
        if role == "seller":
            return (
                "Meet the buyer and enter the code they show you: you are paid at once."
                if pickup
                else "Post the item and enter the tracking reference."
            )
        return "Paid; waiting for hand-over or shipping."
    if status in _DELIVERED:
        return (
            "Check the item, then confirm you received it, or open a dispute if something is wrong."
            if role == "buyer"
            else "Waiting for the buyer to confirm; without a dispute you are paid when protection ends."
        )
    if status is S.DISPUTED:
        return (
            "Decide the dispute: refund the buyer or release the money to the seller."
            if role == "admin"
            else "The dispute is with our team; we will decide and let you both know."
        )
    if status is S.COMPLETED:
        return (
            "Done. Enjoy your item!"
            if role == "buyer"
            else "Done. Your share has been paid out or added to your balance."
        )
    if status is S.REFUNDED:
        return "The buyer was refunded."
    return "This order was cancelled; no money was taken, or it was refunded."


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
