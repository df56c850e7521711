"""The avoided-emissions estimate of issue 5: properties (hypothesis) and plain cases."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from carbon.estimate import (
    CarbonInputError,
    Estimate,
    Fulfilment,
    TravelMode,
    compare_fulfilment,
    estimate,
    methodology,
)
from carbon.methodology import DATA_DIR, load_factors, methodology_version
from resale.core.fields import MAX_AMOUNT_CENTS, MAX_DISTANCE_KM, MAX_WEIGHT_KG

FS = load_factors()
LEAVES = sorted(FS.items)
CURRENCIES = sorted(FS.currencies)
MODES = [mode.value for mode in TravelMode]
PROPERTY = settings(max_examples=150, deadline=None)

leaves = st.sampled_from(LEAVES)
prices = st.integers(min_value=0, max_value=10_000_000)
weights = st.none() | st.floats(min_value=0.01, max_value=300, allow_nan=False)
distances = st.floats(min_value=0, max_value=2_000, allow_nan=False)


@st.composite
def inputs(draw: st.DrawFn) -> dict[str, object]:
    return {
        "category": draw(leaves),
        "price_cents": draw(prices),
        "currency": draw(st.sampled_from(CURRENCIES)),
        "weight_kg": draw(weights),
        "fulfilment": draw(st.sampled_from(["pickup", "shipping"])),
        "mode": draw(st.none() | st.sampled_from(MODES)),
        "distance_km": draw(st.none() | distances),
    }


# -- properties ------------------------------------------------------------------


@PROPERTY
@given(
    category=leaves,
    price=prices,
    mode=st.sampled_from(["car", "public_transport"]),
    near=distances,
    extra=st.floats(min_value=0.01, max_value=500, allow_nan=False),
)
def test_estimate_falls_as_the_trip_grows(
    category: str, price: int, mode: str, near: float, extra: float
) -> None:
    def at(km: float) -> Estimate:
        return estimate(
            category=category,
            price_cents=price,
            currency="EUR",
            weight_kg=None,
            fulfilment="pickup",
            mode=mode,
            distance_km=km,
        )

    close, far = at(near), at(near + extra)
    assert far.central < close.central
    assert far.low <= close.low
    assert far.high <= close.high


@PROPERTY
@given(category=leaves, price=prices, weight=weights, near=distances, far=distances)
def test_shipping_never_gains_from_distance(
    category: str, price: int, weight: float | None, near: float, far: float
) -> None:
    assume(near <= far)
    first, second = (
        estimate(
            category=category,
            price_cents=price,
            currency="EUR",
            weight_kg=weight,
            fulfilment="shipping",
            distance_km=km,
        )
        for km in (near, far)
    )
    assert second.central <= first.central  # parcels follow a fixed national scenario: equal


@PROPERTY
@given(args=inputs())
def test_low_never_exceeds_central_never_exceeds_high(args: dict[str, object]) -> None:
    result = estimate(**args)  # type: ignore[arg-type]
    assert result.low <= result.central <= result.high
    parts = result.breakdown
    for band in (parts.new_item, parts.displacement, parts.transport, parts.packaging):
        assert band.low <= band.central <= band.high
    assert result.is_net_saving == (result.central > 0)
    assert result.credited_kg == (result.central if result.central > 0 else 0.0)


@PROPERTY
@given(args=inputs())
def test_the_same_inputs_give_the_same_result(args: dict[str, object]) -> None:
    first = estimate(**args)  # type: ignore[arg-type]
    second = estimate(**args)  # type: ignore[arg-type]
    assert first == second
    assert json.dumps(first.as_dict(), sort_keys=True) == json.dumps(
        second.as_dict(), sort_keys=True
    )


@PROPERTY
@given(args=inputs())
def test_central_is_traceable_from_its_breakdown(args: dict[str, object]) -> None:
    result = estimate(**args)  # type: ignore[arg-type]
    parts = result.breakdown
    expected = (
        parts.displacement.central * parts.new_item.central
        - parts.transport.central
        - parts.packaging.central
    )
    assert math.isclose(result.central, expected, abs_tol=1e-5)


def _numeric_cells() -> list[tuple[str, int, int]]:
    """(file, line index, cell index) of every number in every data file."""
    cells = []
    for file in sorted(DATA_DIR.glob("*.csv")):
        for index, line in enumerate(file.read_text(encoding="utf-8").splitlines()):
            if line.startswith("#") or not line.strip():
                continue
            for position, cell in enumerate(next(csv.reader([line]))):
                try:
                    float(cell)
                except ValueError:
                    continue
                cells.append((file.name, index, position))
    return cells


NUMERIC_CELLS = _numeric_cells()


def _replace_cell(directory: Path, name: str, index: int, position: int, value: str) -> str:
    """Write ``value`` into one cell, leaving every other byte alone; returns the old cell."""
    path = directory / name
    lines = path.read_text(encoding="utf-8").split("\n")
    cells = next(csv.reader([lines[index]]))

    def render(row: list[str]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(row)
        return out.getvalue()

    assert render(cells) == lines[index], "data files are kept in csv.writer's form"
    old = cells[position]
    cells[position] = value
    lines[index] = render(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    return old


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=st.sampled_from(NUMERIC_CELLS), factor=st.floats(min_value=0.5, max_value=2.0))
def test_a_change_to_any_number_changes_the_version(
    cell: tuple[str, int, int], factor: float
) -> None:
    name, index, position = cell
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(DATA_DIR, copy)
        assert methodology_version(copy) == FS.version
        old = float(next(csv.reader([(copy / name).read_text().split("\n")[index]]))[position])
        new = old * factor if old else factor
        assume(new != old)
        _replace_cell(copy, name, index, position, repr(new))
        assert methodology_version(copy) != FS.version


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    category=leaves,
    factor=st.floats(min_value=1.01, max_value=3.0),
    fulfilment=st.sampled_from(["pickup", "shipping"]),
)
def test_a_changed_factor_loads_under_a_new_version_and_moves_the_estimate(
    category: str, factor: float, fulfilment: str
) -> None:
    item = FS.items[category]
    if item.method == "item_factor":  # the item's own band
        name, key, columns = "item_factors.csv", category, ["central", "low", "high"]
    else:  # the spend factor of its sector
        assert item.spend_sector is not None
        name, key, columns = "spend_factors.csv", item.spend_sector, ["kg_co2e_per_usd"]
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(DATA_DIR, copy)
        lines = (copy / name).read_text().split("\n")
        data = [i for i, line in enumerate(lines) if line and not line.startswith("#")]
        header = next(csv.reader([lines[data[0]]]))
        index = next(i for i in data[1:] if next(csv.reader([lines[i]]))[0] == key)
        row = next(csv.reader([lines[index]]))
        for column in columns:
            position = header.index(column)
            _replace_cell(copy, name, index, position, repr(float(row[position]) * factor))
        changed = load_factors(copy)
        assert changed.version != FS.version
        args: dict[str, object] = {
            "category": category,
            "price_cents": 10_000,
            "currency": "EUR",
            "weight_kg": None,
            "fulfilment": fulfilment,
            "mode": "car",
            "distance_km": 3.0,
        }
        before = estimate(**args)  # type: ignore[arg-type]
        after = estimate(**args, factors=changed)  # type: ignore[arg-type]
        assert after.methodology_version == changed.version != before.methodology_version
        assert after.central != before.central


# -- plain cases ---------------------------------------------------------------------


def _jeans(**overrides: object) -> Estimate:
    args: dict[str, object] = {
        "category": "women-jeans",
        "price_cents": 1500,
        "currency": "EUR",
        "weight_kg": None,
        "fulfilment": "pickup",
        "mode": "walk_bike",
        "distance_km": 2.0,
    }
    args.update(overrides)
    return estimate(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "no-such-thing"}, "category"),
        ({"category": "women"}, "category"),  # a parent, not a leaf
        ({"category": ""}, "category"),
        ({"weight_kg": -1.0}, "weight_kg"),
        ({"weight_kg": 0.0}, "weight_kg"),
        ({"weight_kg": math.nan}, "weight_kg"),
        ({"distance_km": -0.5}, "distance_km"),
        ({"distance_km": math.inf}, "distance_km"),
        ({"distance_km": 1.3738083244162357e308}, "distance_km"),  # finite, but inf kg
        ({"distance_km": MAX_DISTANCE_KM + 1}, "distance_km"),
        ({"weight_kg": MAX_WEIGHT_KG + 0.5}, "weight_kg"),
        ({"mode": "rocket"}, "mode"),
        ({"mode": "rocket", "fulfilment": "shipping"}, "mode"),
        ({"currency": "XYZ"}, "currency"),
        ({"price_cents": -100}, "price_cents"),
        ({"price_cents": 12.5}, "price_cents"),
        ({"fulfilment": "teleport"}, "fulfilment"),
    ],
)
def test_bad_input_names_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(CarbonInputError) as caught:
        _jeans(**overrides)
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("fulfilment", ["pickup", "shipping"])
def test_the_largest_inputs_allowed_still_give_finite_figures(fulfilment: str) -> None:
    for category in ("women-trousers-skirts", "men-suits", "sofas"):
        figure = estimate(
            category=category,
            price_cents=MAX_AMOUNT_CENTS,
            currency="SEK",
            weight_kg=MAX_WEIGHT_KG,
            fulfilment=fulfilment,
            mode="car",
            distance_km=MAX_DISTANCE_KM,
        )
        figures = (figure.low, figure.central, figure.high)
        assert all(math.isfinite(x) for x in figures), category


def test_a_price_in_yuan_is_converted_at_the_ecb_rate() -> None:
    suit = estimate(
        category="men-suits",
        price_cents=60_000,
        currency="CNY",
        weight_kg=None,
        fulfilment="pickup",
        mode="walk_bike",
        distance_km=1,
    )
    usd = 600 / 7.0788 * FS.currencies["USD"].units_per_eur
    assert math.isclose(
        suit.breakdown.new_item.central, usd * FS.spend["apparel"].kg_co2e_per_usd, abs_tol=1e-6
    )
    assert suit.factors["spend"]["currency"]["currency"] == "CNY"
    assert "ecb_fx_2022" in {source.id for source in suit.sources}


def test_spend_based_fallback_is_flagged_and_needs_a_price() -> None:
    suit = estimate(
        category="men-suits",
        price_cents=6000,
        currency="GBP",
        weight_kg=None,
        fulfilment="pickup",
        mode="walk_bike",
        distance_km=1,
    )
    assert suit.method == "spend_based"
    usd = 60 / FS.currencies["GBP"].units_per_eur * FS.currencies["USD"].units_per_eur
    assert math.isclose(
        suit.breakdown.new_item.central, usd * FS.spend["apparel"].kg_co2e_per_usd, abs_tol=1e-6
    )
    assert any("Spend-based" in line for line in suit.assumptions)
    assert suit.factors["spend"]["currency"]["currency"] == "GBP"
    assert _jeans().method == "item_factor"
    with pytest.raises(CarbonInputError) as caught:
        estimate(
            category="men-suits",
            price_cents=None,
            currency="EUR",
            weight_kg=None,
            fulfilment="shipping",
        )
    assert caught.value.field == "price_cents"


def test_a_shipped_paperback_is_a_net_cost_and_says_so() -> None:
    book = estimate(
        category="books",
        price_cents=400,
        currency="EUR",
        weight_kg=0.3,
        fulfilment="shipping",
    )
    assert book.central < 0
    assert book.high < 0
    assert not book.is_net_saving
    assert book.credited_kg == 0.0
    assert "net cost" in book.statement and "nothing is credited" in book.statement
    assert book.breakdown.packaging.central > 0
    walked = estimate(
        category="books",
        price_cents=400,
        currency="EUR",
        weight_kg=0.3,
        fulfilment="pickup",
        mode="walk_bike",
        distance_km=1.5,
    )
    assert walked.is_net_saving and walked.central > 0


def test_pickup_counts_the_round_trip_and_says_so() -> None:
    car = _jeans(mode="car", distance_km=3.0)
    assert car.trip_km == 6.0
    assert math.isclose(
        car.breakdown.transport.central, 6.0 * FS.trip_modes["car"].central, abs_tol=1e-6
    )
    assert "round trip 2 x 3.0 km by car" in car.breakdown.transport_detail
    assert car.breakdown.packaging.central == 0.0


def test_a_missing_mode_and_distance_fall_back_on_labelled_assumptions() -> None:
    result = _jeans(mode=None, distance_km=None)
    assert result.mode is TravelMode.CAR
    assert result.distance_km == float(FS.text("default_pickup_distance_km"))
    assert any(line.startswith("Travel mode:") for line in result.assumptions)
    assert any(line.startswith("Distance:") for line in result.assumptions)
    assert set(result.factors["parameters"]) >= {
        "default_pickup_mode",
        "default_pickup_distance_km",
    }


def test_the_sellers_weight_replaces_the_typical_weight_for_the_parcel() -> None:
    typical = _jeans(fulfilment="shipping")
    heavy = _jeans(fulfilment="shipping", weight_kg=20.0)
    assert (
        typical.weight_source == "typical"
        and typical.weight_kg == FS.items["women-jeans"].typical_weight_kg
    )
    assert heavy.weight_source == "seller" and heavy.weight_kg == 20.0
    assert heavy.breakdown.transport.central > typical.breakdown.transport.central
    assert heavy.breakdown.new_item == typical.breakdown.new_item  # a per-item factor
    assert any(
        line.startswith("Parcel: heavier")
        for line in _jeans(fulfilment="shipping", weight_kg=60.0).assumptions
    )


def test_the_sellers_weight_scales_a_per_kg_factor(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    path = copy / "item_factors.csv"
    text = path.read_text(encoding="utf-8")
    old = "textiles,general,spend_based,,,,,apparel,assumption,epa_useeio_v13,2024,"
    assert old in text
    path.write_text(
        text.replace(old, "textiles,general,item_factor,kg,20,15,25,,derived,epa_useeio_v13,2024,"),
        encoding="utf-8",
    )
    per_kg = load_factors(copy)
    light, heavy = (
        estimate(
            category="textiles",
            price_cents=None,
            currency="EUR",
            weight_kg=kg,
            fulfilment="pickup",
            mode="walk_bike",
            distance_km=1,
            factors=per_kg,
        )
        for kg in (1.0, 2.0)
    )
    assert light.breakdown.new_item.central == 20.0
    assert heavy.breakdown.new_item.central == 40.0
    assert (heavy.breakdown.new_item.low, heavy.breakdown.new_item.high) == (30.0, 50.0)


def test_a_shipped_item_ignores_distance_and_mode_and_says_so() -> None:
    shipped = _jeans(fulfilment="shipping", mode="car", distance_km=800.0)
    assert shipped.mode is None and shipped.trip_km is None
    assert shipped.breakdown.transport_kind == "delivery"
    assert any("distance between buyer and seller" in line for line in shipped.assumptions)
    assert shipped.central == _jeans(fulfilment="shipping", mode=None, distance_km=None).central


def test_inputs_are_accepted_as_enums_or_loose_strings() -> None:
    assert _jeans(fulfilment=Fulfilment.PICKUP, mode=TravelMode.WALK_BIKE) == _jeans(
        fulfilment=" Pickup ", mode="WALK_BIKE", currency="eur"
    )


def test_the_estimate_lists_its_sources_and_a_snapshot_that_serialises() -> None:
    result = _jeans(fulfilment="shipping")
    ids = [source.id for source in result.sources]
    assert ids[:2] == ["ademe_impactco2", "ademe_biens_2018"]
    assert "vinted_vaayu_2023" in ids and "ademe_livraison" in ids
    assert len(ids) == len(set(ids))
    assert all(source.title and source.publisher for source in result.sources)
    snapshot = json.loads(json.dumps(result.factors))
    assert snapshot["methodology_version"] == result.methodology_version == FS.version
    assert snapshot["item"]["central"] == 23.2
    assert snapshot["displacement"]["central"] == 0.39
    assert json.loads(json.dumps(result.as_dict()))["fulfilment"] == "shipping"


def test_compare_fulfilment_shows_pickup_nearby_beats_shipping() -> None:
    near = compare_fulfilment(
        category="women-jeans",
        price_cents=None,
        currency="EUR",
        weight_kg=None,
        mode="walk_bike",
        distance_km=2,
    )
    assert near.pickup.fulfilment is Fulfilment.PICKUP
    assert near.shipping.fulfilment is Fulfilment.SHIPPING
    assert near.better == "pickup" and near.difference_kg > 0
    assert "more than having it shipped" in near.statement
    far_by_car = compare_fulfilment(
        category="women-jeans",
        price_cents=None,
        currency="EUR",
        weight_kg=None,
        mode="car",
        distance_km=20,
    )
    assert far_by_car.better == "shipping" and far_by_car.difference_kg < 0


def test_methodology_document_has_everything_a_page_needs() -> None:
    doc = methodology()
    assert doc["version"] == FS.version
    assert doc["formula"] and "displacement" in doc["formula"][0]
    assert {row["slug"] for row in doc["categories"]} == set(FS.items)
    assert {row["group"] for row in doc["displacement"]} == {"fashion", "general"}
    assert {row["mode"] for row in doc["trip_modes"]} == set(MODES)
    assert doc["parcels"] and doc["currencies"] and doc["spend_factors"]
    assert {source["id"] for source in doc["sources"]} == set(FS.sources)
    assert doc["version_history"][-1]["version"] == FS.human_version
    assert any(a["where"] == "parameters.csv default_pickup_mode" for a in doc["assumptions"])
    json.dumps(doc)
