"""The worked estimate: the "work it out" form read into an estimate's inputs (every
mistake named at once), and the estimate's figures in order, each with how it was found,
so a person can check it by hand."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from carbon.estimate import CarbonInputError, Estimate, estimate
from carbon.methodology import FactorSet
from carbon.routes import sentence
from resale.core import web

# Estimate input -> the work-it-out form field a person typed it in.
FORM_FIELD = {"price_cents": "price", "weight_kg": "weight"}


def exact(value: float) -> str:
    """A computed figure to trace by hand: to the gram, or 2 significant digits below a gram."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    size = abs(value)
    places = 3 if size >= 0.001 else 1 - math.floor(math.log10(size))
    text = f"{round(value, places):.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def factor(value: float) -> str:
    """A figure as the data tables give it (``0.142``, ``0.00017``, ``23.2``)."""
    return f"{value:g}"


FORM_FIELDS = ("category", "price", "currency", "weight", "fulfilment", "mode", "distance_km")


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the worked estimate: a symbol, its band of values and how it was found."""

    symbol: str
    title: str
    central: float
    low: float
    high: float
    how: tuple[str, ...]
    unit: str = "kg CO2e"


class _FormError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _decimal(text: str, field: str, example: str) -> Decimal | None:
    cleaned = text.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    for symbol in ("€", "£", "$"):
        cleaned = cleaned.replace(symbol, "")
    if not cleaned:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise _FormError(field, f"Enter a number, e.g. {example}.") from None
    if not number.is_finite() or abs(number) > 10**9:
        raise _FormError(field, f"Enter a number, e.g. {example}.")
    return number


def inputs(values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The estimate's inputs from the form, and the errors of fields that could not be read."""
    errors: dict[str, str] = {}
    inputs: dict[str, Any] = {
        "category": values.get("category", ""),
        "currency": values.get("currency", "") or "EUR",
        "fulfilment": values.get("fulfilment", "") or "pickup",
        "mode": values.get("mode") or None,
        "price_cents": None,
        "weight_kg": None,
        "distance_km": None,
    }
    if not inputs["category"]:
        errors["category"] = "Choose a category."
    try:
        price = _decimal(values.get("price", ""), "price", "12.50")
        if price is not None and price != price.quantize(Decimal("0.01")):
            raise _FormError("price", "A price has at most two decimals.")
        inputs["price_cents"] = None if price is None else int(price * 100)
    except _FormError as exc:
        errors[exc.field] = exc.message
    for field, name, example in (
        ("weight", "weight_kg", "0.6"),
        ("distance_km", "distance_km", "3.5"),
    ):
        try:
            number = _decimal(values.get(field, ""), field, example)
            inputs[name] = None if number is None else float(number)
        except _FormError as exc:
            errors[exc.field] = exc.message
    return inputs, errors


def checked(inputs: dict[str, Any], errors: dict[str, str], fs: FactorSet) -> Estimate | None:
    """The estimate, or None with every field's error added to ``errors``.

    ``estimate`` stops at the first bad input; trying again with that input set to a
    harmless value finds the next, so a person sees all their mistakes at once.
    """
    harmless: dict[str, Any] = {
        "category": next(iter(fs.items)),
        "currency": "EUR",
        "price_cents": 0,
        "weight_kg": None,
        "fulfilment": "pickup",
        "mode": None,
        "distance_km": None,
    }
    trial = dict(inputs)
    for _ in range(len(harmless) + 1):
        try:
            figure = estimate(factors=fs, **trial)
        except CarbonInputError as exc:
            errors.setdefault(FORM_FIELD.get(exc.field, exc.field), sentence(exc.message))
            trial[exc.field] = harmless[exc.field]
            continue
        return None if errors else figure
    return None


def work_it_out(figure: Estimate, fs: FactorSet) -> list[Step]:
    """The estimate's figures in order, each with how it was found, to check by hand."""
    b = figure.breakdown
    d, a, p = b.displacement, b.avoided_production, b.packaging
    nf, t = b.new_item, b.transport
    group = figure.factors["displacement"]["group"]
    return [
        Step(
            "F",
            "Making an equivalent new item",
            nf.central,
            nf.low,
            nf.high,
            _new_item_lines(figure, fs),
        ),
        Step(
            "d",
            "Share of second-hand purchases that replace a new one",
            d.central,
            d.low,
            d.high,
            (f"The {group} group of displacement.csv.",),
            unit="share",
        ),
        Step(
            "d × F",
            "Avoided production",
            a.central,
            a.low,
            a.high,
            (
                f"Central {factor(d.central)} × {exact(nf.central)} = {exact(a.central)}; "
                f"low {factor(d.low)} × {exact(nf.low)} = {exact(a.low)}; "
                f"high {factor(d.high)} × {exact(nf.high)} = {exact(a.high)}.",
            ),
        ),
        _transport_step(figure, fs),
        Step(
            "P",
            "Packaging",
            p.central,
            p.low,
            p.high,
            (
                (f"Cardboard box for a parcel of {factor(figure.weight_kg)} kg (parcels.csv).",)
                if b.transport_kind == "delivery"
                else ("Nothing is packed for a pickup.",)
            ),
        ),
        Step(
            "d × F − T − P",
            "Avoided emissions",
            figure.central,
            figure.low,
            figure.high,
            (
                f"Central: {exact(a.central)} − {exact(t.central)} − {exact(p.central)} "
                f"= {exact(figure.central)}.",
                f"Low: low d × F {exact(a.low)} − high T {exact(t.high)} − P {exact(p.high)} "
                f"= {exact(figure.low)}.",
                f"High: high d × F {exact(a.high)} − low T {exact(t.low)} − P {exact(p.low)} "
                f"= {exact(figure.high)}.",
            ),
        ),
    ]


