from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from sqlmodel._compat import SQLModelConfig  # the type of model_config (not exported)

from carbon import currencies
from carbon.schemas import FigureOut
from listings import photos as photo_store
from listings.models import Condition, ListingBase, ListingStatus
from resale.core import taxonomy
from resale.core.fields import MAX_WEIGHT_KG, BoundedText, NotBoolean, PointIn, blank_to_none
from resale.core.i18n import N_, number
from resale.core.i18n import gettext as _

CURRENCIES = currencies.codes()  # carbon/data/currencies.csv: one table of currencies
MIN_PRICE_CENTS = 100
MAX_PRICE_CENTS = 10_000_000


class PriceError(ValueError):
    """A price typed by a person could not be read."""


def parse_price(text: str) -> int:
    """``"12,50"`` or ``"1 200"`` or ``"12.5"`` -> cents."""
    cleaned = text.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    for symbol in ("€", "£", "$"):
        cleaned = cleaned.replace(symbol, "")
    if not cleaned:
        raise PriceError(_("Enter a price, e.g. 12.50."))
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise PriceError(_("Enter a price as a number, e.g. 12.50.")) from None
    if not amount.is_finite() or abs(amount) > 10**9:
        raise PriceError(_("Enter a price as a number, e.g. 12.50."))
    if amount != amount.quantize(Decimal("0.01")):
        raise PriceError(_("A price has at most two decimals."))
    return int(amount * 100)


def _leaf_category(slug: str) -> str:
    if taxonomy.leaf(slug) is None:
        if taxonomy.get(slug) is not None:
            raise ValueError(
                _("'%(slug)s' is a group; choose one of its subcategories") % {"slug": slug}
            )
        raise ValueError(_("unknown category '%(slug)s'") % {"slug": slug})
    return slug


def _currency(code: str) -> str:
    code = code.strip().upper()
    if code not in CURRENCIES:
        raise ValueError(_("currency must be one of %(codes)s") % {"codes": ", ".join(CURRENCIES)})
    return code


Title = Annotated[str, BoundedText(3, 100)]
Description = Annotated[str, BoundedText(1, 5000, one_line=False)]
# The schema lists the choices; the validators give the messages.
CategorySlug = Annotated[
    str,
    AfterValidator(_leaf_category),
    Field(json_schema_extra={"enum": [c.slug for c in taxonomy.LEAVES]}),
]
Currency = Annotated[
    str, AfterValidator(_currency), Field(json_schema_extra={"enum": list(CURRENCIES)})
]


def _price(cents: int) -> int:
    if cents < MIN_PRICE_CENTS:
        raise ValueError(
            _("must be at least %(amount)s (%(cents)s cents)")
            % {"amount": number(MIN_PRICE_CENTS / 100, digits=2), "cents": MIN_PRICE_CENTS}
        )
    if cents > MAX_PRICE_CENTS:
        raise ValueError(
            _("must be at most %(amount)s (%(cents)s cents)")
            % {"amount": number(MAX_PRICE_CENTS / 100), "cents": MAX_PRICE_CENTS}
        )
    return cents


PriceCents = Annotated[
    int,
    NotBoolean,
    AfterValidator(_price),
    Field(json_schema_extra={"minimum": MIN_PRICE_CENTS, "maximum": MAX_PRICE_CENTS}),
]
Brand = Annotated[
    Annotated[str, BoundedText(0, 60)] | None, BeforeValidator(blank_to_none)  # blank: no brand
]
WeightKg = Annotated[float, Field(gt=0, le=MAX_WEIGHT_KG), NotBoolean]
# What the seller charges to post the item; leaving it out means pickup only.
ShippingCents = Annotated[int, Field(ge=0, le=100_000), NotBoolean]


# pydantic merges the two configs (the point rule's schema stays; tests/resale/test_openapi).
class ListingCreate(ListingBase, PointIn):  # type: ignore[misc]
    """A new listing: ListingBase's fields, each with the check a seller's input needs."""

    title: Title
    description: Description
    category: CategorySlug
    condition: Condition
    price_cents: PriceCents
    currency: Currency = "EUR"
    brand: Brand = None
    weight_kg: WeightKg | None = None
    shipping_cents: ShippingCents | None = None


class ListingUpdate(PointIn):
    """A partial change: ListingBase's fields, each optional; only those sent are changed.

    Not a subclass of ListingBase: a field that may be left out cannot narrow one that is
    always there (the SQLModel way: the update model stands alone)."""

    title: Title | None = None
    description: Description | None = None
    category: CategorySlug | None = None
    condition: Condition | None = None
    price_cents: PriceCents | None = None
    currency: Currency | None = None
    brand: Brand = None
    weight_kg: WeightKg | None = None
    shipping_cents: ShippingCents | None = None


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


class CarbonOption(BaseModel):
    """One way the item can change hands, and what buying it second-hand that way avoids."""

    fulfilment: str = Field(description="pickup or shipping")
    mode: str | None = Field(description="For a pickup: walk_bike, public_transport or car")
    central: float = Field(description="kg CO2e avoided (negative: the trade emits more)")
    low: float
    high: float
    is_net_saving: bool


