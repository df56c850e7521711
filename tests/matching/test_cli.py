"""``matching evaluate`` prints one JSON object with every model side by side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matching.cli import matching_app
from tests.matching.synthetic import write_foursquare, write_olist

MODELS = {"model", "popularity", "nearest", "item_knn", "random"}
FIGURES = {"recall@10", "ndcg@10", "hr@10", "coverage", "median_distance_km"}


def run(args: list[str]) -> dict[str, object]:
    result = CliRunner().invoke(matching_app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert isinstance(out, dict)
    return out


def check_shape(out: dict[str, object], dataset: str) -> None:
    assert out["dataset"] == dataset
    assert out["k"] == 10
    models = out["models"]
    assert isinstance(models, dict) and set(models) == MODELS
    for figures in models.values():
        for name in FIGURES:
            assert name in figures
            assert f"{name}_ci" in figures
        lo, hi = figures["recall@10_ci"]
        assert lo <= figures["recall@10"] <= hi
    assert isinstance(out["split"], dict)
    versus = out["model_minus_baseline"]
    assert isinstance(versus, dict) and set(versus) == MODELS - {"model"}


@pytest.mark.parametrize("with_test", [False, True])
def test_foursquare(tmp_path: Path, with_test: bool) -> None:
    data, test = write_foursquare(tmp_path / "fsq")
    args = ["evaluate", "foursquare", "--data", str(data), "--bootstrap", "50"]
    if with_test:
        args += ["--test", str(test)]
    check_shape(run(args), "foursquare")


def test_olist(tmp_path: Path) -> None:
    data = write_olist(tmp_path / "olist", n_orders=120)
    out = run(["evaluate", "olist", "--data", str(data), "--seed", "2", "--bootstrap", "50"])
    check_shape(out, "olist")


def test_options_of_the_other_format_are_refused(tmp_path: Path) -> None:
    data = write_olist(tmp_path / "olist", n_orders=20)
    result = CliRunner().invoke(
        matching_app, ["evaluate", "olist", "--data", str(data), "--test", str(data / "orders.csv")]
    )
    assert result.exit_code != 0
