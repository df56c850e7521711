"""The model holder: loaded once, a newly trained artifact swapped in, a broken one survived."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from pathlib import Path

import numpy as np
import pytest

from matching import serving
from matching.core import Interactions, ItemTable
from matching.serving import ModelHolder
from matching.training import Artifact, MarketData, fit_artifact, metadata_path
from tests.aio import run_in_own_loop
from tests.matching.market import SMALL


def _market_data(seed: int = 0) -> MarketData:
    """Two towns, two categories; people look at things in their town (no database)."""
    rng = np.random.default_rng(seed)
    n_items, n_users = 40, 30
    town = np.arange(n_items) < 20
    items = ItemTable(
        ids=[str(100 + n) for n in range(n_items)],
        lat=np.where(town, 48.86, 45.76) + rng.uniform(-0.02, 0.02, n_items),
        lon=np.where(town, 2.35, 4.83) + rng.uniform(-0.02, 0.02, n_items),
        category=np.arange(n_items) % 2,
        price=rng.uniform(5, 50, n_items),
        categories=["sofas", "tables"],
    )
    user, item, time = [], [], []
    for u in range(n_users):
        side = 0 if u < n_users // 2 else 20
        for k, i in enumerate(rng.choice(np.arange(side, side + 20), size=6, replace=False)):
            user.append(u)
            item.append(int(i))
            time.append(1.7e9 + 86400.0 * (k + rng.uniform(0, 1)))
    home = np.array([[48.86, 2.35] if u < n_users // 2 else [45.76, 4.83] for u in range(n_users)])
    train = Interactions(
        users=[str(u + 1) for u in range(n_users)],
        user=np.array(user),
        item=np.array(item),
        weight=np.ones(len(user)),
        category=items.category[np.array(item)],  # type: ignore[index]
        time=np.array(time),
        home=home,
    )
    active = np.ones(n_items, dtype=bool)
    active[3] = False
    return MarketData(
        items=items,
        interactions=train,
        listing_ids=np.array([int(i) for i in items.ids]),
        active=active,
        snapshot={"events": len(user), "max_event_id": 500, "max_order_id": None},
    )


@pytest.fixture(scope="module")
def artifact() -> Artifact:
    return fit_artifact(_market_data(), config=SMALL, with_validation=False)


def _write_new(artifact: Artifact, path: Path) -> Artifact:
    """The same model as a new training run would write it (a new id), replacing the files."""
    again = dataclasses.replace(
        artifact, metadata={**artifact.metadata, "artifact_id": os.urandom(16).hex()}
    )
    again.save(path)
    return again


def test_no_artifact_means_the_fallback(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    holder = ModelHolder(tmp_path / "matching.joblib")
    with caplog.at_level(logging.INFO, logger="matching.serving"):
        assert holder.load() is None
    assert "no trained model" in caplog.text
    assert serving.model_info(holder.current()) == {
        "source": "fallback",
        "reason": "no trained model",
    }


def test_loads_once_and_says_which_model(artifact: Artifact, tmp_path: Path) -> None:
    path = tmp_path / "matching.joblib"
    artifact.save(path)
    holder = ModelHolder(path, check_every=3600)
    served = holder.load()
    assert served is not None and holder.current() is served
    info = served.info()
    assert info == {
        "source": "model",
        "trained_at": artifact.metadata["trained_at"],
        "version": artifact.artifact_id[:12],
    }
    assert served.knows(100) and not served.knows(999)
    assert served.max_event_id == 500 and served.max_order_id == 0
    # nothing changed on disk: no reload; and checks are rate-limited
    assert holder.maybe_reload(force=True) is False
    _write_new(artifact, path)
    assert holder.maybe_reload() is False  # checked less than an hour ago
    assert holder.current() is served


def test_a_newly_trained_artifact_is_swapped_in(artifact: Artifact, tmp_path: Path) -> None:
    path = tmp_path / "matching.joblib"
    artifact.save(path)
    holder = ModelHolder(path, check_every=0)
    first = holder.load()
    assert first is not None
    newer = _write_new(artifact, path)
    assert holder.maybe_reload() is True
    current = holder.current()
    assert current is not None and current is not first
    assert current.version == newer.artifact_id[:12]
    assert current.model.recommend("1", k=3)  # the new one serves
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_a_corrupt_artifact_keeps_the_old_model(
    artifact: Artifact, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "matching.joblib"
    artifact.save(path)
    holder = ModelHolder(path, check_every=0)
    first = holder.load()
    assert first is not None

    path.write_bytes(b"not a joblib file")
    metadata_path(path).write_text('{"artifact_id": "broken", "trained_at": "now"}')
    with caplog.at_level(logging.ERROR, logger="matching.serving"):
        assert holder.maybe_reload() is False
    assert holder.current() is first
    assert holder.last_error is not None
    assert "could not load" in caplog.text and "keeping the model" in caplog.text
    caplog.clear()
    assert holder.maybe_reload() is False  # the same broken file is not retried (nor logged)
    assert not caplog.text

    newer = _write_new(artifact, path)  # the next training run fixes it
    assert holder.maybe_reload() is True
    current = holder.current()
    assert current is not None and current.version == newer.artifact_id[:12]
    assert holder.last_error is None


def test_artifact_and_metadata_of_different_runs_are_not_mixed(
    artifact: Artifact, tmp_path: Path
) -> None:
    path = tmp_path / "matching.joblib"
    artifact.save(path)
    holder = ModelHolder(path, check_every=0)
    first = holder.load()
    other = tmp_path / "other.joblib"
    _write_new(artifact, other)
    os.replace(other, path)  # a new artifact whose metadata is not written yet...
    metadata_path(path).write_text(metadata_path(path).read_text() + " ")  # ...old JSON touched
    assert holder.maybe_reload() is False
    assert holder.current() is first
    assert holder.last_error is not None and "different training runs" in holder.last_error


def test_lifespan_hooks_load_at_start_and_watch(
    artifact: Artifact, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "matching.joblib"
    holder = ModelHolder(path)
    monkeypatch.setattr(serving, "holder", holder)

    async def run() -> tuple[object, object]:
        async with serving.lifespan_hooks(check_every=0.01):
            at_start = serving.current()
            artifact.save(path)  # trained while the app runs
            for _ in range(300):
                await asyncio.sleep(0.01)
                if serving.current() is not None:
                    break
            return at_start, serving.current()

    at_start, later = run_in_own_loop(run())
    assert at_start is None
    assert later is not None
