"""Loaders and splits on tiny files written to a temporary directory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from matching.core import NO_USER
from matching.datasets import foursquare_task, olist_task, read_checkins, read_locations
from tests.matching.synthetic import write_foursquare, write_olist


def test_foursquare_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "locations.txt").write_text("LOC_1 1.30 103.80\nLOC_2 1.31 103.81\n\n")
    (tmp_path / "train.txt").write_text("USER_1 LOC_1 2.0\nUSER_1 LOC_2 1.0\nUSER_2 LOC_2\n")
    items = read_locations(tmp_path / "locations.txt")
    assert list(items.ids) == ["LOC_1", "LOC_2"]
    assert items.lat.tolist() == [1.30, 1.31]
    assert read_checkins(tmp_path / "train.txt") == [
        ("USER_1", "LOC_1", 2.0),
        ("USER_1", "LOC_2", 1.0),
        ("USER_2", "LOC_2", 1.0),
    ]


def test_foursquare_validation_split_holds_out_a_share_of_each_user(tmp_path: Path) -> None:
    data, _ = write_foursquare(tmp_path / "fsq")
    task = foursquare_task(data, seed=3)
    assert task.exclude_seen and task.query_mode == "user"
    seen = task.train.matrix(len(task.items))
    for q in task.queries:
        history = set(seen.indices[seen.indptr[q.request.user] : seen.indptr[q.request.user + 1]])
        assert history, "every test user keeps training places"
        assert not (q.targets & history), "held-out places are not in training"
        assert q.request.has_home  # estimated from the training places
    total = len(task.train) + sum(q.n_targets for q in task.queries)
    assert total == len(read_checkins(data / "train.txt"))
    assert 0.1 < sum(q.n_targets for q in task.queries) / total < 0.3
    # the same seed gives the same split
    again = foursquare_task(data, seed=3)
    assert [q.targets for q in again.queries] == [q.targets for q in task.queries]


def test_foursquare_with_test_file_trains_on_all_of_train(tmp_path: Path) -> None:
    data, test = write_foursquare(tmp_path / "fsq")
    with test.open("a") as f:
        f.write("USER_NEW LOC_0_0 1.0\n")
    task = foursquare_task(data, test_file=test)
    assert len(task.train) == len(read_checkins(data / "train.txt"))
    assert task.split["test_unknown_users"] == 1
    unknown = [q for q in task.queries if q.request.user == NO_USER]
    assert len(unknown) == 1 and not unknown[0].request.has_home


def test_olist_time_split_and_join(tmp_path: Path) -> None:
    data = write_olist(tmp_path / "olist", n_orders=100)
    task = olist_task(data)
    assert task.query_mode == "event" and not task.exclude_seen
    assert len(task.train) + len(task.queries) == 100
    assert len(task.queries) == 20  # the latest fifth of the orders
    assert task.train.time is not None
    cutoff = datetime.fromisoformat(str(task.split["cutoff"])).timestamp()
    assert task.train.time.max() < cutoff
    # categories are translated; an item without one gets its own label
    assert set(task.items.categories) == {"bed_bath_table", "sports_leisure", "(none)"}
    # zip prefixes lose no leading zero: every seller and buyer is placed
    assert not np.isnan(task.items.lat).any()
    assert all(q.request.has_home for q in task.queries)
    assert all(q.n_targets == 1 and q.request.category >= 0 for q in task.queries)


def test_olist_with_test_directory(tmp_path: Path) -> None:
    data = write_olist(tmp_path / "train", n_orders=60)
    later = write_olist(
        tmp_path / "test",
        n_orders=15,
        start=datetime(2018, 4, 1, tzinfo=UTC),
        order_prefix="t",
        seed=1,
    )
    # a test directory may hold only the orders: reference tables come from --data
    for name in ("products.csv", "sellers.csv", "zip_locations.csv", "category_translation.csv"):
        (later / name).unlink()
    task = olist_task(data, test_dir=later)
    assert len(task.train) == 60
    assert len(task.queries) == 15
    assert task.split["kind"] == "given test directory"
    assert all(q.request.has_home for q in task.queries)
    assert {task.items.categories[q.request.category] for q in task.queries} <= {
        "bed_bath_table",
        "sports_leisure",
        "(none)",
    }
