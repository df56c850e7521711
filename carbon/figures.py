"""What an estimate is made of: a central value with its range, the parts of the sum, the
sources, and the whole estimate as a ledger keeps it (``carbon.estimate`` computes them)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from carbon.inputs import Fulfilment, TravelMode


def round_kg(value: float) -> float:
    """To the milligram: keeps stored figures free of float noise, far below any precision claimed."""
    return round(value, 6) + 0.0  # + 0.0 turns -0.0 into 0.0


Method = Literal["item_factor", "spend_based"]


@dataclass(frozen=True, slots=True)
class Band:
    """A central value with its low and high bounds."""

    central: float
    low: float
    high: float

    @classmethod
    def point(cls, value: float) -> Band:
        return cls(value, value, value)

    def scaled(self, factor: float) -> Band:
        return Band(self.central * factor, self.low * factor, self.high * factor)

    def rounded(self) -> Band:
        return Band(round_kg(self.central), round_kg(self.low), round_kg(self.high))


@dataclass(frozen=True, slots=True)
class Breakdown:
    """The parts of an estimate; central = avoided_production.central - transport.central - packaging.central."""

    new_item: Band  # kg CO2e to make an equivalent new item
    displacement: Band  # share of second-hand purchases that replace a new one
    avoided_production: Band  # displacement x new item, kg CO2e
    transport: Band  # kg CO2e: the parcel's delivery, or the buyer's round trip
    transport_kind: Literal["delivery", "trip"]
    transport_detail: str  # in words, e.g. "round trip 2 x 2 km on foot or by bike"
    packaging: Band  # kg CO2e, shipping only


@dataclass(frozen=True, slots=True)
class SourceRef:
    id: str
    title: str
    publisher: str
    year: int | None
    url: str


@dataclass(frozen=True)
class Estimate:
    """Avoided kg CO2e of one trade (negative when the trade emits more than it avoids)."""

    central: float
    low: float
    high: float
    is_net_saving: bool  # central > 0; otherwise nothing should be credited
    statement: str  # one honest sentence for a page
    method: Method
    methodology_version: str
    category: str
    fulfilment: Fulfilment
    mode: TravelMode | None  # the mode counted for a pickup
    distance_km: float | None  # one way, as given (or the labelled default for a pickup)
    trip_km: float | None  # the round trip counted for a pickup
    weight_kg: float
    weight_source: Literal["seller", "typical"]
    breakdown: Breakdown
    sources: tuple[SourceRef, ...]
    assumptions: tuple[str, ...]  # the labelled assumptions this estimate relied on
    factors: dict[str, Any] = field(hash=False)  # snapshot of every figure used

    @property
    def credited_kg(self) -> float:
        """What a ledger may credit: the central value, or nothing when the trade is a net cost."""
        return self.central if self.is_net_saving else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (the enums are strings)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class FulfilmentComparison:
    """The same item collected nearby and shipped, for "how pickup compares with shipping"."""

    pickup: Estimate
    shipping: Estimate
    better: Literal["pickup", "shipping", "same"]
    difference_kg: float  # pickup.central - shipping.central
    statement: str