class ListingCarbonOut(FigureOut):
    """kg CO2e avoided by buying this item second-hand instead of new (the headline way)."""

    unit: str = "kg CO2e"
    fulfilment: str = Field(description="The way the headline figure counts (the better one)")
    mode: str | None
    method: str = Field(description="item_factor, or spend_based when no item factor exists")
    comparison: str | None = Field(description="Pickup nearby against shipping, in words")
    options: list[CarbonOption]
    methodology_url: str = "/api/v1/carbon/methodology"


class ListingPublic(ListingBase):
    """A listing as anyone may see it: a place name and a rounded distance, never the point.

    Built from the stored Listing (``ListingPublic.model_validate(listing, update=...)``);
    ``update`` gives what is worked out for the viewer."""

    # Every field is always sent (null when unknown), so the schema lists them all required.
    model_config = SQLModelConfig(
        from_attributes=True, json_schema_serialization_defaults_required=True
    )

    id: int
    status: ListingStatus
    category_label: str
    shipping_cents: int | None = Field(description="Shipping price; null means pickup only")
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
    carbon: ListingCarbonOut | None = Field(
        default=None, description="What buying it second-hand avoids (null: no estimate)"
    )


class ListingPrivate(ListingPublic):
    """What the seller sees of their own listing: also its point (kept at ~1 km precision)."""

    lat: float | None
    lon: float | None
    held_at: datetime | None = Field(
        default=None, description="Held for a moderator's review at publishing, since then"
    )
    held_reason: str | None = Field(default=None, description="What the listing matched")
    hidden_at: datetime | None = Field(default=None, description="Hidden by a moderator")


class ListingCard(BaseModel):
    """What a result card shows: a light read model, built from a row of labelled columns
    (``ListingCard.model_validate(row._mapping)``), without ORM objects."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    title: str
    price_cents: int
    currency: str
    condition: Condition
    category: str
    brand: str | None
    place_name: str | None
    status: ListingStatus
    published_at: datetime | None
    seller_id: int
    seller_name: str
    photo_key: str | None
    photo_width: int | None
    photo_height: int | None
    distance_km: float | None = None
    # For the card's carbon figure: what the trade would move, and how.
    weight_kg: float | None = None
    shipping_cents: int | None = None
    has_point: bool = False

    @field_validator("published_at", mode="before")
    @classmethod
    def _in_utc(cls, value: Any) -> Any:
        """As the driver gave it (SQLite: naive UTC text) -> an aware UTC datetime."""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Sort(enum.StrEnum):
    BEST = "best"
    NEAREST = "nearest"
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"

    @property
    def label(self) -> str:
        """What the order is called, in the language spoken."""
        return _(SORT_LABELS[self])


# In English (the catalogs' msgids); shown through ``Sort.label``.
SORT_LABELS = {
    Sort.BEST: N_("Best match"),
    Sort.NEAREST: N_("Nearest"),
    Sort.NEWEST: N_("Newest"),
    Sort.PRICE_ASC: N_("Price: low to high"),
    Sort.PRICE_DESC: N_("Price: high to low"),
}


class SearchPhoto(BaseModel):
    url: str
    thumb_url: str
    width: int | None
    height: int | None


class SearchSeller(BaseModel):
    id: int
    display_name: str


class SearchHit(BaseModel):
    """One search result: what a card shows, and the exact distance from the search point."""

    id: int
    title: str
    price_cents: int
    currency: str
    condition: Condition
    category: str
    category_label: str
    brand: str | None
    place: str | None
    distance_km: float | None = Field(description="Great-circle km from the search point (exact)")
    photo: SearchPhoto | None
    seller: SearchSeller
    published_at: datetime | None

    @classmethod
    def of(cls, card: ListingCard, **extra: Any) -> Self:
        """A result card as the API shows it (search results, recommendations)."""
        photo = None
        if card.photo_key:
            photo = SearchPhoto(
                url=photo_store.url(card.photo_key, "display"),
                thumb_url=photo_store.url(card.photo_key, "thumb"),
                width=card.photo_width,
                height=card.photo_height,
            )
        return cls(
            id=card.id,
            title=card.title,
            price_cents=card.price_cents,
            currency=card.currency,
            condition=card.condition,
            category=card.category,
            category_label=taxonomy.label(card.category),
            brand=card.brand,
            place=card.place_name,
            distance_km=card.distance_km,
            photo=photo,
            seller=SearchSeller(id=card.seller_id, display_name=card.seller_name),
            published_at=card.published_at,
            **extra,
        )


class SearchOrigin(BaseModel):
    lat: float
    lon: float
    source: str = Field(description="'query' (lat/lon sent) or 'home' (the viewer's home)")


class SearchResults(BaseModel):
    items: list[SearchHit]
    next_cursor: str | None = Field(
        description="Send as ?cursor= for the next page; null at the end"
    )
    sort: Sort
    origin: SearchOrigin | None


class CategoryPublic(BaseModel):
    slug: str
    name: str
    children: list[CategoryPublic] = []
