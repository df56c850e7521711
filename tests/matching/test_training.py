"""Training on the marketplace's own tables: what is read, what is written, ``resale train``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from listings.models import Listing, ListingStatus
from matching import training
from matching.training import Artifact, TrainingError, fit_artifact, load_market, metadata_path
from resale.cli import app
from resale.core.db import writer
from tests.matching.market import SMALL, add_order, make_market


def test_load_market_reads_events_orders_and_homes(session: Session) -> None:
    market = make_market(session, buyers=6, per_city_category=2)
    draft = Listing(
        **{**market.listings[0].model_dump(exclude={"id"}), "status": ListingStatus.DRAFT}
    )
    draft.published_at = None
    session.add(draft)
    session.flush()
    add_order(session, market, market.buyers[1], market.listings[2])

    data = load_market(session=session)

    assert len(data.items) == len(market.listings)  # never-published drafts are not items
    assert str(draft.id) not in data.items.ids
    snap = data.snapshot
    assert snap["orders"] == 1
    assert snap["anonymous_views_left_out"] == 1
    assert snap["views"] + snap["favorites"] + snap["orders"] == len(data.interactions)
    assert snap["max_event_id"] is not None and snap["max_event_at"] is not None
    # an un-favourite is not an event of interest; every event belongs to a known person
    assert set(data.interactions.users) == {str(b.id) for b in market.buyers}
    assert not np.isnan(data.interactions.home).any()  # all buyers gave a home
    sold = data.items.ids.index(str(market.listings[2].id))
    assert not data.active[sold] and data.active.sum() == len(market.listings) - 1
    assert data.interactions.time is not None and np.isfinite(data.interactions.time).all()


def test_fit_writes_artifact_and_metadata_atomically(session: Session, tmp_path: Path) -> None:
    make_market(session)
    artifact = fit_artifact(load_market(session=session), config=SMALL)
    out = tmp_path / "models" / "matching.joblib"
    artifact.save(out)

    assert sorted(p.name for p in out.parent.iterdir()) == ["matching.joblib", "matching.json"]
    meta = json.loads(metadata_path(out).read_text())
    assert meta["artifact_id"] == artifact.artifact_id
    assert meta["versions"]["scikit_learn"] == sklearn.__version__
    assert {"python", "numpy"} <= set(meta["versions"])
    assert meta["data"]["events"] > 0 and meta["data"]["max_event_id"] > 0
    assert meta["config"]["max_iter"] == SMALL.max_iter
    validation = meta["validation"]
    assert validation["people"] >= 5
    for name in ("model", "popularity"):
        assert 0.0 <= validation[name]["recall@10"] <= 1.0
        assert 0.0 <= validation[name]["ndcg@10"] <= 1.0
    # buyers look within their city and their two categories: the model should see that
    assert validation["model"]["recall@10"] > validation["popularity"]["recall@10"]
    assert meta["training"]["reindexed"] is True
    assert meta["seconds"]["total"] > 0

    loaded = Artifact.load(out)
    assert loaded.artifact_id == artifact.artifact_id
    assert len(loaded.listing_ids) == len(loaded.active) == len(loaded.model.signals.items)  # type: ignore[union-attr]


def test_an_artifact_from_another_scikit_learn_is_refused(session: Session, tmp_path: Path) -> None:
    make_market(session, buyers=12)
    artifact = fit_artifact(load_market(session=session), config=SMALL, with_validation=False)
    artifact.model.sklearn_version = "0.1"
    artifact.save(tmp_path / "m.joblib")
    with pytest.raises(RuntimeError, match="retrain"):
        Artifact.load(tmp_path / "m.joblib")


def test_nothing_to_learn_from_says_so(session: Session) -> None:
    with pytest.raises(TrainingError, match="no events"):
        fit_artifact(load_market(session=session), config=SMALL)


@pytest.fixture
def app_engine(committed_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """``resale`` commands use the process's engine: point it at the test database."""
    import resale.core.db

    monkeypatch.setattr(resale.core.db, "_engine", committed_engine)
    return committed_engine


def test_resale_train_writes_the_artifact(app_engine: Engine, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "m" / "model.joblib"
    result = runner.invoke(app, ["train", "--out", str(out)])
    assert result.exit_code == 1  # an empty marketplace
    assert "not trained" in result.output and not out.exists()

    with Session(writer(app_engine)) as session:
        make_market(session, buyers=16)
        session.commit()
    result = runner.invoke(app, ["train", "--out", str(out), "--no-validate"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["artifact"] == str(out) and out.exists() and metadata_path(out).exists()
    assert summary["validation"] == {"skipped": "not asked for"}
    assert "reading listings" in result.stderr  # progress goes to stderr
    assert Artifact.load(out).artifact_id.startswith(summary["version"])
    # `make run` trains only on the first start.
    before = out.stat().st_mtime_ns
    again = runner.invoke(app, ["train", "--out", str(out), "--if-missing"])
    assert again.exit_code == 0 and "already trained" in again.stdout
    assert out.stat().st_mtime_ns == before


def test_default_artifact_location_is_in_the_data_dir() -> None:
    from resale.core.config import settings

    assert training.default_artifact_path() == settings.data_dir / "models" / "matching.joblib"
    assert metadata_path(training.default_artifact_path()).name == "matching.json"
