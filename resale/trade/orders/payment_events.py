"""Paying for an order: starting a payment, and what the provider tells us happened to it."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlmodel import Session, col, select

from carbon import service as carbon_service
from carbon.estimate import Fulfilment
from listings import service as listings_service
from resale.core.db import utcnow
from resale.core.i18n import N_
from resale.core.i18n import gettext as _
from resale.core.notifications import service as notifications
from resale.trade.orders import wording
from resale.trade.orders.errors import PaymentProblem, WrongState
from resale.trade.orders.models import (
    Order,
    OrderEvent,
    OrderEventKind,
    OrderStatus,
)
from resale.trade.orders.state import (
    _key,
    _lock,
    _move,
    _must_be,
    _record,
    _require,
)
from resale.trade.payments.gateway import GatewayError, Payment, PaymentGateway, PaymentStatus
from resale.users.models import User

log = logging.getLogger(__name__)
S = OrderStatus


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
    _require(order, buyer, "buyer", N_("Only the buyer can pay for this order."))
    if order.gateway != gateway.name:
        raise WrongState(_("This order was started with another payment provider."))
    if order.payment_ref and order.status is not S.PENDING_PAYMENT:
        return order, gateway.get_payment(ref=order.payment_ref)
    _must_be(order, {S.PENDING_PAYMENT}, N_("This order is %(status)s; it cannot be paid now."))
    if order.expires_at <= utcnow():
        raise WrongState(_("This order's reservation has ended; the item is free again."))
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
        raise PaymentProblem(
            _("The payment could not be started: %(reason)s") % {"reason": exc}
        ) from exc
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
        note=(message or wording.DECLINED.english())[:500],
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
            note=wording.LATE_PAYMENT_REFUNDED.english(ref=refund.ref)
            if order.status is not S.PENDING_PAYMENT
            else wording.WRONG_AMOUNT_REFUNDED.english(
                paid=amount_cents, expected=expected, ref=refund.ref
            ),
        )
        session.flush()
        return order
    now = utcnow()
    order.payment_ref = payment_ref
    order.paid_at = now
    _move(session, order, S.PAID, OrderEventKind.PAID, actor=None, note=gateway.name)
    _tell_seller_sold(session, order)
    return order


SOLD = "order.sold"  # the notification a seller gets when the buyer has paid
# Stored in English with the title, worded when read (in the seller's language).
SOLD_TO_SHIP = N_(
    "Sold: “%(title)s”. The buyer has paid: ship it and add the tracking number on the order page."
)
SOLD_TO_HAND_OVER = N_(
    "Sold: “%(title)s”. The buyer has paid: arrange the hand-over with the buyer on the order page."
)


def _tell_seller_sold(session: Session, order: Order) -> None:
    """The seller hears that the item sold and what to do next (once per order)."""
    listing = listings_service.get_listing(session=session, listing_id=order.listing_id)
    notifications.tell(
        session,
        order.seller_id,
        SOLD,
        text=SOLD_TO_SHIP if order.fulfilment is Fulfilment.SHIPPING else SOLD_TO_HAND_OVER,
        link=f"/orders/{order.id}",
        key=f"order:{order.id}:sold",
        params={"title": listing.title},
    )


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
            note=wording.PARTLY_REFUNDED.english(
                amount=amount_cents, total=order.total_cents, ref=refund_ref
            ),
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
        note=wording.PROVIDER_REFUNDED.english(),
    )
    return order


def _refund(session: Session, order: Order, gateway: PaymentGateway) -> None:
    assert order.payment_ref is not None
    try:
        refund = gateway.refund(
            payment_ref=order.payment_ref,
            amount_cents=order.total_cents,
            idempotency_key=_key(order, "refund"),
        )
    except GatewayError as exc:
        raise PaymentProblem(
            _("The refund could not be made: %(reason)s") % {"reason": exc}
        ) from exc
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
        raise PaymentProblem(
            _("The payment could not be cancelled: %(reason)s") % {"reason": exc}
        ) from exc
    if result.status is not PaymentStatus.SUCCEEDED:
        return False
    _record_paid(session, order, gateway, result)
    return True
