"""How much CO2e buying an item second-hand avoids: the methodology of issue 5, as pure functions.

    avoided = displacement x footprint of an equivalent new item
              - what the trade emits (parcel delivery + packaging, or the buyer's round trip)

Every figure comes from the tables in ``carbon/data/`` (see ``carbon.methodology``);
an Estimate carries the methodology version and a snapshot of the figures it used,
so a ledger can store it and anyone can re-derive it later. No database code.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from carbon import inputs
from carbon.inputs import CarbonInputError, Fulfilment, TravelMode
from carbon.methodology import (
    CarbonDataError,
    FactorSet,
    ItemFactor,
    ParcelPoint,
    load_factors,
)

__all__ = [
    "Band",
    "Breakdown",
    "CarbonDataError",
    "CarbonInputError",
    "Estimate",
    "FactorSet",
    "Fulfilment",
    "FulfilmentComparison",
    "SourceRef",
    "TravelMode",
    "compare_fulfilment",
    "estimate",
    "load_factors",
    "methodology",
]

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
        return Band(_round(self.central), _round(self.low), _round(self.high))


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


def estimate(
    *,
    category: str,
    price_cents: int | None,
    currency: str,
    weight_kg: float | None,
    fulfilment: Fulfilment | Literal["pickup", "shipping"] | str,
    mode: TravelMode | Literal["walk_bike", "public_transport", "car"] | str | None = None,
    distance_km: float | None = None,
    factors: FactorSet | None = None,
) -> Estimate:
    """Avoided kg CO2e (central, low, high) of buying this item second-hand with this fulfilment."""
    fs = factors if factors is not None else load_factors()
    item = inputs.check_category(fs, category)
    code = inputs.check_currency(fs, currency)
    price = inputs.check_price(price_cents)
    given_weight = inputs.check_positive("weight_kg", weight_kg, allow_zero=False)
    how = inputs.check_fulfilment(fulfilment)
    travel = inputs.check_mode(mode)
    distance = inputs.check_positive("distance_km", distance_km, allow_zero=True)

    assumptions: list[str] = []
    source_ids: list[str] = [*item.source_ids]
    snapshot = _snapshot(
        fs,
        item,
        price_cents=price,
        currency=code,
        weight_kg=given_weight,
        fulfilment=how,
        mode=travel,
        distance_km=distance,
    )

    weight, weight_source = _weight(item, given_weight, how, assumptions)
    if item.basis == "assumption":
        assumptions.append(f"Item figure: {item.note}")

    new_item, method = _new_item(fs, item, price, code, weight, snapshot, source_ids, assumptions)
    displacement, avoided = _avoided_production(fs, item, new_item, snapshot, source_ids)

    kind, transport, packaging, detail, travel, distance, trip_km = _getting_there(
        fs, how, weight, travel, distance, snapshot, source_ids, assumptions
    )

    central = _round(avoided.central - transport.central - packaging.central)
    low = _round(avoided.low - transport.high - packaging.high)
    high = _round(avoided.high - transport.low - packaging.low)
    breakdown = Breakdown(
        new_item=new_item.rounded(),
        displacement=displacement,
        avoided_production=avoided.rounded(),
        transport=transport.rounded(),
        transport_kind=kind,
        transport_detail=detail,
        packaging=packaging.rounded(),
    )
    return Estimate(
        central=central,
        low=low,
        high=high,
        is_net_saving=central > 0,
        statement=_statement(central, low, high, how, detail),
        method=method,
        methodology_version=fs.version,
        category=item.slug,
        fulfilment=how,
        mode=travel,
        distance_km=distance,
        trip_km=trip_km,
        weight_kg=weight,
        weight_source=weight_source,
        breakdown=breakdown,
        sources=_sources(fs, source_ids),
        assumptions=tuple(assumptions),
        factors=snapshot,
    )


def _snapshot(
    fs: FactorSet,
    item: ItemFactor,
    *,
    price_cents: int | None,
    currency: str,
    weight_kg: float | None,
    fulfilment: Fulfilment,
    mode: TravelMode | None,
    distance_km: float | None,
) -> dict[str, Any]:
    """What the estimate is kept with: the methodology version, the inputs as checked, the
    item's factor; each step adds the factors it used."""
    return {
        "methodology_version": fs.version,
        "inputs": {
            "category": item.slug,
            "price_cents": price_cents,
            "currency": currency,
            "weight_kg": weight_kg,
            "fulfilment": fulfilment.value,
            "mode": mode.value if mode else None,
            "distance_km": distance_km,
        },
        "item": item.as_dict(),
    }


