"""What serving needs from the model: reindexing, an allowed mask, the audience of an item,
and a spatial index that agrees with great-circle distance."""

from __future__ import annotations

import numpy as np

from matching.geo import haversine_km
from matching.model import MatchingModel, SphereIndex
from tests.matching.test_model import SMALL, _generic_world


def test_sphere_index_agrees_with_haversine() -> None:
    rng = np.random.default_rng(1)
    lat = np.r_[rng.uniform(40, 55, 300), np.nan]
    lon = np.r_[rng.uniform(-5, 15, 300), 2.0]
    index = SphereIndex(lat, lon)
    assert index.size == 300  # the unknown point is left out
    rows, km = index.nearest(48.85, 2.35, 10)
    exact = haversine_km(np.full(300, 48.85), np.full(300, 2.35), lat[:300], lon[:300])
    assert rows.tolist() == np.argsort(exact)[:10].tolist()
    assert np.allclose(km, np.sort(exact)[:10])
    inside, km_inside = index.within(48.85, 2.35, 300.0)
    assert set(inside.tolist()) == set(np.flatnonzero(exact <= 300.0).tolist())
    assert np.allclose(km_inside, exact[inside])
    neighbors = index.neighbors(3)
    assert neighbors.shape == (300, 3) and not (neighbors == np.arange(300)[:, None]).any()


def test_allowed_mask_and_reindex() -> None:
    train, items = _generic_world()
    model = MatchingModel(SMALL).fit(train, items)
    first = model.recommend("user-0", k=5)
    allowed = np.ones(len(items), dtype=bool)
    allowed[items.index_of()[first[0].item_id]] = False
    assert first[0].item_id not in {
        r.item_id for r in model.recommend("user-0", k=5, allowed=allowed)
    }

    ranker = model.ranker
    fewer = train.subset(train.user != 0)  # user-0's events gone
    model.reindex(fewer, items)
    assert model.ranker is ranker and model.training_info["reindexed"] is True
    assert model.training_info["events"] == len(fewer)
    assert model.signals is not None and len(model.signals.index.history(0)) == 0


def test_audience_finds_nearby_people_who_like_the_category() -> None:
    train, items = _generic_world()  # users 0-14 near Amsterdam, 15-29 near Paris
    model = MatchingModel(SMALL).fit(train, items)
    people = model.audience(lat=48.85, lon=2.35, radius_km=20, categories={"books": 1.0})
    ids = {int(u.split("-")[1]) for u, _, _ in people}
    assert ids and ids <= set(range(15, 30))
    assert all(km <= 20 for _, km, _ in people)
    assert [s for _, _, s in people] == sorted((s for _, _, s in people), reverse=True)
    known = model.audience(lat=48.85, lon=2.35, radius_km=20, item="listing-21")
    assert known  # people who engaged with similar items, without naming a category
    without = model.audience(
        lat=48.85, lon=2.35, radius_km=20, categories={"books": 1.0}, exclude_users=["user-15"]
    )
    assert "user-15" not in {u for u, _, _ in without}
    assert model.audience(lat=0.0, lon=0.0, radius_km=5, categories={"books": 1.0}) == []
