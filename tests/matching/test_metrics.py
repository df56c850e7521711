"""Metrics on cases small enough to work out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matching.core import ItemTable, Query, Request
from matching.metrics import hit_at_k, ndcg_at_k, paired_differences, recall_at_k, summarize

LOG2_3 = math.log2(3)


def test_recall_counts_hits_over_all_test_items() -> None:
    ranked = [5, 1, 7, 3]
    targets = frozenset({1, 3, 9})
    assert recall_at_k(ranked, targets, 3, k=3) == pytest.approx(1 / 3)
    assert recall_at_k(ranked, targets, 3, k=4) == pytest.approx(2 / 3)
    # a test item that is not in the catalogue still counts in the denominator
    assert recall_at_k(ranked, frozenset({1}), 2, k=4) == pytest.approx(1 / 2)


def test_ndcg_binary_relevance_with_ideal_list_capped_at_k() -> None:
    ranked = [5, 1, 7, 3]
    targets = frozenset({1, 3, 9})
    idcg3 = 1 + 1 / LOG2_3 + 1 / 2  # three test items, k >= 3
    assert ndcg_at_k(ranked, targets, 3, k=3) == pytest.approx((1 / LOG2_3) / idcg3)
    assert ndcg_at_k(ranked, targets, 3, k=4) == pytest.approx(
        (1 / LOG2_3 + 1 / math.log2(5)) / idcg3
    )
    # one test item found first: perfect
    assert ndcg_at_k([4, 2], frozenset({4}), 1, k=2) == pytest.approx(1.0)
    # more test items than k: the ideal list has only k hits
    assert ndcg_at_k([1, 2], frozenset({1, 2, 3}), 3, k=2) == pytest.approx(1.0)


def test_hit_rate() -> None:
    assert hit_at_k([5, 1, 7], frozenset({7}), k=3) == 1.0
    assert hit_at_k([5, 1, 7], frozenset({7}), k=2) == 0.0
    assert hit_at_k([], frozenset({7}), k=2) == 0.0


def test_summary_averages_over_queries_and_gives_intervals() -> None:
    items = ItemTable(
        ids=["a", "b", "c", "d"], lat=np.zeros(4), lon=np.array([0.0, 0.01, 0.02, 1.0])
    )
    home = Request(user=0, lat=0.0, lon=0.0)
    queries = [
        Query(request=home, targets=frozenset({0}), n_targets=1, group=0),
        Query(
            request=Request(user=1, lat=0.0, lon=0.0), targets=frozenset({3}), n_targets=2, group=1
        ),
    ]
    lists = [np.array([0, 1]), np.array([1, 2])]
    out = summarize(lists, queries, items, k=2, catalog_size=4, n_boot=200, seed=1)
    assert out["recall@2"] == pytest.approx(0.5)  # (1 + 0) / 2
    assert out["hr@2"] == pytest.approx(0.5)
    assert out["ndcg@2"] == pytest.approx(0.5)
    assert out["coverage"] == pytest.approx(3 / 4)  # a, b, c
    assert out["coverage_ci"] is None
    # distances 0, 1.11, 1.11, 2.22 km: the median is 1.11 km
    assert out["median_distance_km"] == pytest.approx(1.112, abs=0.01)
    lo, hi = out["recall@2_ci"]  # type: ignore[misc]
    assert 0.0 <= lo <= 0.5 <= hi <= 1.0
    assert out["queries"] == 2


def test_paired_differences_use_the_same_users() -> None:
    queries = [
        Query(request=Request(user=u), targets=frozenset({u}), n_targets=1, group=u)
        for u in range(4)
    ]
    perfect = [np.array([u, 9]) for u in range(4)]
    half = [np.array([u, 9]) if u < 2 else np.array([9, 8]) for u in range(4)]
    same = paired_differences(perfect, perfect, queries, k=2, n_boot=100)
    assert same["hr@2"] == 0.0 and same["hr@2_ci"] == [0.0, 0.0]
    better = paired_differences(perfect, half, queries, k=2, n_boot=100)
    assert better["hr@2"] == pytest.approx(0.5)
    lo, hi = better["hr@2_ci"]  # type: ignore[misc]
    assert 0.0 <= lo <= 0.5 <= hi <= 1.0