def _getting_there(
    fs: FactorSet,
    how: Fulfilment,
    weight: float,
    travel: TravelMode | None,
    distance: float | None,
    snapshot: dict[str, Any],
    source_ids: list[str],
    assumptions: list[str],
) -> tuple[
    Literal["delivery", "trip"], Band, Band, str, TravelMode | None, float | None, float | None
]:
    """The parcel and its packaging, or the buyer's trip: (kind, transport, packaging, detail,
    the mode that counts (none for a parcel), the distance as given or found, the trip's km)."""
    if how is Fulfilment.SHIPPING:
        transport, packaging, detail = _shipping(fs, weight, snapshot, source_ids, assumptions)
        _shipping_ignores(distance, travel, assumptions)
        return "delivery", transport, packaging, detail, None, distance, None
    travel, distance, trip_km, transport, detail = _trip(
        fs, travel, distance, snapshot, source_ids, assumptions
    )
    return "trip", transport, Band.point(0.0), detail, travel, distance, trip_km


def _avoided_production(
    fs: FactorSet,
    item: ItemFactor,
    new_item: Band,
    snapshot: dict[str, Any],
    source_ids: list[str],
) -> tuple[Band, Band]:
    """The displacement rate of the item's group, and d × F: production avoided."""
    group = fs.displacement[item.group]
    snapshot["displacement"] = group.as_dict()
    source_ids += group.source_ids
    displacement = Band(group.central, group.low, group.high)
    avoided = Band(
        displacement.central * new_item.central,
        displacement.low * new_item.low,
        displacement.high * new_item.high,
    )
    return displacement, avoided


def _weight(
    item: ItemFactor, given: float | None, how: Fulfilment, assumptions: list[str]
) -> tuple[float, Literal["seller", "typical"]]:
    """The seller's weight, or the category's typical one (said where weight counts)."""
    if given is not None:
        return given, "seller"
    if how is Fulfilment.SHIPPING or item.unit == "kg":  # only then does weight count
        assumptions.append(
            f"Weight: the typical {_kg(item.typical_weight_kg)} for this category "
            f"({item.weight_note.lower()}); the seller gave none."
        )
    return item.typical_weight_kg, "typical"


def _shipping_ignores(
    distance: float | None, travel: TravelMode | None, assumptions: list[str]
) -> None:
    """Say so when a shipped item was given a distance or a travel mode: neither counts."""
    if distance is not None:
        assumptions.append(
            "Parcels follow ADEME's national delivery scenario (about 870 km by lorry and van); "
            "the distance between buyer and seller does not change the figure."
        )
    if travel is not None:
        assumptions.append("The buyer's travel mode does not apply to a shipped item.")


