"""How much CO2e buying an item second-hand avoids: the methodology of issue 5, as pure functions.

    avoided = displacement x footprint of an equivalent new item
              - what the trade emits (parcel delivery + packaging, or the buyer's round trip)

Every figure comes from the tables in ``carbon/data/`` (see ``carbon.methodology``);
an Estimate carries the methodology version and a snapshot of the figures it used,
so a ledger can store it and anyone can re-derive it later. No database code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, Literal

from carbon import inputs
from carbon.figures import (
    Band,
    Breakdown,
    Estimate,
    FulfilmentComparison,
    Method,
    SourceRef,
    round_kg,
)
from carbon.inputs import CarbonInputError, Fulfilment, TravelMode
from carbon.methodology import (
    CarbonDataError,
    FactorSet,
    ItemFactor,
    ParcelPoint,
    load_factors,
)
from carbon.wording import HUMAN_COLUMNS, Words, kg, km, number, said
from resale.core import i18n
from resale.core.i18n import N_, gettext

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
        assumptions.append(gettext("Item figure: %(note)s") % {"note": said(item.note)})

    new_item, method = _new_item(fs, item, price, code, weight, snapshot, source_ids, assumptions)
    displacement, avoided = _avoided_production(fs, item, new_item, snapshot, source_ids)

    kind, transport, packaging, detail, travel, distance, trip_km = _getting_there(
        fs, how, weight, travel, distance, snapshot, source_ids, assumptions
    )

    central = round_kg(avoided.central - transport.central - packaging.central)
    low = round_kg(avoided.low - transport.high - packaging.high)
    high = round_kg(avoided.high - transport.low - packaging.low)
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
        note = said(item.weight_note)
        assumptions.append(
            gettext(
                "Weight: the typical %(weight)s for this category (%(note)s); the seller gave none."
            )
            % {"weight": kg(item.typical_weight_kg), "note": note[:1].lower() + note[1:]}
        )
    return item.typical_weight_kg, "typical"


def _shipping_ignores(
    distance: float | None, travel: TravelMode | None, assumptions: list[str]
) -> None:
    """Say so when a shipped item was given a distance or a travel mode: neither counts."""
    if distance is not None:
        assumptions.append(
            gettext(
                "Parcels follow ADEME's national delivery scenario (about 870 km by lorry and "
                "van); the distance between buyer and seller does not change the figure."
            )
        )
    if travel is not None:
        assumptions.append(gettext("The buyer's travel mode does not apply to a shipped item."))


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
        statement = gettext("Collecting it and having it shipped come out the same.")
    elif difference > 0:
        better = "pickup"
        statement = gettext(
            "Collecting it (%(trip)s) avoids about %(kg)s CO2e more than having it shipped."
        ) % {"trip": pickup.breakdown.transport_detail, "kg": kg(difference)}
    else:
        better = "shipping"
        statement = gettext(
            "Having it shipped avoids about %(kg)s CO2e more than collecting it (%(trip)s)."
        ) % {"trip": pickup.breakdown.transport_detail, "kg": kg(-difference)}
    return FulfilmentComparison(pickup, shipping, better, difference, statement)


def methodology(*, factors: FactorSet | None = None, words: Words = said) -> dict[str, Any]:
    """Everything a methodology page or ``GET /api/v1/carbon/methodology`` shows, JSON-ready.

    The text people read (the formula in words, the data files' notes and labels) is in the
    request's language: ``words`` translates it, as plain text by default (``wording.shown``
    gives a page its markup)."""
    fs = factors if factors is not None else load_factors()
    trip_factor = fs.number("round_trip_factor")

    def rows(file: str, table: Iterable[Any]) -> list[dict[str, Any]]:
        columns = HUMAN_COLUMNS.get(file, ())
        return [
            {k: words(v) if k in columns and isinstance(v, str) else v for k, v in r.items()}
            for r in (row.as_dict() for row in table)
        ]

    assumptions: list[dict[str, Any]] = []
    for item in fs.items.values():
        if item.basis == "assumption":
            assumptions.append(
                {"where": f"item_factors.csv {item.slug}", "rationale": words(item.note)}
            )
        if item.weight_basis == "assumption":
            assumptions.append(
                {
                    "where": f"item_factors.csv {item.slug} typical_weight_kg",
                    "value": item.typical_weight_kg,
                    "rationale": words(item.weight_note),
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
            assumptions.append({"where": f"{file} {key}", "rationale": words(note)})
    return {
        "version": fs.version,
        "human_version": fs.human_version,
        "digest": fs.digest,
        "published": fs.versions[-1].date,
        "formula": [
            words(
                N_(
                    "Avoided emissions = displacement x footprint of an equivalent new item "
                    "- what the trade itself emits."
                ),
                data=False,
            ),
            words(
                N_(
                    "Footprint of a new item: production and distribution (cradle to shelf) of "
                    "the category's reference item; use and end of life are left out. Where no "
                    "item figure exists, the price in 2022 US dollars times a spend-based factor "
                    "for the sector; such estimates are flagged spend_based."
                ),
                data=False,
            ),
            words(
                N_(
                    "Displacement: the share of second-hand purchases that really replace "
                    "buying new, from published studies, by category group."
                ),
                data=False,
            ),
            words(
                N_(
                    "Collected in person: the buyer's round trip (%(factor)s x the distance "
                    "between buyer and seller) times the emissions per km of the mode the buyer "
                    "picks; the trip is counted as made for this item alone."
                ),
                data=False,
            )
            % {"factor": f"{trip_factor:g}"},
            words(
                N_(
                    "Shipped: ADEME's figure for delivering a parcel of that weight, plus its "
                    "cardboard packaging; interpolated between published weights, the lightest "
                    "figure below them, extrapolated along the last segment above them."
                ),
                data=False,
            ),
            words(
                N_(
                    "A seller's weight replaces the category's typical weight for the parcel "
                    "(and for factors given per kg)."
                ),
                data=False,
            ),
            words(
                N_(
                    "The seller's trip to drop a parcel off and the platform's own operations "
                    "are not counted."
                ),
                data=False,
            ),
        ],
        "range": words(
            N_(
                "low = low displacement x low new-item footprint - high transport - packaging; "
                "high = high displacement x high new-item footprint - low transport - packaging. "
                "The central value is the one credited."
            ),
            data=False,
        ),
        "negative": words(
            N_(
                "When the trade emits more than it avoids (a light item shipped far), the figure "
                "is negative, the page says so, and nothing is credited."
            ),
            data=False,
        ),
        "categories": rows("item_factors.csv", fs.items.values()),
        "displacement": rows("displacement.csv", fs.displacement.values()),
        "spend_factors": rows("spend_factors.csv", fs.spend.values()),
        "currencies": rows("currencies.csv", fs.currencies.values()),
        "trip_modes": rows("trip_modes.csv", fs.trip_modes.values()),
        "parcels": rows("parcels.csv", fs.parcels),
        "parameters": rows("parameters.csv", fs.parameters.values()),
        "assumptions": assumptions,
        "sources": rows("sources.csv", fs.sources.values()),
        "version_history": rows("versions.csv", fs.versions),
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
            "price_cents",
            gettext("'%(category)s' is estimated from the price; a price is needed")
            % {"category": item.slug},
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
        assumptions.append(gettext("Spend factor: %(note)s.") % {"note": said(sector.note)})
    assumptions.append(
        gettext(
            "Spend-based: no item figure for this category, so the listing price (%(usd)s in "
            "2022 US dollars) stands in for the price of a new one, which is usually higher; "
            "the estimate errs low."
        )
        % {"usd": i18n.number(price_usd, digits=2)}
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
                gettext(
                    "Parcel: no published figure below %(weight)s, so the %(weight)s figure is "
                    "used (a lighter parcel emits a little less)."
                )
                % {"weight": kg(points[0].weight_kg)}
            )
    elif weight >= points[-1].weight_kg:
        a, b = points[-2], points[-1]
        rule = "extrapolated" if weight > points[-1].weight_kg else "heaviest"
        if rule == "extrapolated":
            assumptions.append(
                gettext(
                    "Parcel: heavier than ADEME's heaviest published parcel (%(heaviest)s); "
                    "extrapolated along the %(lighter)s-%(heaviest)s segment."
                )
                % {"heaviest": kg(b.weight_kg), "lighter": kg(a.weight_kg)}
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
    detail = gettext(
        "parcel of %(weight)s delivered to the door (low: collected from a pick-up point)"
    ) % {"weight": kg(weight)}
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
        assumptions.append(gettext("Travel mode: %(note)s") % {"note": said(default.note)})
    if distance is None:
        default = fs.parameters["default_pickup_distance_km"]
        distance = float(default.value)
        parameters.append(default)
        assumptions.append(gettext("Distance: %(note)s") % {"note": said(default.note)})
    factor = fs.number("round_trip_factor")
    trip_km = factor * distance
    mode = fs.trip_modes[travel.value]
    if mode.basis == "assumption":
        assumptions.append(gettext("Travel factor: %(note)s") % {"note": said(mode.note)})
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
    detail = gettext("round trip %(factor)s x %(distance)s %(mode)s") % {
        "factor": f"{factor:g}",
        "distance": km(distance),
        "mode": said(mode.label).lower(),
    }
    return travel, distance, trip_km, transport, detail


# -- words ---------------------------------------------------------------------


def _sources(fs: FactorSet, ids: list[str]) -> tuple[SourceRef, ...]:
    seen = dict.fromkeys(ids)  # first appearance order, no repeats
    return tuple(
        SourceRef(s.id, s.title, s.publisher, s.year, s.url) for s in (fs.sources[i] for i in seen)
    )


def _statement(central: float, low: float, high: float, how: Fulfilment, detail: str) -> str:
    values = {"kg": kg(abs(central)), "low": number(low), "high": number(high), "trip": detail}
    if central > 0:
        if low <= 0:
            return (
                gettext(
                    "Buying this second-hand avoids about %(kg)s CO2e (range %(low)s to %(high)s kg "
                    "CO2e). At the low end of the range the trade would be a net cost."
                )
                % values
            )
        return (
            gettext(
                "Buying this second-hand avoids about %(kg)s CO2e (range %(low)s to %(high)s kg CO2e)."
            )
            % values
        )
    if how is Fulfilment.SHIPPING:
        return (
            gettext(
                "Shipping it emits more than buying it second-hand avoids: a net cost of about "
                "%(kg)s CO2e (range %(low)s to %(high)s kg CO2e), so nothing is credited."
            )
            % values
        )
    return (
        gettext(
            "Collecting it (%(trip)s) emits more than buying it second-hand avoids: a net cost of "
            "about %(kg)s CO2e (range %(low)s to %(high)s kg CO2e), so nothing is credited."
        )
        % values
    )
