"""The worked estimate: the "work it out" form read into an estimate's inputs (every
mistake named at once), and the estimate's figures in order, each with how it was found,
so a person can check it by hand."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup, escape

from carbon.estimate import CarbonInputError, Estimate, estimate
from carbon.methodology import FactorSet
from carbon.routes import sentence
from carbon.wording import group_label, said
from resale.core import i18n, web
from resale.core.i18n import gettext as _

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
    unit: str = "kg CO2e"  # or the words for a share, in the request's language


_CODE = ("file", "slug", "sector")  # the values a line names as they are written


def _marked(message: str, **values: str) -> Markup:
    """A translated line whose file names and ids show as code (kept in every language);
    every value is escaped."""
    return escape(message) % {
        name: Markup('<code translate="no">%s</code>') % value if name in _CODE else value
        for name, value in values.items()
    }


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
        raise _FormError(
            field, _("Enter a number, e.g. %(example)s.") % {"example": example}
        ) from None
    if not number.is_finite() or abs(number) > 10**9:
        raise _FormError(field, _("Enter a number, e.g. %(example)s.") % {"example": example})
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
        errors["category"] = _("Choose a category.")
    try:
        price = _decimal(values.get("price", ""), "price", "12.50")
        if price is not None and price != price.quantize(Decimal("0.01")):
            raise _FormError("price", _("A price has at most two decimals."))
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
    for _attempt in range(len(harmless) + 1):
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
            _("Making an equivalent new item"),
            nf.central,
            nf.low,
            nf.high,
            _new_item_lines(figure, fs),
        ),
        Step(
            "d",
            _("Share of second-hand purchases that replace a new one"),
            d.central,
            d.low,
            d.high,
            (
                _marked(
                    _("The %(group)s group of %(file)s."),
                    group=group_label(group),
                    file="displacement.csv",
                ),
            ),
            unit=_("share"),
        ),
        Step(
            "d × F",
            _("Avoided production"),
            a.central,
            a.low,
            a.high,
            (
                _(
                    "Central %(d)s × %(f)s = %(a)s; low %(d_low)s × %(f_low)s = %(a_low)s; "
                    "high %(d_high)s × %(f_high)s = %(a_high)s."
                )
                % {
                    "d": factor(d.central),
                    "f": exact(nf.central),
                    "a": exact(a.central),
                    "d_low": factor(d.low),
                    "f_low": exact(nf.low),
                    "a_low": exact(a.low),
                    "d_high": factor(d.high),
                    "f_high": exact(nf.high),
                    "a_high": exact(a.high),
                },
            ),
        ),
        _transport_step(figure, fs),
        Step(
            "P",
            _("Packaging"),
            p.central,
            p.low,
            p.high,
            (
                (
                    _marked(
                        _("Cardboard box for a parcel of %(weight)s kg (%(file)s)."),
                        weight=factor(figure.weight_kg),
                        file="parcels.csv",
                    ),
                )
                if b.transport_kind == "delivery"
                else (_("Nothing is packed for a pickup."),)
            ),
        ),
        Step(
            "d × F − T − P",
            _("Avoided emissions"),
            figure.central,
            figure.low,
            figure.high,
            (
                _("Central: %(a)s − %(t)s − %(p)s = %(result)s.")
                % {
                    "a": exact(a.central),
                    "t": exact(t.central),
                    "p": exact(p.central),
                    "result": exact(figure.central),
                },
                _("Low: low d × F %(a)s − high T %(t)s − P %(p)s = %(result)s.")
                % {
                    "a": exact(a.low),
                    "t": exact(t.high),
                    "p": exact(p.high),
                    "result": exact(figure.low),
                },
                _("High: high d × F %(a)s − low T %(t)s − P %(p)s = %(result)s.")
                % {
                    "a": exact(a.high),
                    "t": exact(t.low),
                    "p": exact(p.low),
                    "result": exact(figure.high),
                },
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
        usd_price = i18n.number(spend["price_usd"], digits=2)
        return (
            _(
                "No item figure for this category: the price stands in. %(price)s ÷ %(rate)s "
                "%(currency)s per euro × %(usd_rate)s USD per euro = %(usd)s US dollars (2022)."
            )
            % {
                "price": web.format_money(price, rate["currency"]),
                "rate": factor(rate["units_per_eur"]),
                "currency": rate["currency"],
                "usd_rate": factor(usd["units_per_eur"]),
                "usd": usd_price,
            },
            _marked(
                _(
                    "%(usd)s × %(factor)s kg CO2e per dollar (%(sector)s, %(file)s) "
                    "= %(result)s kg CO2e."
                ),
                usd=usd_price,
                factor=factor(sector["kg_co2e_per_usd"]),
                sector=sector["sector"],
                file="spend_factors.csv",
                result=exact(nf.central),
            ),
        )
    if item.unit == "kg":
        values = {
            "central": factor(item.central or 0),
            "low": factor(item.low or 0),
            "high": factor(item.high or 0),
            "slug": item.slug,
            "file": "item_factors.csv",
            "weight": factor(figure.weight_kg),
            "result": exact(nf.central),
            "result_low": exact(nf.low),
            "result_high": exact(nf.high),
        }
        if figure.weight_source == "seller":
            return (
                _marked(
                    _(
                        "%(central)s kg CO2e per kg (low %(low)s, high %(high)s; %(file)s, "
                        "%(slug)s) × %(weight)s kg (the seller's weight) = %(result)s (low "
                        "%(result_low)s, high %(result_high)s)."
                    ),
                    **values,
                ),
            )
        return (
            _marked(
                _(
                    "%(central)s kg CO2e per kg (low %(low)s, high %(high)s; %(file)s, "
                    "%(slug)s) × %(weight)s kg (typical weight) = %(result)s (low %(result_low)s, "
                    "high %(result_high)s)."
                ),
                **values,
            ),
        )
    return (
        _marked(
            _(
                "One new item: %(central)s kg CO2e (low %(low)s, high %(high)s; %(file)s, "
                "%(slug)s)."
            ),
            central=exact(nf.central),
            low=exact(nf.low),
            high=exact(nf.high),
            file="item_factors.csv",
            slug=item.slug,
        ),
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
            _("The buyer's trip"),
            t.central,
            t.low,
            t.high,
            (
                _marked(
                    _(
                        "Round trip %(factor)s × %(distance)s km = %(trip)s km, %(mode)s (%(file)s)."
                    ),
                    factor=f"{round_trip:g}",
                    distance=factor(transport["distance_km"]),
                    trip=factor(transport["trip_km"]),
                    mode=said(mode["label"]).lower(),
                    file="trip_modes.csv",
                ),
                _(
                    "%(trip)s km × %(central)s kg CO2e per km = %(result)s (low × %(low)s = "
                    "%(result_low)s, high × %(high)s = %(result_high)s)."
                )
                % {
                    "trip": factor(transport["trip_km"]),
                    "central": factor(mode["central"]),
                    "result": exact(t.central),
                    "low": factor(mode["low"]),
                    "result_low": exact(t.low),
                    "high": factor(mode["high"]),
                    "result_high": exact(t.high),
                },
            ),
        )
    return Step(
        "T",
        _("Delivering the parcel"),
        t.central,
        t.low,
        t.high,
        (
            *_parcel_lines(transport),
            _(
                "Delivered to the door: %(door)s − packaging %(packaging)s = %(result)s (central "
                "and high); collected from a pick-up point: %(point)s − %(packaging)s = "
                "%(result_low)s (low)."
            )
            % {
                "door": exact(transport["home_delivery"]),
                "packaging": exact(transport["packaging"]),
                "result": exact(t.central),
                "point": exact(transport["pickup_point"]),
                "result_low": exact(t.low),
            },
        ),
    )


def _parcel_lines(transport: Mapping[str, Any]) -> tuple[str, ...]:
    weight = factor(transport["parcel_weight_kg"])
    points = transport["points"]
    first = points[0]
    if transport["rule"] == "lightest":
        return (
            _marked(
                _(
                    "Parcel of %(weight)s kg: the figures for %(lightest)s kg, the lightest "
                    "published (%(file)s)."
                ),
                weight=weight,
                lightest=factor(first["weight_kg"]),
                file="parcels.csv",
            ),
        )
    last = points[-1]
    if transport["rule"] == "heaviest":
        return (
            _("Parcel of %(weight)s kg: the published %(heaviest)s kg figures.")
            % {"weight": weight, "heaviest": factor(last["weight_kg"])},
        )
    span = f"{factor(last['weight_kg'])} − {factor(first['weight_kg'])}"
    share = f"({weight} − {factor(first['weight_kg'])}) ÷ ({span})"

    def along(column: str) -> str:
        return (
            f"{factor(first[column])} + {share} × ({factor(last[column])} − {factor(first[column])}) "
            f"= {exact(transport[column])}"
        )

    if transport["rule"] == "interpolated":
        heading = _(
            "Parcel of %(weight)s kg, between the published %(first)s kg and %(last)s kg figures "
            "(%(file)s):"
        )
    else:
        heading = _(
            "Parcel of %(weight)s kg, extrapolated beyond the published %(first)s kg and "
            "%(last)s kg figures (%(file)s):"
        )
    return (
        _marked(
            heading,
            weight=weight,
            first=factor(first["weight_kg"]),
            last=factor(last["weight_kg"]),
            file="parcels.csv",
        ),
        _("door %(door)s; pick-up point %(point)s; packaging %(packaging)s.")
        % {
            "door": along("home_delivery"),
            "point": along("pickup_point"),
            "packaging": along("packaging"),
        },
    )
