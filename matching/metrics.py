"""Top-k metrics (LibRec definitions) and bootstrap intervals over users.

- Recall@k = hits in the top k / number of the user's test items.
- NDCG@k with binary relevance: DCG = sum over hits of 1/log2(rank + 1), divided
  by the DCG of a perfect list (min(|test items|, k) hits at the top).
- HR@k = 1 when at least one test item is in the top k.
All three are averaged over queries (one per test user for Foursquare, one per
ordered item for Olist). Coverage is the share of the catalogue that appears in
at least one list; median distance is over every recommended (query, item) pair.
Intervals (percentile bootstrap) resample whole groups (users) with replacement;
coverage gets none (see ``summarize``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from matching.core import FloatArray, IntArray, ItemTable, Query
from matching.geo import haversine_km

Summary = dict[str, float | list[float] | int | None]


def _discounts(k: int) -> FloatArray:
    out: FloatArray = 1.0 / np.log2(np.arange(2, k + 2))
    return out


def recall_at_k(ranked: Sequence[int], targets: frozenset[int], n_targets: int, k: int) -> float:
    if n_targets == 0:
        return 0.0
    return sum(1 for item in ranked[:k] if item in targets) / n_targets


def ndcg_at_k(ranked: Sequence[int], targets: frozenset[int], n_targets: int, k: int) -> float:
    if n_targets == 0:
        return 0.0
    disc = _discounts(k)
    dcg = sum(disc[r] for r, item in enumerate(ranked[:k]) if item in targets)
    idcg = float(disc[: min(n_targets, k)].sum())
    return float(dcg / idcg)


def hit_at_k(ranked: Sequence[int], targets: frozenset[int], k: int) -> float:
    return 1.0 if any(item in targets for item in ranked[:k]) else 0.0


def per_query(lists: Sequence[IntArray], queries: Sequence[Query], k: int) -> dict[str, FloatArray]:
    """Recall, NDCG and HR of every query."""
    recall = np.empty(len(queries))
    ndcg = np.empty(len(queries))
    hit = np.empty(len(queries))
    for n, (ranked_array, q) in enumerate(zip(lists, queries, strict=True)):
        ranked = ranked_array[:k].tolist()
        recall[n] = recall_at_k(ranked, q.targets, q.n_targets, k)
        ndcg[n] = ndcg_at_k(ranked, q.targets, q.n_targets, k)
        hit[n] = hit_at_k(ranked, q.targets, k)
    return {f"recall@{k}": recall, f"ndcg@{k}": ndcg, f"hr@{k}": hit}


def recommended_distances(
    lists: Sequence[IntArray], queries: Sequence[Query], items: ItemTable, k: int
) -> tuple[FloatArray, IntArray]:
    """Distance (km) from each query's home to each recommended item, and the query it is for."""
    dists: list[FloatArray] = []
    owners: list[IntArray] = []
    for n, (ranked, q) in enumerate(zip(lists, queries, strict=True)):
        top = ranked[:k]
        if not q.request.has_home or len(top) == 0:
            continue
        d = haversine_km(
            np.full(len(top), q.request.lat),
            np.full(len(top), q.request.lon),
            items.lat[top],
            items.lon[top],
        )
        known = ~np.isnan(d)
        dists.append(d[known])
        owners.append(np.full(int(known.sum()), n, dtype=np.int64))
    if not dists:
        return np.empty(0), np.empty(0, dtype=np.int64)
    return np.concatenate(dists), np.concatenate(owners)


def summarize(
    lists: Sequence[IntArray],
    queries: Sequence[Query],
    items: ItemTable,
    *,
    k: int,
    catalog_size: int,
    n_boot: int = 1000,
    seed: int = 0,
) -> Summary:
    """Every figure of one model with its 95 % bootstrap interval (``<name>_ci``)."""
    out: Summary = {}
    if not queries:
        return out
    groups = np.unique([q.group for q in queries], return_inverse=True)[1].astype(np.int64)
    n_groups = int(groups.max()) + 1
    multiplicity = _multiplicity(n_boot, n_groups, seed)

    group_counts = np.bincount(groups, minlength=n_groups).astype(np.float64)
    for name, values in per_query(lists, queries, k).items():
        group_sums = np.bincount(groups, weights=values, minlength=n_groups)
        boot = (multiplicity @ group_sums) / np.maximum(multiplicity @ group_counts, 1.0)
        out[name] = _round(float(values.mean()))
        out[f"{name}_ci"] = _interval(boot)

    # Coverage has no interval: it is a figure of the whole set of lists, and a
    # resample (which leaves out about a third of the users) always covers less.
    covered = np.unique(np.concatenate([r[:k] for r in lists] or [np.empty(0, dtype=np.int64)]))
    out["coverage"] = _round(len(covered) / max(catalog_size, 1))
    out["coverage_ci"] = None

    dists, owners = recommended_distances(lists, queries, items, k)
    if len(dists):
        order = np.argsort(dists)
        sorted_d = dists[order]
        sorted_g = groups[owners[order]]
        medians = np.empty(n_boot)
        for b in range(n_boot):
            cum = np.cumsum(multiplicity[b, sorted_g])
            medians[b] = sorted_d[min(int(np.searchsorted(cum, cum[-1] / 2.0)), len(sorted_d) - 1)]
        out["median_distance_km"] = _round(float(np.median(dists)), 3)
        out["median_distance_km_ci"] = _interval(medians, 3)
    else:
        out["median_distance_km"] = None
        out["median_distance_km_ci"] = None
    out["queries"] = len(queries)
    return out


def paired_differences(
    lists: Sequence[IntArray],
    reference: Sequence[IntArray],
    queries: Sequence[Query],
    *,
    k: int,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, float | list[float]]:
    """``lists`` minus ``reference`` per metric, with an interval from the same user resamples.

    Pairing removes the variation between users that both share, so it tells
    whether a small lead is real when the two separate intervals overlap.
    """
    out: dict[str, float | list[float]] = {}
    if not queries:
        return out
    groups = np.unique([q.group for q in queries], return_inverse=True)[1].astype(np.int64)
    n_groups = int(groups.max()) + 1
    multiplicity = _multiplicity(n_boot, n_groups, seed)
    group_counts = np.bincount(groups, minlength=n_groups).astype(np.float64)
    ours = per_query(lists, queries, k)
    theirs = per_query(reference, queries, k)
    for name, values in ours.items():
        diff = values - theirs[name]
        group_sums = np.bincount(groups, weights=diff, minlength=n_groups)
        boot = (multiplicity @ group_sums) / np.maximum(multiplicity @ group_counts, 1.0)
        out[name] = _round(float(diff.mean()))
        out[f"{name}_ci"] = _interval(boot)
    return out


def _multiplicity(n_boot: int, n_groups: int, seed: int) -> FloatArray:
    """``[b, g]``: how often group g is drawn in resample b."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_groups, size=(n_boot, n_groups))
    multiplicity = np.zeros((n_boot, n_groups))
    np.add.at(multiplicity, (np.repeat(np.arange(n_boot), n_groups), draws.ravel()), 1.0)
    return multiplicity


def _round(value: float, digits: int = 4) -> float:
    return round(value, digits) if math.isfinite(value) else value


def _interval(samples: FloatArray, digits: int = 4) -> list[float]:
    lo, hi = np.percentile(samples, [2.5, 97.5])
    return [_round(float(lo), digits), _round(float(hi), digits)]
