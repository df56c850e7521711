"""The data files of the carbon methodology: complete, cited, labelled, and refused when broken."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import pytest

from carbon.methodology import (
    DATA_DIR,
    CarbonDataError,
    load_factors,
    methodology_version,
)
from resale.core import taxonomy


def test_every_leaf_category_has_exactly_one_factor_row() -> None:
    leaves = {leaf.slug for leaf in taxonomy.LEAVES}
    rows = set(load_factors().items)
    assert not leaves - rows, f"leaf categories without a factor row: {sorted(leaves - rows)}"
    assert not rows - leaves, f"factor rows naming no leaf category: {sorted(rows - leaves)}"


def test_leaves_of_one_parent_share_a_displacement_group() -> None:
    fs = load_factors()
    for parent in taxonomy.PARENTS:
        groups = {fs.items[leaf.slug].group for leaf in taxonomy.children(parent.slug)}
        assert len(groups) == 1, f"{parent.slug} spans displacement groups {groups}"


def test_fashion_group_covers_clothes_shoes_and_accessories() -> None:
    fs = load_factors()
    fashion = {"women", "men", "kids", "shoes", "accessories"}
    for leaf in taxonomy.LEAVES:
        expected = "fashion" if leaf.parent in fashion else "general"
        assert fs.items[leaf.slug].group == expected, leaf.slug


def test_every_row_names_its_source_and_date_and_labels_assumptions() -> None:
    fs = load_factors()
    for item in fs.items.values():
        assert item.source_ids, item.slug
        assert item.source_date, item.slug
        assert item.basis in {"published", "derived", "assumption"}, item.slug
        assert item.weight_basis in {"published", "assumption"}, item.slug
        assert item.weight_note and item.note, item.slug
        if item.method == "item_factor":
            assert item.central is not None and item.low is not None and item.high is not None
            assert item.low <= item.central <= item.high, item.slug
        else:
            assert item.spend_sector in fs.spend, item.slug
    for sector in fs.spend.values():
        assert sector.basis == "assumption" or sector.source_ids, sector.sector


def test_item_rows_without_an_item_figure_fall_back_on_spend() -> None:
    fs = load_factors()
    spend = {slug for slug, item in fs.items.items() if item.method == "spend_based"}
    assert "city-bikes" in spend and "men-suits" in spend
    assert {"phones", "women-jeans", "sofas", "washing-machines", "books"}.isdisjoint(spend)


def test_listings_take_the_currencies_of_the_one_table_yuan_included() -> None:
    from carbon import currencies
    from listings.schemas import CURRENCIES

    fs = load_factors()
    assert tuple(fs.currencies) == CURRENCIES and CURRENCIES[0] == "EUR"
    yuan = fs.currencies["CNY"]
    assert (yuan.units_per_eur, yuan.source_ids, yuan.basis) == (
        7.0788,
        ("ecb_fx_2022",),
        "published",
    )
    assert fs.versions[-1].version == "2026.12" and "CNY" in fs.versions[-1].changes
    assert math.isclose(currencies.in_euros(70_788, "CNY"), 100.0)  # ¥707.88 is €100
    assert currencies.in_euros(1250, "EUR") == 12.5


def test_version_is_the_human_version_and_a_content_hash() -> None:
    fs = load_factors()
    human, _, digest = fs.version.partition("-")
    assert human == fs.versions[-1].version == fs.human_version
    assert len(digest) == 8 and int(digest, 16) >= 0
    assert fs.version == methodology_version(DATA_DIR)
    assert load_factors() is fs  # loaded once


def test_a_copy_of_the_data_has_the_same_version(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    assert load_factors(copy).version == load_factors().version


def _copy_with(tmp_path: Path, name: str, old: str, new: str) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    text = (copy / name).read_text(encoding="utf-8")
    assert old in text
    (copy / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    ("name", "old", "new", "problem"),
    [
        (
            "item_factors.csv",
            "phones,general,item_factor,item,79.3,56.9,84,",
            "phones,general,item_factor,item,90,56.9,84,",
            "low <= central <= high",
        ),
        (
            "item_factors.csv",
            "tablets,general,item_factor,item,83.9,",
            "tablets,general,item_factor,item,lots,",
            "not a number",
        ),
        (
            "item_factors.csv",
            "ademe_impactco2 fraunhofer_refurbed",
            "ademe_impactco2 nobody",
            "unknown source",
        ),
        ("item_factors.csv", "tvs,general,", "tvs,nowhere,", "displacement group"),
        ("item_factors.csv", ",computers,assumption,", ",laptops,assumption,", "spend sector"),
        ("displacement.csv", "0.39,0.27,0.72", "0.39,0.27,1.2", "cannot exceed 1"),
        ("parcels.csv", "15,7.155,6.159,1.637", "15,0.5,0.4,0.3", "grow with weight"),
        ("currencies.csv", "EUR,1,", "EUR,1.1,", "EUR"),
        ("trip_modes.csv", "car,By car", "bus,By car", "modes must be exactly"),
        (
            "parameters.csv",
            "default_pickup_mode,car",
            "default_pickup_mode,teleport",
            "default_pickup_mode",
        ),
    ],
)
def test_broken_data_is_refused_with_the_place_named(
    tmp_path: Path, name: str, old: str, new: str, problem: str
) -> None:
    copy = _copy_with(tmp_path, name, old, new)
    with pytest.raises(CarbonDataError, match=problem):
        load_factors(copy)


def test_every_data_file_explains_its_columns() -> None:
    for file in sorted(DATA_DIR.glob("*.csv")):
        lines = file.read_text(encoding="utf-8").splitlines()
        comments = [line for line in lines if line.startswith("#")]
        header = next(csv.reader([next(line for line in lines if not line.startswith("#"))]))
        text = "\n".join(comments)
        assert "Columns:" in text, file.name
        for column in header:
            assert column in text, f"{file.name}: column {column} is not explained"