def _new_item_lines(figure: Estimate, fs: FactorSet) -> tuple[str, ...]:
    """How the new item's footprint F was found: spend-based, per kg, or per item."""
    nf = figure.breakdown.new_item
    item = fs.items[figure.category]
    if figure.method == "spend_based":
        spend = figure.factors["spend"]
        rate, usd, sector = spend["currency"], spend["usd"], spend["sector"]
        price = figure.factors["inputs"]["price_cents"]
        return (
            f"No item figure for this category: the price stands in. "
            f"{web.format_money(price, rate['currency'])} ÷ {factor(rate['units_per_eur'])} "
            f"{rate['currency']} per euro × {factor(usd['units_per_eur'])} USD per euro "
            f"= {spend['price_usd']:.2f} US dollars (2022).",
            f"{spend['price_usd']:.2f} × {factor(sector['kg_co2e_per_usd'])} kg CO2e per dollar "
            f"({sector['sector']}, spend_factors.csv) = {exact(nf.central)} kg CO2e.",
        )
    if item.unit == "kg":
        weight = "the seller's weight" if figure.weight_source == "seller" else "typical weight"
        return (
            f"{factor(item.central or 0)} kg CO2e per kg (low {factor(item.low or 0)}, high "
            f"{factor(item.high or 0)}; item_factors.csv, {item.slug}) × {factor(figure.weight_kg)} kg "
            f"({weight}) = {exact(nf.central)} (low {exact(nf.low)}, high {exact(nf.high)}).",
        )
    return (
        f"One new item: {exact(nf.central)} kg CO2e (low {exact(nf.low)}, high "
        f"{exact(nf.high)}; item_factors.csv, {item.slug}).",
    )


def _transport_step(figure: Estimate, fs: FactorSet) -> Step:
    """T: the buyer's round trip, or the parcel's delivery."""
    t = figure.breakdown.transport
    transport = figure.factors["transport"]
    if figure.breakdown.transport_kind == "trip":
        mode = transport["mode"]
        round_trip = fs.number("round_trip_factor")
        return Step(
            "T",
            "The buyer's trip",
            t.central,
            t.low,
            t.high,
            (
                f"Round trip {round_trip:g} × {factor(transport['distance_km'])} km = "
                f"{factor(transport['trip_km'])} km, {mode['label'].lower()} (trip_modes.csv).",
                f"{factor(transport['trip_km'])} km × {factor(mode['central'])} kg CO2e per km = "
                f"{exact(t.central)} (low × {factor(mode['low'])} = {exact(t.low)}, "
                f"high × {factor(mode['high'])} = {exact(t.high)}).",
            ),
        )
    return Step(
        "T",
        "Delivering the parcel",
        t.central,
        t.low,
        t.high,
        (
            *_parcel_lines(transport),
            f"Delivered to the door: {exact(transport['home_delivery'])} − packaging "
            f"{exact(transport['packaging'])} = {exact(t.central)} (central and high); collected "
            f"from a pick-up point: {exact(transport['pickup_point'])} − "
            f"{exact(transport['packaging'])} = {exact(t.low)} (low).",
        ),
    )


def _parcel_lines(transport: Mapping[str, Any]) -> tuple[str, ...]:
    weight = factor(transport["parcel_weight_kg"])
    points = transport["points"]
    first = points[0]
    if transport["rule"] == "lightest":
        return (
            f"Parcel of {weight} kg: the figures for {factor(first['weight_kg'])} kg, the lightest "
            "published (parcels.csv).",
        )
    last = points[-1]
    if transport["rule"] == "heaviest":
        return (f"Parcel of {weight} kg: the published {factor(last['weight_kg'])} kg figures.",)
    verb = "between" if transport["rule"] == "interpolated" else "extrapolated beyond"
    span = f"{factor(last['weight_kg'])} − {factor(first['weight_kg'])}"
    share = f"({weight} − {factor(first['weight_kg'])}) ÷ ({span})"

    def along(column: str) -> str:
        return (
            f"{factor(first[column])} + {share} × ({factor(last[column])} − {factor(first[column])}) "
            f"= {exact(transport[column])}"
        )

    return (
        f"Parcel of {weight} kg, {verb} the published {factor(first['weight_kg'])} kg and "
        f"{factor(last['weight_kg'])} kg figures (parcels.csv):",
        f"door {along('home_delivery')}; pick-up point {along('pickup_point')}; "
        f"packaging {along('packaging')}.",
    )
