"""The estimate's inputs: their kinds, and the checks that turn what a caller gave into
values the methodology can use, or a CarbonInputError naming the field."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Literal

from carbon.methodology import FactorSet, ItemFactor
from resale.core.fields import MAX_DISTANCE_KM, MAX_WEIGHT_KG
from resale.core.i18n import N_, gettext
from resale.core.i18n import number as number_text

InputField = Literal[
    "category", "price_cents", "currency", "weight_kg", "fulfilment", "mode", "distance_km"
]


class Fulfilment(StrEnum):
    """How an item changes hands; orders store it too (the column keeps these values)."""

    PICKUP = "pickup"
    SHIPPING = "shipping"

    @property
    def label(self) -> str:
        return gettext(_FULFILMENT_LABELS[self])


_FULFILMENT_LABELS = {
    Fulfilment.PICKUP: N_("Pickup in person"),
    Fulfilment.SHIPPING: N_("Shipping"),
}


class TravelMode(StrEnum):
    WALK_BIKE = "walk_bike"
    PUBLIC_TRANSPORT = "public_transport"
    CAR = "car"


class CarbonInputError(ValueError):
    """An input the estimate cannot use; ``field`` names it so an API can answer 422 for that field.

    ``message`` is for people, in the request's language (raised while answering it)."""

    def __init__(self, field: InputField, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field: InputField = field
        self.message = message


def check_category(fs: FactorSet, category: object) -> ItemFactor:
    if not isinstance(category, str) or not category.strip():
        raise CarbonInputError("category", gettext("a category slug is needed"))
    item = fs.items.get(category.strip())
    if item is None:
        raise CarbonInputError(
            "category",
            gettext("unknown category '%(category)s'; use a leaf category slug")
            % {"category": category},
        )
    return item


def check_currency(fs: FactorSet, currency: object) -> str:
    code = currency.strip().upper() if isinstance(currency, str) else ""
    if code not in fs.currencies:
        raise CarbonInputError(
            "currency",
            gettext("must be one of %(choices)s, not %(given)s")
            % {"choices": ", ".join(sorted(fs.currencies)), "given": repr(currency)},
        )
    return code


def check_price(price_cents: object) -> int | None:
    if price_cents is None:
        return None
    if isinstance(price_cents, bool) or not isinstance(price_cents, int):
        raise CarbonInputError("price_cents", gettext("must be a whole number of cents"))
    if price_cents < 0:
        raise CarbonInputError("price_cents", gettext("cannot be negative"))
    return price_cents


def check_positive(
    name: Literal["weight_kg", "distance_km"], value: object, *, allow_zero: bool
) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CarbonInputError(name, gettext("must be a number"))
    number = float(value)
    if not math.isfinite(number):
        raise CarbonInputError(name, gettext("must be a finite number"))
    if number < 0:
        raise CarbonInputError(name, gettext("cannot be negative"))
    if number == 0 and not allow_zero:
        raise CarbonInputError(name, gettext("must be greater than 0"))
    if number > MAXIMA[name]:
        raise CarbonInputError(
            name, gettext("must be at most %(maximum)s") % {"maximum": number_text(MAXIMA[name])}
        )
    return number


MAXIMA = {"weight_kg": MAX_WEIGHT_KG, "distance_km": MAX_DISTANCE_KM}


def check_fulfilment(fulfilment: object) -> Fulfilment:
    try:
        return Fulfilment(str(fulfilment).strip().lower())
    except ValueError:
        raise CarbonInputError("fulfilment", gettext("must be pickup or shipping")) from None


def check_mode(mode: object) -> TravelMode | None:
    if mode is None:
        return None
    try:
        return TravelMode(str(mode).strip().lower())
    except ValueError:
        choices = ", ".join(m.value for m in TravelMode)
        raise CarbonInputError(
            "mode",
            gettext("must be one of %(choices)s, not %(given)s")
            % {"choices": choices, "given": repr(mode)},
        ) from None
