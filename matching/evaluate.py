"""Offline evaluation: the model and every baseline on the same queries, side by side."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from matching.baselines import all_baselines
from matching.core import CatalogIndex, IntArray, Recommender
from matching.datasets import EvalTask
from matching.metrics import paired_differences, summarize
from matching.model import MatchingModel, ModelConfig


def catalog_size(task: EvalTask) -> int:
    """Items a list could contain: every item, or every item known in some category."""
    if task.query_mode == "user":
        return len(task.items)
    index = CatalogIndex.build(task.train, task.items)
    pools = [p for p in index.category_items.values() if len(p)]
    return int(np.unique(np.concatenate(pools)).size) if pools else 0


def evaluate_task(
    task: EvalTask,
    *,
    k: int = 10,
    seed: int = 0,
    n_boot: int = 1000,
    config: ModelConfig | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, object]:
    """Fit the model and the baselines on ``task.train`` and score them on ``task.queries``."""
    requests = [q.request for q in task.queries]
    catalog = catalog_size(task)
    results: dict[str, object] = {}
    timings: dict[str, dict[str, float]] = {}
    training: dict[str, object] = {}
    all_lists: dict[str, list[IntArray]] = {}

    model = MatchingModel(config or ModelConfig(seed=seed))
    contenders: dict[str, Recommender] = {"model": model, **all_baselines(seed=seed)}
    for name, contender in contenders.items():
        progress(f"{name}: fitting on {len(task.train)} events")
        started = time.perf_counter()
        if isinstance(contender, MatchingModel):
            contender.fit(
                task.train, task.items, query_mode=task.query_mode, exclude_seen=task.exclude_seen
            )
            training = dict(contender.training_info)
        else:
            contender.fit(task.train, task.items)
        fitted = time.perf_counter()
        progress(f"{name}: ranking {len(requests)} queries")
        lists = contender.recommend_batch(requests, k, exclude_seen=task.exclude_seen)
        ranked = time.perf_counter()
        all_lists[name] = lists
        results[name] = summarize(
            lists, task.queries, task.items, k=k, catalog_size=catalog, n_boot=n_boot, seed=seed
        )
        timings[name] = {
            "fit_seconds": round(fitted - started, 2),
            "rank_seconds": round(ranked - fitted, 2),
        }
        figures = results[name]
        assert isinstance(figures, dict)
        progress(
            f"{name}: recall@{k}={figures.get(f'recall@{k}')} ndcg@{k}={figures.get(f'ndcg@{k}')} "
            f"hr@{k}={figures.get(f'hr@{k}')}"
        )
    # the model minus each baseline on the same users (paired bootstrap)
    model_vs = {
        name: paired_differences(
            all_lists["model"], lists, task.queries, k=k, n_boot=n_boot, seed=seed
        )
        for name, lists in all_lists.items()
        if name != "model"
    }
    return {
        "dataset": task.name,
        "k": k,
        "models": results,
        "model_minus_baseline": model_vs,
        "split": task.split,
        "catalog_size": catalog,
        "bootstrap": {"resamples": n_boot, "over": "users", "seed": seed, "level": 0.95},
        "model_training": training,
        "timings": timings,
    }
