"""The model learns the structure of a small synthetic world and keeps its API."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matching.baselines import RandomBaseline
from matching.core import Interactions, ItemTable, Query
from matching.datasets import foursquare_task, olist_task
from matching.metrics import per_query
from matching.model import MatchingModel, ModelConfig
from tests.matching.synthetic import write_foursquare, write_olist

SMALL = ModelConfig(max_iter=60, negatives_per_query=50, n_local_users=10, min_samples_leaf=5)


def hit_rate(
    model: MatchingModel | RandomBaseline, queries: list[Query], exclude_seen: bool
) -> float:
    lists = model.recommend_batch([q.request for q in queries], 5, exclude_seen=exclude_seen)
    return float(per_query(lists, queries, 5)["hr@5"].mean())


def test_model_beats_random_on_structured_check_ins(tmp_path: Path) -> None:
    data, test = write_foursquare(tmp_path / "fsq", n_users=90)
    task = foursquare_task(data, test_file=test)
    model = MatchingModel(SMALL).fit(task.train, task.items, query_mode="user")
    random = RandomBaseline(seed=0).fit(task.train, task.items)
    model_hr = hit_rate(model, task.queries, True)
    assert model_hr > hit_rate(random, task.queries, True) + 0.2
    assert int(str(model.training_info["ranker_positives"])) > 0


def test_model_ranks_the_categorys_sellers(tmp_path: Path) -> None:
    task = olist_task(write_olist(tmp_path / "olist", n_orders=200))
    model = MatchingModel(SMALL).fit(task.train, task.items, query_mode="event", exclude_seen=False)
    random = RandomBaseline(seed=0).fit(task.train, task.items)
    assert hit_rate(model, task.queries, False) > hit_rate(random, task.queries, False)
    [ranked] = model.recommend_batch([task.queries[0].request], 10, exclude_seen=False)
    category = task.queries[0].request.category
    assert model.signals is not None
    assert set(ranked.tolist()) <= set(model.signals.index.category_items[category].tolist())


def _generic_world() -> tuple[Interactions, ItemTable]:
    """Marketplace-shaped input: listings with a place, a category and a price."""
    rng = np.random.default_rng(0)
    n_items, n_users = 40, 30
    lat = np.where(np.arange(n_items) < 20, 52.37, 48.85) + rng.uniform(-0.02, 0.02, n_items)
    lon = np.where(np.arange(n_items) < 20, 4.90, 2.35) + rng.uniform(-0.02, 0.02, n_items)
    items = ItemTable(
        ids=[f"listing-{n}" for n in range(n_items)],
        lat=lat,
        lon=lon,
        category=np.arange(n_items) % 2,
        price=rng.uniform(5, 50, n_items),
        categories=["bikes", "books"],
    )
    users, events_item = [], []
    for u in range(n_users):
        side = 0 if u < 15 else 20
        for i in rng.choice(np.arange(side, side + 20), size=6, replace=False):
            users.append(u)
            events_item.append(int(i))
    home = np.array([[52.37, 4.90] if u < 15 else [48.85, 2.35] for u in range(n_users)])
    train = Interactions(
        users=[f"user-{u}" for u in range(n_users)],
        user=np.array(users),
        item=np.array(events_item),
        weight=np.ones(len(users)),
        home=home,
    )
    return train, items


def test_recommend_by_id_with_reasons_exclusions_and_fresh_history(tmp_path: Path) -> None:
    train, items = _generic_world()
    model = MatchingModel(SMALL).fit(train, items)
    recs = model.recommend("user-0", k=5)
    assert 0 < len(recs) <= 5
    seen = {items.ids[i] for i, u in zip(train.item, train.user, strict=True) if u == 0}
    assert not seen & {r.item_id for r in recs}
    assert all(r.reasons and r.distance_km is not None for r in recs)
    assert recs == sorted(recs, key=lambda r: -r.score)
    # an excluded item goes; a new buyer with a home gets a list near that home
    assert recs[0].item_id not in {
        r.item_id for r in model.recommend("user-0", k=5, exclude=[recs[0].item_id])
    }
    cold = model.recommend(None, k=5, home=(48.85, 2.35))
    assert cold and all(r.distance_km is not None and r.distance_km < 50 for r in cold)
    # items engaged with since training feed the list at once (and are not repeated)
    fresh = model.recommend(None, k=5, home=(48.85, 2.35), history=["listing-21", "listing-23"])
    assert {"listing-21", "listing-23"}.isdisjoint({r.item_id for r in fresh})
    # within a category
    books = model.recommend("user-0", k=5, category="books")
    assert all(int(r.item_id.split("-")[1]) % 2 == 1 for r in books)
    assert model.recommend("user-0", k=5, category="no-such-category") == []
    assert all(other != "listing-0" for other, _ in model.similar_items("listing-0", k=3))


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    train, items = _generic_world()
    model = MatchingModel(SMALL).fit(train, items)
    path = tmp_path / "model.joblib"
    model.save(path)
    loaded = MatchingModel.load(path)
    assert [r.item_id for r in loaded.recommend("user-3", k=5)] == [
        r.item_id for r in model.recommend("user-3", k=5)
    ]
    loaded.sklearn_version = "0.0"
    loaded.save(path)
    with pytest.raises(RuntimeError, match="retrain"):
        MatchingModel.load(path)


def test_unfitted_model_says_so() -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        MatchingModel().recommend("anyone")