def compare_fulfilment(
    *,
    category: str,
    price_cents: int | None,
    currency: str,
    weight_kg: float | None,
    mode: TravelMode | Literal["walk_bike", "public_transport", "car"] | str | None = None,
    distance_km: float | None = None,
    factors: FactorSet | None = None,
) -> FulfilmentComparison:
    """The estimate for collecting the item nearby beside the estimate for shipping it."""
    common: dict[str, Any] = {
        "category": category,
        "price_cents": price_cents,
        "currency": currency,
        "weight_kg": weight_kg,
        "distance_km": distance_km,
        "factors": factors,
    }
    pickup = estimate(fulfilment=Fulfilment.PICKUP, mode=mode, **common)
    shipping = estimate(fulfilment=Fulfilment.SHIPPING, **common)
    difference = pickup.central - shipping.central
    better: Literal["pickup", "shipping", "same"]
    if math.isclose(difference, 0.0, abs_tol=0.0005):
        better = "same"
        statement = "Collecting it and having it shipped come out the same."
    elif difference > 0:
        better = "pickup"
        statement = (
            f"Collecting it ({pickup.breakdown.transport_detail}) avoids about "
            f"{_kg(difference)} CO2e more than having it shipped."
        )
    else:
        better = "shipping"
        statement = (
            f"Having it shipped avoids about {_kg(-difference)} CO2e more than collecting it "
            f"({pickup.breakdown.transport_detail})."
        )
    return FulfilmentComparison(pickup, shipping, better, difference, statement)


def methodology(*, factors: FactorSet | None = None) -> dict[str, Any]:
    """Everything a methodology page or ``GET /api/v1/carbon/methodology`` shows, JSON-ready."""
    fs = factors if factors is not None else load_factors()
    trip_factor = fs.number("round_trip_factor")
    assumptions: list[dict[str, Any]] = []
    for item in fs.items.values():
        if item.basis == "assumption":
            assumptions.append({"where": f"item_factors.csv {item.slug}", "rationale": item.note})
        if item.weight_basis == "assumption":
            assumptions.append(
                {
                    "where": f"item_factors.csv {item.slug} typical_weight_kg",
                    "value": item.typical_weight_kg,
                    "rationale": item.weight_note,
                }
            )
    others: list[tuple[str, str, str, str]] = [
        *(("displacement.csv", g.group, g.basis, g.note) for g in fs.displacement.values()),
        *(("spend_factors.csv", s.sector, s.basis, s.note) for s in fs.spend.values()),
        *(("currencies.csv", c.currency, c.basis, c.note) for c in fs.currencies.values()),
        *(("trip_modes.csv", m.mode, m.basis, m.note) for m in fs.trip_modes.values()),
        *(("parameters.csv", p.name, p.basis, p.note) for p in fs.parameters.values()),
    ]
    for file, key, basis, note in others:
        if basis == "assumption":
            assumptions.append({"where": f"{file} {key}", "rationale": note})
    return {
        "version": fs.version,
        "human_version": fs.human_version,
        "digest": fs.digest,
        "published": fs.versions[-1].date,
        "formula": [
            "Avoided emissions = displacement x footprint of an equivalent new item "
            "- what the trade itself emits.",
            "Footprint of a new item: production and distribution (cradle to shelf) of the "
            "category's reference item; use and end of life are left out. Where no item figure "
            "exists, the price in 2022 US dollars times a spend-based factor for the sector; "
            "such estimates are flagged spend_based.",
            "Displacement: the share of second-hand purchases that really replace buying new, "
            "from published studies, by category group.",
            f"Collected in person: the buyer's round trip ({trip_factor:g} x the distance "
            "between buyer and seller) times the emissions per km of the mode the buyer picks; "
            "the trip is counted as made for this item alone.",
            "Shipped: ADEME's figure for delivering a parcel of that weight, plus its cardboard "
            "packaging; interpolated between published weights, the lightest figure below them, "
            "extrapolated along the last segment above them.",
            "A seller's weight replaces the category's typical weight for the parcel (and for "
            "factors given per kg).",
            "The seller's trip to drop a parcel off and the platform's own operations are not "
            "counted.",
        ],
        "range": (
            "low = low displacement x low new-item footprint - high transport - packaging; "
            "high = high displacement x high new-item footprint - low transport - packaging. "
            "The central value is the one credited."
        ),
        "negative": (
            "When the trade emits more than it avoids (a light item shipped far), the figure is "
            "negative, the page says so, and nothing is credited."
        ),
        "categories": [item.as_dict() for item in fs.items.values()],
        "displacement": [group.as_dict() for group in fs.displacement.values()],
        "spend_factors": [sector.as_dict() for sector in fs.spend.values()],
        "currencies": [rate.as_dict() for rate in fs.currencies.values()],
        "trip_modes": [mode.as_dict() for mode in fs.trip_modes.values()],
        "parcels": [point.as_dict() for point in fs.parcels],
        "parameters": [parameter.as_dict() for parameter in fs.parameters.values()],
        "assumptions": assumptions,
        "sources": [source.as_dict() for source in fs.sources.values()],
        "version_history": [entry.as_dict() for entry in fs.versions],
    }


