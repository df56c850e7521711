"""Scheduled work: expire unpaid orders, reconcile payments, complete protected ones, pay transfers."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from listings import service as listings_service
from resale.core.config import settings
from resale.core.db import utcnow, write_session
from resale.trade.orders import wording
from resale.trade.orders.models import (
    Order,
    OrderEventKind,
    OrderStatus,
)
from resale.trade.orders.payment_events import _record_paid, _stop_payment
from resale.trade.orders.state import _DELIVERED, _lock, _move
from resale.trade.orders.transitions import _complete
from resale.trade.payments import service as payments_service
from resale.trade.payments.gateway import GatewayError, PaymentGateway, PaymentStatus

log = logging.getLogger(__name__)
S = OrderStatus


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
        note=wording.NOT_PAID_IN_TIME.english(minutes=settings.reservation_minutes),
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
        note=wording.PROTECTION_ENDED.english(),
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
