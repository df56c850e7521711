"""Payouts: the seller's share of a completed order, transferred or held as a payable balance."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from resale.core.db import utcnow, write_session
from resale.core.errors import InvalidInput
from resale.core.i18n import gettext as _
from resale.trade.payments.gateway import GatewayError, PaymentGateway
from resale.trade.payments.models import PaymentAccount, Payout, PayoutMethod, PayoutStatus
from resale.users.models import User

MAX_TRANSFER_ATTEMPTS = 20


def connected_account(*, session: Session, user_id: int) -> str | None:
    """The seller's Stripe connected account id, if they have one."""
    account = session.get(PaymentAccount, user_id)
    return account.stripe_account_id if account else None


def connect_account(*, session: Session, user: User, stripe_account_id: str) -> PaymentAccount:
    """Record (or change) where a seller's shares are transferred."""
    stripe_account_id = stripe_account_id.strip()
    if not stripe_account_id.startswith("acct_") or len(stripe_account_id) > 100:
        raise InvalidInput(
            _("A Stripe connected account id starts with acct_."), field="stripe_account_id"
        )
    assert user.id is not None
    account = session.get(PaymentAccount, user.id)
    if account is None:
        account = PaymentAccount(user_id=user.id, stripe_account_id=stripe_account_id)
    else:
        account.stripe_account_id = stripe_account_id
    session.add(account)
    session.flush()
    return account


def create_payout(
    *,
    session: Session,
    order_id: int,
    seller_id: int,
    amount_cents: int,
    currency: str,
    payment_ref: str | None,
) -> Payout:
    """The seller's share of a completed order, once: a repeat returns the same payout."""
    existing = session.exec(select(Payout).where(Payout.order_id == order_id)).first()
    if existing is not None:
        return existing
    destination = connected_account(session=session, user_id=seller_id)
    payout = Payout(
        order_id=order_id,
        seller_id=seller_id,
        amount_cents=amount_cents,
        currency=currency,
        source_payment_ref=payment_ref,
        method=PayoutMethod.TRANSFER if destination else PayoutMethod.BALANCE,
        status=PayoutStatus.PENDING if destination else PayoutStatus.PAYABLE,
        destination=destination,
    )
    session.add(payout)
    session.flush()
    return payout


def payout_for(*, session: Session, order_id: int) -> Payout | None:
    return session.exec(select(Payout).where(Payout.order_id == order_id)).first()


@dataclass(frozen=True)
class Balance:
    currency: str
    payable_cents: int  # owed to the seller, not transferred (no connected account)
    transferred_cents: int
    pending_cents: int  # transfers waiting to be made


def seller_balances(*, session: Session, seller: User) -> list[Balance]:
    """What the platform owes a seller and has paid them, per currency."""
    rows = session.exec(
        select(Payout.currency, Payout.status, func.sum(Payout.amount_cents))
        .where(Payout.seller_id == seller.id)
        .group_by(col(Payout.currency), col(Payout.status))
    ).all()
    sums: dict[str, dict[PayoutStatus, int]] = {}
    for currency, status, total in rows:
        sums.setdefault(currency, {})[PayoutStatus(status)] = int(total or 0)
    return [
        Balance(
            currency=currency,
            payable_cents=by_status.get(PayoutStatus.PAYABLE, 0),
            transferred_cents=by_status.get(PayoutStatus.PAID, 0),
            pending_cents=by_status.get(PayoutStatus.PENDING, 0),
        )
        for currency, by_status in sorted(sums.items())
    ]


def run_pending_transfers(*, engine: Engine, gateway: PaymentGateway) -> tuple[int, int]:
    """Make the transfers that are due, each in its own transaction; returns (paid, failed).

    The idempotency key is the payout's, so a transfer made just before a crash is
    found again by the provider instead of being paid twice.
    """
    with Session(engine) as session:
        ids = session.exec(
            select(Payout.id).where(
                Payout.status == PayoutStatus.PENDING, Payout.attempts < MAX_TRANSFER_ATTEMPTS
            )
        ).all()
    paid = failed = 0
    for payout_id in ids:
        with write_session(engine) as session:
            payout = session.exec(
                select(Payout).where(Payout.id == payout_id).with_for_update()
            ).first()
            if payout is None or payout.status is not PayoutStatus.PENDING:
                continue
            assert payout.destination is not None
            try:
                transfer = gateway.transfer(
                    destination=payout.destination,
                    amount_cents=payout.amount_cents,
                    currency=payout.currency,
                    idempotency_key=f"payout-{payout.id}",
                    source_payment_ref=payout.source_payment_ref,
                    metadata={"order_id": str(payout.order_id), "payout_id": str(payout.id)},
                )
            except GatewayError as exc:
                payout.attempts += 1
                payout.last_error = str(exc)[:500]
                failed += 1
            else:
                payout.status = PayoutStatus.PAID
                payout.transfer_ref = transfer.ref
                payout.paid_at = utcnow()
                paid += 1
            session.add(payout)
            session.commit()
    return paid, failed


def pending_transfer_count(*, session: Session) -> int:
    return int(
        session.execute(
            sa.select(sa.func.count()).where(col(Payout.status) == PayoutStatus.PENDING)
        ).scalar_one()
    )