# -- the parts --------------------------------------------------------------------


def _new_item(
    fs: FactorSet,
    item: ItemFactor,
    price: int | None,
    currency: str,
    weight: float,
    snapshot: dict[str, Any],
    source_ids: list[str],
    assumptions: list[str],
) -> tuple[Band, Method]:
    if item.method == "item_factor":
        assert item.central is not None and item.low is not None and item.high is not None
        per_unit = Band(item.central, item.low, item.high)
        if item.unit == "kg":
            return per_unit.scaled(weight), "item_factor"
        return per_unit, "item_factor"
    if price is None:
        raise CarbonInputError(
            "price_cents", f"'{item.slug}' is estimated from the price; a price is needed"
        )
    assert item.spend_sector is not None
    sector = fs.spend[item.spend_sector]
    rate, usd = fs.currencies[currency], fs.currencies["USD"]
    price_usd = price / 100 / rate.units_per_eur * usd.units_per_eur
    snapshot["spend"] = {
        "sector": sector.as_dict(),
        "currency": rate.as_dict(),
        "usd": usd.as_dict(),
        "price_usd": price_usd,
        "price_basis": fs.parameters["spend_price_basis"].as_dict(),
        "price_year": fs.parameters["spend_price_year"].as_dict(),
    }
    source_ids += [*sector.source_ids, *rate.source_ids, *usd.source_ids]
    if sector.basis == "assumption":
        assumptions.append(f"Spend factor: {sector.note}.")
    assumptions.append(
        "Spend-based: no item figure for this category, so the listing price "
        f"({price_usd:.2f} in 2022 US dollars) stands in for the price of a new one, which is "
        "usually higher; the estimate errs low."
    )
    return Band.point(price_usd * sector.kg_co2e_per_usd), "spend_based"


def _shipping(
    fs: FactorSet,
    weight: float,
    snapshot: dict[str, Any],
    source_ids: list[str],
    assumptions: list[str],
) -> tuple[Band, Band, str]:
    points = fs.parcels
    if weight <= points[0].weight_kg or len(points) == 1:
        a = b = points[0]
        rule = "lightest"
        if weight < points[0].weight_kg:
            assumptions.append(
                f"Parcel: no published figure below {_kg(points[0].weight_kg)}, so the "
                f"{_kg(points[0].weight_kg)} figure is used (a lighter parcel emits a little less)."
            )
    elif weight >= points[-1].weight_kg:
        a, b = points[-2], points[-1]
        rule = "extrapolated" if weight > points[-1].weight_kg else "heaviest"
        if rule == "extrapolated":
            assumptions.append(
                f"Parcel: heavier than ADEME's heaviest published parcel ({_kg(b.weight_kg)}); "
                f"extrapolated along the {_kg(a.weight_kg)}-{_kg(b.weight_kg)} segment."
            )
    else:
        index = next(i for i, p in enumerate(points) if p.weight_kg >= weight)
        a, b = points[index - 1], points[index]
        rule = "interpolated"

    def at(value: Callable[[ParcelPoint], float]) -> float:
        if a is b:
            return value(a)
        t = (weight - a.weight_kg) / (b.weight_kg - a.weight_kg)
        return value(a) + t * (value(b) - value(a))

    home = at(lambda p: p.home_delivery)
    pickup_point = at(lambda p: p.pickup_point)
    packaging = at(lambda p: p.packaging)
    snapshot["transport"] = {
        "kind": "delivery",
        "parcel_weight_kg": weight,
        "rule": rule,
        "points": [a.as_dict()] if a is b else [a.as_dict(), b.as_dict()],
        "home_delivery": home,
        "pickup_point": pickup_point,
        "packaging": packaging,
    }
    for point in (a, b):
        source_ids += point.source_ids
    delivery = Band(central=home - packaging, low=pickup_point - packaging, high=home - packaging)
    detail = f"parcel of {_kg(weight)} delivered to the door (low: collected from a pick-up point)"
    return delivery, Band.point(packaging), detail


