"""Six reference items, traced by hand from the data files: central = D x new item - transport - packaging.

The numbers are read straight from carbon/data/*.csv here (not through the loader),
so each estimate can be checked against the methodology page line by line.
"""

from __future__ import annotations

import csv
import itertools
import math

import pytest

from carbon.estimate import Estimate, estimate
from carbon.methodology import DATA_DIR

WALK_KM = 2.0


def _table(name: str, key: str) -> dict[str, dict[str, str]]:
    lines = [
        line
        for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return {row[key]: row for row in csv.DictReader(lines)}


ITEMS = _table("item_factors.csv", "slug")
DISPLACEMENT = _table("displacement.csv", "group")
SPEND = _table("spend_factors.csv", "sector")
CURRENCIES = _table("currencies.csv", "currency")
TRIPS = _table("trip_modes.csv", "mode")
PARCELS = sorted(
    _table("parcels.csv", "weight_kg").values(), key=lambda row: float(row["weight_kg"])
)
ROUND_TRIP = float(_table("parameters.csv", "name")["round_trip_factor"]["value"])

# (category, price in euro cents): the bicycle has no item figure, so its price matters.
REFERENCE = [
    ("women-jeans", 2000),
    ("phones", 25000),
    ("sofas", 30000),
    ("washing-machines", 15000),
    ("books", 500),
    ("city-bikes", 15000),
]


def _new_item(slug: str, price_cents: int) -> tuple[float, float, float]:
    row = ITEMS[slug]
    if row["method"] == "item_factor":
        return float(row["central"]), float(row["low"]), float(row["high"])
    usd = (
        price_cents
        / 100
        / float(CURRENCIES["EUR"]["units_per_eur"])
        * float(CURRENCIES["USD"]["units_per_eur"])
    )
    value = usd * float(SPEND[row["spend_sector"]]["kg_co2e_per_usd"])
    return value, value, value


def _parcel(weight: float) -> tuple[float, float, float]:
    """(home delivery, pick-up point, packaging) for a parcel, as the parcels.csv comment describes."""
    points = [
        (
            float(p["weight_kg"]),
            float(p["home_delivery"]),
            float(p["pickup_point"]),
            float(p["packaging"]),
        )
        for p in PARCELS
    ]
    if weight <= points[0][0]:
        return points[0][1:]
    pairs = list(itertools.pairwise(points))
    a, b = next(((a, b) for a, b in pairs if weight <= b[0]), pairs[-1])
    t = (weight - a[0]) / (b[0] - a[0])
    home, pickup, packaging = (a[i] + t * (b[i] - a[i]) for i in (1, 2, 3))
    return home, pickup, packaging


def _estimate(slug: str, price_cents: int, fulfilment: str) -> Estimate:
    if fulfilment == "pickup":
        return estimate(
            category=slug,
            price_cents=price_cents,
            currency="EUR",
            weight_kg=None,
            fulfilment="pickup",
            mode="walk_bike",
            distance_km=WALK_KM,
        )
    return estimate(
        category=slug,
        price_cents=price_cents,
        currency="EUR",
        weight_kg=None,
        fulfilment="shipping",
    )


@pytest.mark.parametrize(("slug", "price_cents"), REFERENCE)
def test_pickup_on_foot_is_traceable(slug: str, price_cents: int) -> None:
    result = _estimate(slug, price_cents, "pickup")
    group = DISPLACEMENT[ITEMS[slug]["group"]]
    d = float(group["central"]), float(group["low"]), float(group["high"])
    new = _new_item(slug, price_cents)
    walk = TRIPS["walk_bike"]
    trip_km = ROUND_TRIP * WALK_KM
    transport = (
        float(walk["central"]) * trip_km,
        float(walk["low"]) * trip_km,
        float(walk["high"]) * trip_km,
    )
    packaging = 0.0

    assert math.isclose(result.central, d[0] * new[0] - transport[0] - packaging, abs_tol=1e-5)
    assert math.isclose(result.low, d[1] * new[1] - transport[2] - packaging, abs_tol=1e-5)
    assert math.isclose(result.high, d[2] * new[2] - transport[1] - packaging, abs_tol=1e-5)
    assert result.trip_km == trip_km
    assert result.is_net_saving


@pytest.mark.parametrize(("slug", "price_cents"), REFERENCE)
def test_shipping_is_traceable(slug: str, price_cents: int) -> None:
    result = _estimate(slug, price_cents, "shipping")
    group = DISPLACEMENT[ITEMS[slug]["group"]]
    d = float(group["central"]), float(group["low"]), float(group["high"])
    new = _new_item(slug, price_cents)
    home, pickup_point, packaging = _parcel(float(ITEMS[slug]["typical_weight_kg"]))

    assert math.isclose(
        result.central, d[0] * new[0] - (home - packaging) - packaging, abs_tol=1e-5
    )
    assert math.isclose(result.low, d[1] * new[1] - (home - packaging) - packaging, abs_tol=1e-5)
    assert math.isclose(
        result.high, d[2] * new[2] - (pickup_point - packaging) - packaging, abs_tol=1e-5
    )
    assert math.isclose(result.breakdown.packaging.central, packaging, abs_tol=1e-5)


@pytest.mark.parametrize(("slug", "price_cents"), REFERENCE)
@pytest.mark.parametrize("fulfilment", ["pickup", "shipping"])
def test_the_stored_snapshot_alone_rederives_the_figure(
    slug: str, price_cents: int, fulfilment: str
) -> None:
    result = _estimate(slug, price_cents, fulfilment)
    snap = result.factors
    item, group, transport = snap["item"], snap["displacement"], snap["transport"]
    if item["method"] == "item_factor":
        new = item["central"]
    else:
        new = snap["spend"]["price_usd"] * snap["spend"]["sector"]["kg_co2e_per_usd"]
    if transport["kind"] == "trip":
        emitted = transport["mode"]["central"] * transport["trip_km"]
    else:
        emitted = transport["home_delivery"]  # delivery + packaging
    assert math.isclose(result.central, group["central"] * new - emitted, abs_tol=1e-5)


def test_only_the_shipped_book_is_a_net_cost() -> None:
    for slug, price_cents in REFERENCE:
        assert _estimate(slug, price_cents, "pickup").central > 0
        shipped = _estimate(slug, price_cents, "shipping")
        assert shipped.is_net_saving == (slug != "books")
