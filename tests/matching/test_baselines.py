"""Each baseline does what its name says."""

from __future__ import annotations

import numpy as np

from matching.baselines import ItemKNNBaseline, NearestBaseline, PopularityBaseline, RandomBaseline
from matching.core import Interactions, ItemTable, Request

# Four places on the equator, 0, 1.1, 2.2 and 111 km east of the origin.
ITEMS = ItemTable(ids=["a", "b", "c", "d"], lat=np.zeros(4), lon=np.array([0.0, 0.01, 0.02, 1.0]))


def interactions(pairs: list[tuple[int, int]], n_users: int) -> Interactions:
    return Interactions(
        users=[f"u{n}" for n in range(n_users)],
        user=np.array([u for u, _ in pairs], dtype=np.int64),
        item=np.array([i for _, i in pairs], dtype=np.int64),
        weight=np.ones(len(pairs)),
    )


# d is the most popular (3 users), then c (2), then b (1); a has nobody.
TRAIN = interactions([(0, 3), (1, 3), (2, 3), (1, 2), (2, 2), (3, 1)], n_users=4)


def test_popularity_ranks_the_most_popular_first() -> None:
    model = PopularityBaseline().fit(TRAIN, ITEMS)
    [ranked] = model.recommend_batch([Request(user=0)], 4, exclude_seen=False)
    assert ranked.tolist() == [3, 2, 1, 0]
    [ranked] = model.recommend_batch([Request(user=0)], 4, exclude_seen=True)
    assert ranked.tolist() == [2, 1, 0]  # d is already user 0's


def test_nearest_ranks_the_nearest_first() -> None:
    model = NearestBaseline().fit(TRAIN, ITEMS)
    [ranked] = model.recommend_batch([Request(lat=0.0, lon=1.0)], 4, exclude_seen=False)
    assert ranked.tolist() == [3, 2, 1, 0]
    [ranked] = model.recommend_batch([Request(lat=0.0, lon=-0.5)], 2, exclude_seen=False)
    assert ranked.tolist() == [0, 1]
    # without a home it falls back to popularity
    [ranked] = model.recommend_batch([Request()], 2, exclude_seen=False)
    assert ranked.tolist() == [3, 2]


def test_item_knn_prefers_items_shared_with_the_users_items() -> None:
    # users who have b also have c; a stands alone
    train = interactions([(0, 1), (0, 2), (1, 1), (1, 2), (2, 0), (3, 1)], n_users=4)
    model = ItemKNNBaseline().fit(train, ITEMS)
    [ranked] = model.recommend_batch([Request(user=3)], 2, exclude_seen=True)
    assert ranked[0] == 2


def test_random_is_seeded_and_respects_exclusions() -> None:
    lists = (
        RandomBaseline(seed=1)
        .fit(TRAIN, ITEMS)
        .recommend_batch([Request(user=1)] * 5, 4, exclude_seen=True)
    )
    again = (
        RandomBaseline(seed=1)
        .fit(TRAIN, ITEMS)
        .recommend_batch([Request(user=1)] * 5, 4, exclude_seen=True)
    )
    assert [r.tolist() for r in lists] == [r.tolist() for r in again]
    assert all(sorted(r.tolist()) == [0, 1] for r in lists)


def test_category_requests_rank_only_that_categorys_items() -> None:
    train = Interactions(
        users=["u0", "u1"],
        user=np.array([0, 1, 1, 0]),
        item=np.array([0, 0, 1, 2]),
        weight=np.ones(4),
        category=np.array([0, 0, 1, 1]),
    )
    items = ItemTable(ids=ITEMS.ids, lat=ITEMS.lat, lon=ITEMS.lon, categories=["x", "y"])
    [ranked] = (
        PopularityBaseline()
        .fit(train, items)
        .recommend_batch([Request(category=1)], 10, exclude_seen=False)
    )
    assert sorted(ranked.tolist()) == [1, 2]
