# No `from __future__ import annotations`: SQLModel resolves relationship types at runtime.
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from carbon.estimate import Fulfilment, TravelMode
from resale.core.db import UTCDateTime, str_enum, utcnow
from resale.core.i18n import N_, gettext


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    HANDED_OVER = "handed_over"
    SHIPPED = "shipped"
    DISPUTED = "disputed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"

    @property
    def label(self) -> str:
        """The status as people read it, in the language spoken."""
        return gettext(STATUS_LABELS[self])

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


STATUS_LABELS = {
    OrderStatus.PENDING_PAYMENT: N_("Waiting for payment"),
    OrderStatus.PAID: N_("Paid"),
    OrderStatus.HANDED_OVER: N_("Handed over"),
    OrderStatus.SHIPPED: N_("Shipped"),
    OrderStatus.DISPUTED: N_("In dispute"),
    OrderStatus.COMPLETED: N_("Completed"),
    OrderStatus.CANCELLED: N_("Cancelled"),
    OrderStatus.REFUNDED: N_("Refunded"),
}

# An open order holds its listing; at most one per listing (a partial unique index).
OPEN_STATUSES = frozenset(
    {
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.PAID,
        OrderStatus.HANDED_OVER,
        OrderStatus.SHIPPED,
        OrderStatus.DISPUTED,
    }
)
_OPEN_SQL = "status IN ('pending_payment', 'paid', 'handed_over', 'shipped', 'disputed')"


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        sa.CheckConstraint("item_cents >= 0", name="item_not_negative"),
        sa.CheckConstraint("shipping_cents >= 0", name="shipping_not_negative"),
        sa.CheckConstraint("fee_cents >= 0 AND fee_cents <= total_cents", name="fee_in_total"),
        sa.CheckConstraint("total_cents = item_cents + shipping_cents", name="total_adds_up"),
        sa.CheckConstraint("buyer_id <> seller_id", name="not_own_listing"),
        # The database itself refuses a second open order on one listing.
        sa.Index(
            "uq_orders_open_listing",
            "listing_id",
            unique=True,
            sqlite_where=sa.text(_OPEN_SQL),
            postgresql_where=sa.text(_OPEN_SQL),
        ),
        sa.Index("ix_orders_buyer_id_created_at", "buyer_id", "created_at"),
        sa.Index("ix_orders_seller_id_created_at", "seller_id", "created_at"),
        # The sweep's two scans: unpaid orders past their hold, delivered ones past protection.
        sa.Index("ix_orders_status_expires_at", "status", "expires_at"),
        sa.Index("ix_orders_status_protection_ends_at", "status", "protection_ends_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("listings.id", ondelete="RESTRICT"), nullable=False)
    )
    buyer_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    )
    seller_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    )
    status: OrderStatus = Field(
        default=OrderStatus.PENDING_PAYMENT, sa_type=str_enum(OrderStatus, "order_status")
    )
    fulfilment: Fulfilment = Field(sa_type=str_enum(Fulfilment, "fulfilment"))
    # For a pickup: how the buyer said they will travel, and the distance between the buyer's
    # home and the item when both were known; the trade's carbon estimate counts that trip.
    travel_mode: TravelMode | None = Field(
        default=None, sa_type=str_enum(TravelMode, "travel_mode"), nullable=True
    )
    distance_km: float | None = Field(default=None)
    # Copied from the listing when the order is made: what the buyer agreed to pay.
    item_cents: int
    shipping_cents: int = 0
    total_cents: int
    fee_cents: int = 0
    currency: str = Field(max_length=3)
    # Shown to the buyer only; the seller enters it on meeting to complete a pickup.
    handover_code: str = Field(max_length=6)
    handover_failures: int = 0
    tracking: str | None = Field(default=None, max_length=200)
    # The payment provider ("stripe" or "dev") and its ids.
    gateway: str = Field(max_length=20)
    payment_ref: str | None = Field(default=None, max_length=100, unique=True)
    refund_ref: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # An unpaid order releases its listing at this time.
    expires_at: datetime = Field(sa_type=UTCDateTime)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Without a confirmation or a dispute, the order completes itself at this time.
    protection_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def seller_share_cents(self) -> int:
        return self.total_cents - self.fee_cents


class OrderAddress(SQLModel, table=True):
    """Where a shipped order is posted, as its buyer gave it when buying. Only the order's
    seller sees it, once paid; it is erased when the order ends (``state._move``)."""

    __tablename__ = "order_addresses"

    order_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    full_name: str = Field(max_length=100)
    line1: str = Field(max_length=120)
    line2: str | None = Field(default=None, max_length=120)
    postcode: str | None = Field(default=None, max_length=16)
    city: str = Field(max_length=80)
    country: str = Field(max_length=2)  # ISO 3166 (resale.core.geo.SHIPPING_COUNTRIES)
    phone: str | None = Field(default=None, max_length=30)


class OrderEventKind(enum.StrEnum):
    CREATED = "created"
    PAYMENT_STARTED = "payment_started"
    PAID = "paid"
    PAYMENT_FAILED = "payment_failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    SHIPPED = "shipped"
    HANDED_OVER = "handed_over"
    WRONG_CODE = "wrong_code"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    DISPUTE_RESOLVED = "dispute_resolved"
    COMPLETED = "completed"
    REFUNDED = "refunded"
    PAYOUT = "payout"


class OrderEvent(SQLModel, table=True):
    """One line of an order's history: who did what, when. Never edited."""

    __tablename__ = "order_events"
    __table_args__ = (sa.Index("ix_order_events_order_id_id", "order_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False)
    )
    # Null when the system acted (the sweep, a payment provider's webhook).
    actor_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    kind: OrderEventKind = Field(sa_type=str_enum(OrderEventKind, "order_event_kind"))
    from_status: OrderStatus | None = Field(
        default=None, sa_type=str_enum(OrderStatus, "order_event_from_status")
    )
    to_status: OrderStatus | None = Field(
        default=None, sa_type=str_enum(OrderStatus, "order_event_to_status")
    )
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
