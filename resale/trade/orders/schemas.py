"""API input and output models for orders."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from carbon.estimate import Fulfilment, TravelMode
from carbon.schemas import FigureOut
from resale.core.fields import BoundedText, Id, blank_to_none
from resale.core.geo import NO_POSTCODE, SHIPPING_COUNTRIES
from resale.core.i18n import gettext as _
from resale.trade.orders.actions import OrderAction
from resale.trade.orders.models import OrderEventKind, OrderStatus
from resale.trade.payments.gateway import PaymentStatus

# --- The delivery address of a shipped order -------------------------------------------


def _country(code: str) -> str:
    code = code.strip().upper()
    if code not in SHIPPING_COUNTRIES:
        raise ValueError(_("choose a country from the list"))
    return code


# A phone number as people write it: an optional "+", then 5 to 15 digits (ITU's limit)
# with spaces, brackets, dots, dashes or slashes between them. The schema's pattern says it
# of the text as sent; the check reads it once trimmed, so it takes all the pattern takes.
PHONE_PATTERN = r"^\+?[ ()./-]*(?:[0-9][ ()./-]*){5,15}$"
_PHONE_CHARACTERS = re.compile(r"\+?[0-9 ()./-]+")


def _phone(value: str) -> str:
    if not _PHONE_CHARACTERS.fullmatch(value):
        raise ValueError(_("use digits, spaces and + ( ) - . / only"))
    if not 5 <= sum(c.isdigit() for c in value) <= 15:
        raise ValueError(_("a phone number has 5 to 15 digits"))
    return value


FullName = Annotated[str, BoundedText(2, 100)]
AddressLine = Annotated[str, BoundedText(3, 120)]
MoreAddress = Annotated[Annotated[str, BoundedText(0, 120)] | None, BeforeValidator(blank_to_none)]
Postcode = Annotated[Annotated[str, BoundedText(1, 16)] | None, BeforeValidator(blank_to_none)]
City = Annotated[str, BoundedText(1, 80)]
CountryCode = Annotated[
    str,
    AfterValidator(_country),
    Field(json_schema_extra={"enum": list(SHIPPING_COUNTRIES)}),
    # The alpha-2 code; the schema lists the choices, the validator gives the message.
]
Phone = Annotated[
    Annotated[
        str,
        BoundedText(1, 30),
        AfterValidator(_phone),
        WithJsonSchema({"type": "string", "maxLength": 30, "pattern": PHONE_PATTERN}),
    ]
    | None,
    BeforeValidator(blank_to_none),
]
# What the schema asks of a postcode where one is needed: a non-blank text.
_POSTCODE_TEXT = TypeAdapter(Annotated[str, BoundedText(1, 16)]).json_schema()


class DeliveryAddressIn(BaseModel):
    """Where the seller posts the item. (The country is checked before the postcode, which
    it may make optional, so that every error names its own field.)"""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"properties": {"country": {"enum": [*sorted(NO_POSTCODE)]}}},
                {"required": ["postcode"], "properties": {"postcode": _POSTCODE_TEXT}},
            ]
        }
    )

    full_name: FullName = Field(description="Who receives the parcel")
    line1: AddressLine = Field(description="Street and number")
    line2: MoreAddress = Field(default=None, description="Flat, floor, building (optional)")
    country: CountryCode = Field(description="ISO 3166 alpha-2 code")
    postcode: Postcode = Field(
        default=None,
        validate_default=True,
        description=f"Required except where the country has none ({', '.join(sorted(NO_POSTCODE))})",
    )
    city: City
    phone: Phone = Field(default=None, description="For the carrier (optional)")

    @field_validator("postcode")
    @classmethod
    def _postcode_where_needed(cls, postcode: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if postcode is None and country is not None and country not in NO_POSTCODE:
            raise ValueError(_("give the postcode"))
        return postcode


class DeliveryAddressOut(BaseModel):
    """The delivery address of a shipped order, as its seller sees it."""

    full_name: str
    line1: str
    line2: str | None
    postcode: str | None
    city: str
    country: str
    phone: str | None


class OrderCreate(BaseModel):
    """A purchase. A shipped one needs its ``delivery_address``; a pickup takes none (one
    sent with a pickup is refused, 422)."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {
                    "required": ["delivery_address"],
                    "properties": {
                        "fulfilment": {"const": Fulfilment.SHIPPING.value},
                        "delivery_address": {"type": "object"},
                    },
                },
                {
                    "properties": {
                        "fulfilment": {"const": Fulfilment.PICKUP.value},
                        "delivery_address": {"type": "null"},
                    }
                },
            ]
        }
    )

    listing_id: Id
    fulfilment: Fulfilment
    # For a pickup: how the buyer will travel to the seller (counted in the carbon figure).
    travel_mode: TravelMode | None = None
    # A provider payment method (e.g. Stripe's "pm_..."), to pay in the same request.
    payment_method: str | None = Field(default=None, max_length=100)
    delivery_address: DeliveryAddressIn | None = Field(
        default=None,
        validate_default=True,
        description="Required for shipping, refused for a pickup. Only the seller sees it, "
        "once the order is paid, and it is erased when the order ends.",
    )

    @field_validator("delivery_address")
    @classmethod
    def _address_for_shipping(
        cls, address: DeliveryAddressIn | None, info: ValidationInfo
    ) -> DeliveryAddressIn | None:
        fulfilment: Any = info.data.get("fulfilment")
        if fulfilment is Fulfilment.SHIPPING and address is None:
            raise ValueError(_("give the address to post the item to"))
        if fulfilment is Fulfilment.PICKUP and address is not None:
            raise ValueError(_("a pickup takes no delivery address; leave it out"))
        return address


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
    delivery_address: DeliveryAddressOut | None = Field(
        default=None,
        description="Where to post it: only for the seller of a paid shipped order, in the "
        "answer about that one order (not in lists), until the order ends",
    )
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
