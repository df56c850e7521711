"""``resale matching ...``: offline evaluation of the model on public data.

The result is ONE JSON object on stdout (so runs can be compared by script);
progress goes to stderr.
"""

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

matching_app = typer.Typer(
    help="The recommendation model: offline evaluation on public data.", no_args_is_help=True
)


class Dataset(StrEnum):
    foursquare = "foursquare"
    olist = "olist"


@matching_app.callback()
def _group() -> None:
    """The recommendation model: offline evaluation on public data."""


@matching_app.command()
def evaluate(
    dataset: Annotated[Dataset, typer.Argument(help="Which data set format DIR holds.")],
    data: Annotated[
        Path,
        typer.Option(
            "--data", help="Training data directory.", exists=True, file_okay=False, dir_okay=True
        ),
    ],
    test: Annotated[
        Path | None,
        typer.Option(
            "--test",
            help="foursquare: test file (USER LOC count). Without it, a validation split of train.txt.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    test_dir: Annotated[
        Path | None,
        typer.Option(
            "--test-dir",
            help="olist: directory of later orders (same layout). Without it, a time split of --data.",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of every random choice.")] = 0,
    k: Annotated[int, typer.Option(help="List length.", min=1)] = 10,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for the intervals.", min=10)
    ] = 1000,
    threads: Annotated[
        int, typer.Option(help="Threads for the ranker (shared machines: 1).", min=1)
    ] = 1,
) -> None:
    """Score the model and the baselines (random, popularity, nearest, item-kNN); print JSON."""
    from matching.datasets import foursquare_task, olist_task
    from matching.evaluate import evaluate_task
    from matching.model import ModelConfig

    if dataset is Dataset.foursquare and test_dir is not None:
        raise typer.BadParameter("--test-dir is for olist; foursquare takes --test FILE")
    if dataset is Dataset.olist and test is not None:
        raise typer.BadParameter("--test is for foursquare; olist takes --test-dir DIR")

    started = time.perf_counter()

    def progress(message: str) -> None:
        typer.echo(f"[{time.perf_counter() - started:7.1f}s] {message}", err=True)

    progress(f"loading {dataset.value} from {data}")
    task = (
        foursquare_task(data, test_file=test, seed=seed)
        if dataset is Dataset.foursquare
        else olist_task(data, test_dir=test_dir)
    )
    progress(f"{len(task.train)} training events, {len(task.queries)} test queries")
    config = ModelConfig(seed=seed, threads=threads)
    result = evaluate_task(task, k=k, seed=seed, n_boot=bootstrap, config=config, progress=progress)
    result["seconds"] = round(time.perf_counter() - started, 1)
    sys.stdout.write(json.dumps(result) + "\n")
