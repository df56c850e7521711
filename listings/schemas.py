from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from listings import taxonomy
from listings.models import Condition, ListingStatus
from resale.fields import PointIn, blank_to_none, text_check

CURRENCIES = ("EUR", "GBP", "USD", "CHF", "SEK", "DKK", "PLN", "CZK")
MIN_PRICE_CENTS = 100
MAX_PRICE_CENTS = 10_000_000


def _leaf_category(slug: str) -> str:
    if taxonomy.leaf(slug) is None:
        if taxonomy.get(slug) is not None:
            raise ValueError(f"'{slug}' is a group; choose one of its subcategories")
        raise ValueError(f"unknown category '{slug}'")
    return slug


def _currency(code: str) -> str:
    code = code.strip().upper()
    if code not in CURRENCIES:
        raise ValueError(f"currency must be one of {', '.join(CURRENCIES)}")
    return code


Title = Annotated[str, AfterValidator(text_check(3, 100))]
Description = Annotated[str, AfterValidator(text_check(1, 5000, one_line=False))]
CategorySlug = Annotated[str, AfterValidator(_leaf_category)]
Currency = Annotated[str, AfterValidator(_currency)]


def _price(cents: int) -> int:
    if cents < MIN_PRICE_CENTS:
        raise ValueError(f"must be at least {MIN_PRICE_CENTS / 100:.2f} ({MIN_PRICE_CENTS} cents)")
    if cents > MAX_PRICE_CENTS:
        raise ValueError(f"must be at most {MAX_PRICE_CENTS / 100:,.0f} ({MAX_PRICE_CENTS} cents)")
    return cents


PriceCents = Annotated[int, AfterValidator(_price)]
Brand = Annotated[
    Annotated[str, AfterValidator(text_check(1, 60))] | None, BeforeValidator(blank_to_none)
]
WeightKg = Annotated[float, Field(gt=0, le=1000)]


class ListingCreate(PointIn):
    title: Title
    description: Description
    category: CategorySlug
    condition: Condition
    price_cents: PriceCents
    currency: Currency = "EUR"
    brand: Brand = None
    weight_kg: WeightKg | None = None


class ListingUpdate(PointIn):
    """A partial change: only the fields sent are changed."""

    title: Title | None = None
    description: Description | None = None
    category: CategorySlug | None = None
    condition: Condition | None = None
    price_cents: PriceCents | None = None
    currency: Currency | None = None
    brand: Brand = None
    weight_kg: WeightKg | None = None


class PhotoPublic(BaseModel):
    id: int
    position: int
    url: str
    thumb_url: str
    width: int
    height: int


class SellerPublic(BaseModel):
    id: int
    display_name: str
    place: str | None


class ListingPublic(BaseModel):
    """A listing as anyone may see it: a place name and a rounded distance, never the point."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: ListingStatus
    title: str
    description: str
    category: str
    category_label: str
    condition: Condition
    price_cents: int
    currency: str
    brand: str | None
    weight_kg: float | None
    place: str | None
    distance_km: float | None = Field(
        description="Rounded distance from the viewer's home, when both are known"
    )
    seller: SellerPublic
    photos: list[PhotoPublic]
    favorite: bool | None = Field(
        description="Saved by the viewer (null when not signed in, or for the seller)"
    )
    created_at: datetime
    published_at: datetime | None


class ListingPrivate(ListingPublic):
    """What the seller sees of their own listing: also its point (kept at ~1 km precision)."""

    lat: float | None
    lon: float | None


class CategoryPublic(BaseModel):
    slug: str
    name: str
    children: list[CategoryPublic] = []
