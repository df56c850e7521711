# No `from __future__ import annotations`: SQLModel resolves column types at runtime.
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from resale.core.db import UTCDateTime, str_enum, utcnow


class PaymentEvent(SQLModel, table=True):
    """A provider's webhook event, stored under its own id once: a repeat finds it and stops."""

    __tablename__ = "payment_events"
    __table_args__ = (sa.UniqueConstraint("gateway", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    gateway: str = Field(max_length=20)
    event_id: str = Field(max_length=100)
    type: str = Field(max_length=100)
    payment_ref: str | None = Field(default=None, max_length=100, index=True)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PayoutMethod(enum.StrEnum):
    TRANSFER = "transfer"  # a Stripe Connect transfer to the seller's connected account
    BALANCE = "balance"  # owed to the seller, shown as a payable balance on their account


class PayoutStatus(enum.StrEnum):
    PENDING = "pending"  # a transfer not yet made (the sweep retries it)
    PAID = "paid"  # transferred
    PAYABLE = "payable"  # held as a balance the platform owes the seller


class Payout(SQLModel, table=True):
    """The seller's share of one completed order: at most one per order."""

    __tablename__ = "payouts"
    __table_args__ = (sa.CheckConstraint("amount_cents >= 0", name="amount_not_negative"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("orders.id", ondelete="RESTRICT"), nullable=False, unique=True
        )
    )
    seller_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("users.id", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    amount_cents: int
    currency: str = Field(max_length=3)
    method: PayoutMethod = Field(sa_type=str_enum(PayoutMethod, "payout_method"))
    status: PayoutStatus = Field(sa_type=str_enum(PayoutStatus, "payout_status"))
    destination: str | None = Field(default=None, max_length=100)
    # The payment the transfer is drawn from (Stripe's source_transaction).
    source_payment_ref: str | None = Field(default=None, max_length=100)
    transfer_ref: str | None = Field(default=None, max_length=100)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PaymentAccount(SQLModel, table=True):
    """A seller's Stripe connected account, where their shares are transferred."""

    __tablename__ = "payment_accounts"

    user_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    stripe_account_id: str = Field(max_length=100, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