def _trip(
    fs: FactorSet,
    travel: TravelMode | None,
    distance: float | None,
    snapshot: dict[str, Any],
    source_ids: list[str],
    assumptions: list[str],
) -> tuple[TravelMode, float, float, Band, str]:
    parameters = [fs.parameters["round_trip_factor"]]
    if travel is None:
        default = fs.parameters["default_pickup_mode"]
        travel = TravelMode(default.value)
        parameters.append(default)
        assumptions.append(f"Travel mode: {default.note}")
    if distance is None:
        default = fs.parameters["default_pickup_distance_km"]
        distance = float(default.value)
        parameters.append(default)
        assumptions.append(f"Distance: {default.note}")
    factor = fs.number("round_trip_factor")
    trip_km = factor * distance
    mode = fs.trip_modes[travel.value]
    if mode.basis == "assumption":
        assumptions.append(f"Travel factor: {mode.note}")
    snapshot["transport"] = {
        "kind": "trip",
        "mode": mode.as_dict(),
        "distance_km": distance,
        "trip_km": trip_km,
    }
    snapshot["parameters"] = {p.name: p.as_dict() for p in parameters}
    source_ids += mode.source_ids
    for parameter in parameters:
        source_ids += parameter.source_ids
    transport = Band(mode.central * trip_km, mode.low * trip_km, mode.high * trip_km)
    detail = f"round trip {factor:g} x {_km(distance)} {mode.label.lower()}"
    return travel, distance, trip_km, transport, detail


# -- words ---------------------------------------------------------------------


def _sources(fs: FactorSet, ids: list[str]) -> tuple[SourceRef, ...]:
    seen = dict.fromkeys(ids)  # first appearance order, no repeats
    return tuple(
        SourceRef(s.id, s.title, s.publisher, s.year, s.url) for s in (fs.sources[i] for i in seen)
    )


def _round(value: float) -> float:
    """To the milligram: keeps stored figures free of float noise, far below any precision claimed."""
    return round(value, 6) + 0.0  # + 0.0 turns -0.0 into 0.0


def _number(value: float) -> str:
    size = abs(value)
    if size >= 10:
        return f"{value:.0f}"
    if size >= 1:
        return f"{value:.1f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _kg(value: float) -> str:
    return f"{_number(value)} kg"


def _km(value: float) -> str:
    return f"{_number(value)} km"


def _statement(central: float, low: float, high: float, how: Fulfilment, detail: str) -> str:
    span = f"range {_number(low)} to {_number(high)} kg CO2e"
    if central > 0:
        text = f"Buying this second-hand avoids about {_kg(central)} CO2e ({span})."
        if low <= 0:
            text += " At the low end of the range the trade would be a net cost."
        return text
    what = "Shipping it" if how is Fulfilment.SHIPPING else f"Collecting it ({detail})"
    return (
        f"{what} emits more than buying it second-hand avoids: a net cost of about "
        f"{_kg(-central)} CO2e ({span}), so nothing is credited."
    )
