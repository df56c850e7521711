"""API output models for carbon: estimates, accounts, ledger entries, the platform's impact."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field

from carbon.estimate import Estimate, Fulfilment, TravelMode


class FigureOut(BaseModel):
    """An estimate's headline, as every answer that shows one starts (an estimate, a
    listing's figure, a trade's); ``figure_out`` fills it from the estimate."""

    central: float = Field(description="kg CO2e avoided (negative: the trade emits more)")
    low: float
    high: float
    is_net_saving: bool
    statement: str
    methodology_version: str


Out = TypeVar("Out", bound=BaseModel)


def figure_out(model: type[Out], figure: Estimate, **more: Any) -> Out:
    """``model`` filled from the estimate's attributes of the same names, and ``more``."""
    taken = {name: getattr(figure, name) for name in model.model_fields if hasattr(figure, name)}
    return model.model_validate({**taken, **more}, from_attributes=True)


class BandOut(BaseModel):
    central: float
    low: float
    high: float


class BreakdownOut(BaseModel):
    new_item: BandOut = Field(description="kg CO2e to make an equivalent new item")
    displacement: BandOut = Field(
        description="Share of second-hand purchases that replace a new one"
    )
    avoided_production: BandOut = Field(description="displacement x new_item, kg CO2e")
    transport: BandOut = Field(description="kg CO2e of the parcel's delivery or the buyer's trip")
    transport_kind: Literal["delivery", "trip"]
    transport_detail: str
    packaging: BandOut = Field(description="kg CO2e, shipping only")


class SourceOut(BaseModel):
    id: str
    title: str
    publisher: str
    year: int | None
    url: str


class EstimateOut(FigureOut):
    """central = avoided_production - transport - packaging (kg CO2e); low and high bound it."""

    credited_kg: float = Field(
        description="What a completed trade credits: central, or 0 when a net cost"
    )
    method: Literal["item_factor", "spend_based"]
    category: str
    category_label: str
    fulfilment: Fulfilment
    mode: TravelMode | None = Field(description="The travel mode counted for a pickup")
    distance_km: float | None = Field(description="One way, as given, or the default for a pickup")
    trip_km: float | None = Field(description="The round trip counted for a pickup")
    weight_kg: float
    weight_source: Literal["seller", "typical"]
    breakdown: BreakdownOut
    sources: list[SourceOut]
    assumptions: list[str]
    factors: dict[str, Any] = Field(description="Every figure the estimate used, to re-derive it")


class MonthOut(BaseModel):
    month: str = Field(description="YYYY-MM (UTC)")
    kg: float
    grams: int
    trades: int = Field(description="Trades credited that month minus those reversed")


class AccountOut(BaseModel):
    user_id: int
    balance_kg: float
    balance_grams: int = Field(description="The sum of this account's ledger entries")
    entries: int
    trades: int = Field(description="Trades credited and not reversed")
    buyer_kg: float
    buyer_grams: int
    seller_kg: float
    seller_grams: int
    methodology_version: str = Field(description="The methodology new estimates use")
    monthly: list[MonthOut]


class LedgerEntryOut(BaseModel):
    id: int
    created_at: datetime
    order_id: int
    role: Literal["buyer", "seller"]
    kind: Literal["credit", "reversal"]
    kg_co2e: float
    grams_co2e: int
    trade_kg_co2e: float
    share_percent: float
    category: str
    category_label: str
    fulfilment: str
    trade_central_kg: float
    trade_low_kg: float
    trade_high_kg: float
    methodology_version: str
    reverses_id: int | None
    note: str | None


class LedgerPage(BaseModel):
    items: list[LedgerEntryOut] = Field(description="Newest first")
    total: int
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, if there is one")


class CategoryOut(BaseModel):
    category: str
    label: str
    kg: float
    grams: int
    trades: int


class ImpactOut(BaseModel):
    total_kg: float = Field(description="Every account together; equals the sum over trades")
    total_grams: int
    trades: int = Field(description="Completed trades credited and not reversed")
    accounts: int = Field(description="People with at least one ledger entry")
    methodology_version: str
    by_category: list[CategoryOut]
    by_month: list[MonthOut]
