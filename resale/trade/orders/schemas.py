"""API input and output models for orders."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from carbon.estimate import Fulfilment, TravelMode
from carbon.schemas import FigureOut
from resale.core.fields import Id
from resale.trade.orders.actions import OrderAction
from resale.trade.orders.models import OrderEventKind, OrderStatus
from resale.trade.payments.gateway import PaymentStatus


class OrderCreate(BaseModel):
    listing_id: Id
    fulfilment: Fulfilment
    # For a pickup: how the buyer will travel to the seller (counted in the carbon figure).
    travel_mode: TravelMode | None = None
    # A provider payment method (e.g. Stripe's "pm_..."), to pay in the same request.
    payment_method: str | None = Field(default=None, max_length=100)


class PayIn(BaseModel):
    payment_method: str | None = Field(default=None, max_length=100)


class ShipIn(BaseModel):
    tracking: str = Field(min_length=1, max_length=200)


class HandoverIn(BaseModel):
    # Without a code the item is marked handed over and buyer protection starts.
    code: str | None = Field(default=None, max_length=20)


class DisputeIn(BaseModel):
    reason: str = Field(min_length=5, max_length=500)


class ResolveIn(BaseModel):
    outcome: Literal["refund", "release"]
    note: str | None = Field(default=None, max_length=500)


class PaymentOut(BaseModel):
    gateway: str
    status: PaymentStatus
    # Where the buyer completes the payment (the development gateway's pay page).
    next_action_url: str | None = None
    client_secret: str | None = None
    failure_message: str | None = None


class OrderEventOut(BaseModel):
    kind: OrderEventKind
    actor: Literal["buyer", "seller", "admin", "system"]
    from_status: OrderStatus | None
    to_status: OrderStatus | None
    note: str | None
    created_at: datetime


class TradeCarbonOut(FigureOut):
    """What this trade avoids, as made (item, fulfilment, travel mode, distance)."""

    unit: str = "kg CO2e"
    credited_kg: float | None = Field(
        description="This person's share credited to their carbon account (once completed)"
    )


class OrderOut(BaseModel):
    id: int
    listing_id: int
    listing_title: str
    status: OrderStatus
    status_label: str
    role: Literal["buyer", "seller", "admin"]
    next_step: str = Field(description="What this person should do next, in words")
    fulfilment: Fulfilment
    travel_mode: TravelMode | None
    item_cents: int
    shipping_cents: int
    total_cents: int
    fee_cents: int
    seller_share_cents: int
    currency: str
    handover_code: str | None = Field(
        description="Only for the buyer of a paid pickup: show it to the seller on meeting"
    )
    tracking: str | None
    created_at: datetime
    expires_at: datetime | None = Field(description="An unpaid order releases the item then")
    paid_at: datetime | None
    delivered_at: datetime | None
    protection_ends_at: datetime | None
    closed_at: datetime | None
    actions: list[OrderAction] = Field(
        description="What this person may do now, each as POST /api/v1/orders/{id}/{action}"
    )
    events: list[OrderEventOut] | None = None
    payment: PaymentOut | None = None
    carbon: TradeCarbonOut | None = None
