"""Loaders for the two public evaluation data sets and their train/test splits.

Both become an ``EvalTask``: an ``ItemTable``, training ``Interactions`` and the
test ``Query`` list, so the evaluation never looks at a file format.

- Foursquare (LibRec ``data/poi/FourSquare``): ``locations.txt`` (``LOC lat lon``)
  and ``train.txt`` (``USER LOC count``). Items are places; one query per test
  user; places the user visited in training are never recommended.
- Olist: the Kaggle CSV layout. Items are sellers; one query per ordered item:
  rank the sellers who sold the item's category in the training period, given
  the buyer's zip-code location. The true seller is the only target.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse

from matching.core import NO_USER, Interactions, ItemTable, Query, Request
from matching.geo import estimate_homes

NO_CATEGORY_LABEL = "(none)"


@dataclass(frozen=True, eq=False)
class EvalTask:
    """Everything an offline evaluation needs, whatever the source format."""

    name: str
    items: ItemTable
    train: Interactions
    queries: list[Query]
    exclude_seen: bool  # drop items the user already has from every list
    query_mode: Literal["user", "event"]  # one query per user, or per event in a category
    split: dict[str, object] = field(default_factory=dict)


# --- Foursquare -------------------------------------------------------------------------


def read_locations(path: Path) -> ItemTable:
    """``LOC_ID latitude longitude`` per line."""
    ids: list[str] = []
    lat: list[float] = []
    lon: list[float] = []
    for fields in _whitespace_rows(path):
        if len(fields) < 3:
            continue
        ids.append(fields[0])
        lat.append(float(fields[1]))
        lon.append(float(fields[2]))
    return ItemTable(ids=ids, lat=np.array(lat), lon=np.array(lon))


def read_checkins(path: Path) -> list[tuple[str, str, float]]:
    """``USER_ID LOC_ID count`` per line (a missing count means 1)."""
    rows: list[tuple[str, str, float]] = []
    for fields in _whitespace_rows(path):
        if len(fields) < 2:
            continue
        rows.append((fields[0], fields[1], float(fields[2]) if len(fields) > 2 else 1.0))
    return rows


def _whitespace_rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if fields and not fields[0].startswith("#"):
                yield fields


def _user_queries(
    by_user: dict[str, set[str]],
    user_index: dict[str, int],
    item_index: dict[str, int],
    seen: sparse.csr_matrix,
    homes: npt.NDArray[np.float64],
) -> tuple[list[Query], int]:
    """One query per test user; returns them and how many seen test places were dropped."""
    queries: list[Query] = []
    dropped_seen = 0
    for group, (u, locs) in enumerate(sorted(by_user.items())):
        ui = user_index.get(u, NO_USER)
        history = (
            set(seen.indices[seen.indptr[ui] : seen.indptr[ui + 1]].tolist())
            if ui != NO_USER
            else set()
        )
        known = {item_index[loc] for loc in locs if loc in item_index}
        # A test place the user already visited in training can never be recommended.
        dropped_seen += len(known & history)
        targets = frozenset(known - history)
        n_targets = len(targets) + sum(1 for loc in locs if loc not in item_index)
        if n_targets == 0:
            continue
        lat, lon = (homes[ui, 0], homes[ui, 1]) if ui != NO_USER else (math.nan, math.nan)
        queries.append(
            Query(
                request=Request(user=ui, lat=float(lat), lon=float(lon)),
                targets=targets,
                n_targets=n_targets,
                group=group,
            )
        )
    return queries, dropped_seen


def foursquare_task(
    data_dir: Path, *, test_file: Path | None = None, seed: int = 0, holdout: float = 0.2
) -> EvalTask:
    """Train on ``train.txt``; test on ``test_file`` or on a seeded per-user holdout of it."""
    items = read_locations(data_dir / "locations.txt")
    item_index = dict(items.index_of())
    pairs = read_checkins(data_dir / "train.txt")
    # Check-ins at places missing from locations.txt still count: the place gets no coordinates.
    extra = sorted({loc for _, loc, _ in pairs if loc not in item_index})
    if extra:
        items = _with_extra_items(items, extra)
        item_index = dict(items.index_of())
    users = sorted({u for u, _, _ in pairs})
    user_index = {u: i for i, u in enumerate(users)}
    user = np.array([user_index[u] for u, _, _ in pairs], dtype=np.int64)
    item = np.array([item_index[loc] for _, loc, _ in pairs], dtype=np.int64)
    weight = np.array([w for _, _, w in pairs], dtype=np.float64)
    everything = Interactions(users=users, user=user, item=item, weight=weight)

    split: dict[str, object]
    if test_file is None:
        train_rows, test_rows = _per_user_holdout(user, holdout=holdout, seed=seed)
        train = everything.subset(train_rows)
        test_pairs = [
            (users[int(u)], items.ids[int(i)])
            for u, i in zip(user[test_rows], item[test_rows], strict=True)
        ]
        split = {"kind": "per-user random holdout of train.txt", "holdout": holdout, "seed": seed}
    else:
        train = everything
        test_pairs = [(u, loc) for u, loc, _ in read_checkins(test_file)]
        split = {"kind": "given test file", "test_file": str(test_file)}

    homes = estimate_homes(train, items)
    train = Interactions(
        users=train.users, user=train.user, item=train.item, weight=train.weight, home=homes
    )
    seen = train.matrix(len(items))
    by_user: dict[str, set[str]] = defaultdict(set)
    for u, loc in test_pairs:
        by_user[u].add(loc)
    queries, dropped_seen = _user_queries(by_user, user_index, item_index, seen, homes)
    split |= {
        "train_events": len(train),
        "train_users": int(np.unique(train.user).size),
        "items": len(items),
        "test_pairs": len(test_pairs),
        "test_users": len(queries),
        "test_unknown_users": sum(1 for q in queries if q.request.user == NO_USER),
        "test_pairs_seen_in_train_dropped": dropped_seen,
    }
    return EvalTask(
        name="foursquare",
        items=items,
        train=train,
        queries=queries,
        exclude_seen=True,
        query_mode="user",
        split=split,
    )


def _with_extra_items(items: ItemTable, extra: list[str]) -> ItemTable:
    nan = np.full(len(extra), np.nan)
    return ItemTable(
        ids=[*items.ids, *extra],
        lat=np.concatenate([items.lat, nan]),
        lon=np.concatenate([items.lon, nan]),
    )


def _per_user_holdout(
    user: np.ndarray, *, holdout: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Boolean train/test masks: a random ``holdout`` share of each user's rows, one kept."""
    rng = np.random.default_rng(seed)
    test = np.zeros(len(user), dtype=bool)
    order = np.argsort(user, kind="stable")
    bounds = np.flatnonzero(np.diff(user[order])) + 1
    for rows in np.split(order, bounds):
        n_test = min(round(holdout * len(rows)), len(rows) - 1)
        if n_test > 0:
            test[rng.choice(rows, size=n_test, replace=False)] = True
    return ~test, test


# --- Olist ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sale:
    order_id: str
    buyer: str
    zip_prefix: str
    seller: str
    category: str
    price: float
    time: float


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:  # tolerate a byte-order mark
        return list(csv.DictReader(f))


def _zip(value: str) -> str:
    value = value.strip()
    return value.zfill(5) if value.isdigit() else value


def _timestamp(value: str) -> float:
    return (
        datetime.strptime(value.strip()[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()
    )


@dataclass
class _OlistTables:
    sellers: dict[str, str] = field(default_factory=dict)  # seller -> zip prefix
    zips: dict[str, tuple[float, float]] = field(default_factory=dict)
    category_names: dict[str, str] = field(default_factory=dict)  # pt -> en
    products: dict[str, str] = field(default_factory=dict)  # product -> category (pt)


def _read_olist_reference(data_dir: Path, tables: _OlistTables) -> None:
    """Sellers, zip locations, products and translations; a test directory may omit them."""

    def rows(name: str) -> list[dict[str, str]]:
        path = data_dir / name
        return _read_csv(path) if path.exists() else []

    for row in rows("sellers.csv"):
        tables.sellers.setdefault(row["seller_id"], _zip(row["seller_zip_code_prefix"]))
    for row in rows("zip_locations.csv"):
        try:
            point = (float(row["lat"]), float(row["lng"]))
        except ValueError:
            continue
        tables.zips.setdefault(_zip(row["zip_code_prefix"]), point)
    for row in rows("products.csv"):
        tables.products.setdefault(row["product_id"], row.get("product_category_name", ""))
    for row in rows("category_translation.csv"):
        tables.category_names.setdefault(
            row["product_category_name"], row["product_category_name_english"]
        )


def read_olist_sales(data_dir: Path, tables: _OlistTables) -> list[_Sale]:
    """One row per ordered item, joined to its order, buyer and product."""
    orders = {r["order_id"]: r for r in _read_csv(data_dir / "orders.csv")}
    customers = {r["customer_id"]: r for r in _read_csv(data_dir / "customers.csv")}
    sales: list[_Sale] = []
    for row in _read_csv(data_dir / "order_items.csv"):
        order = orders.get(row["order_id"])
        if order is None:
            continue
        customer = customers.get(order["customer_id"], {})
        raw_category = tables.products.get(row["product_id"], "")
        category = tables.category_names.get(raw_category, raw_category) or NO_CATEGORY_LABEL
        try:
            price = float(row["price"])
        except ValueError:
            price = math.nan
        sales.append(
            _Sale(
                order_id=row["order_id"],
                buyer=customer.get("customer_unique_id") or order["customer_id"],
                zip_prefix=_zip(customer.get("customer_zip_code_prefix", "")),
                seller=row["seller_id"],
                category=category,
                price=price,
                time=_timestamp(order["order_purchase_timestamp"]),
            )
        )
    return sales


def _olist_split(
    data_dir: Path, tables: _OlistTables, *, test_dir: Path | None, test_fraction: float
) -> tuple[list[_Sale], list[_Sale], dict[str, object]]:
    """Train and test sales: the latest orders of ``data_dir``, or those of ``test_dir``."""
    sales = read_olist_sales(data_dir, tables)
    if test_dir is None:
        order_times = np.sort(np.unique([(s.time) for s in sales]))
        cutoff = float(order_times[int(len(order_times) * (1 - test_fraction))])
        split: dict[str, object] = {
            "kind": "time split of --data",
            "test_fraction": test_fraction,
            "cutoff": datetime.fromtimestamp(cutoff, tz=UTC).isoformat(),
        }
        return [s for s in sales if s.time < cutoff], [s for s in sales if s.time >= cutoff], split
    _read_olist_reference(test_dir, tables)
    test_sales = read_olist_sales(test_dir, tables)
    return sales, test_sales, {"kind": "given test directory", "test_dir": str(test_dir)}


def _olist_train(
    train_sales: list[_Sale],
    tables: _OlistTables,
    seller_index: dict[str, int],
    category_index: dict[str, int],
) -> tuple[Interactions, dict[str, int]]:
    """Training interactions (one per ordered item) and the row of each buyer."""
    buyers = sorted({s.buyer for s in train_sales})
    buyer_index = {b: i for i, b in enumerate(buyers)}
    home = np.full((len(buyers), 2), np.nan)
    for s in sorted(train_sales, key=lambda s: s.time):  # the latest address wins
        home[buyer_index[s.buyer]] = tables.zips.get(s.zip_prefix, (math.nan, math.nan))
    train = Interactions(
        users=buyers,
        user=np.array([buyer_index[s.buyer] for s in train_sales], dtype=np.int64),
        item=np.array([seller_index[s.seller] for s in train_sales], dtype=np.int64),
        weight=np.ones(len(train_sales)),
        category=np.array([category_index[s.category] for s in train_sales], dtype=np.int64),
        price=np.array([s.price for s in train_sales], dtype=np.float64),
        time=np.array([s.time for s in train_sales], dtype=np.float64),
        home=home,
    )
    return train, buyer_index


def olist_task(
    data_dir: Path, *, test_dir: Path | None = None, test_fraction: float = 0.2
) -> EvalTask:
    """Train on ``data_dir``; test on ``test_dir`` or on the latest orders of ``data_dir``."""
    tables = _OlistTables()
    _read_olist_reference(data_dir, tables)
    train_sales, test_sales, split = _olist_split(
        data_dir, tables, test_dir=test_dir, test_fraction=test_fraction
    )

    seller_ids = sorted(set(tables.sellers) | {s.seller for s in train_sales + test_sales})
    seller_index = {s: i for i, s in enumerate(seller_ids)}
    seller_points = [
        tables.zips.get(tables.sellers.get(s, ""), (math.nan, math.nan)) for s in seller_ids
    ]
    categories = sorted({s.category for s in train_sales + test_sales})
    category_index = {c: i for i, c in enumerate(categories)}
    items = ItemTable(
        ids=seller_ids,
        lat=np.array([p[0] for p in seller_points], dtype=np.float64),
        lon=np.array([p[1] for p in seller_points], dtype=np.float64),
        categories=categories,
    )

    train, buyer_index = _olist_train(train_sales, tables, seller_index, category_index)

    groups: dict[str, int] = {}
    queries: list[Query] = []
    for s in sorted(test_sales, key=lambda s: (s.time, s.order_id)):
        lat, lon = tables.zips.get(s.zip_prefix, (math.nan, math.nan))
        request = Request(
            user=buyer_index.get(s.buyer, NO_USER),
            lat=lat,
            lon=lon,
            category=category_index[s.category],
        )
        queries.append(
            Query(
                request=request,
                targets=frozenset({seller_index[s.seller]}),
                n_targets=1,
                group=groups.setdefault(s.buyer, len(groups)),
            )
        )
    train_pairs = {(s.seller, s.category) for s in train_sales}
    split |= {
        "train_events": len(train_sales),
        "train_orders": len({s.order_id for s in train_sales}),
        "train_buyers": len(train.users),
        "sellers": len(seller_ids),
        "categories": len(categories),
        "test_items": len(queries),
        "test_orders": len({s.order_id for s in test_sales}),
        "test_buyers": len(groups),
        "test_buyers_seen_in_train": sum(1 for b in groups if b in buyer_index),
        "test_items_seller_never_sold_category": sum(
            1 for s in test_sales if (s.seller, s.category) not in train_pairs
        ),
    }
    return EvalTask(
        name="olist",
        items=items,
        train=train,
        queries=queries,
        exclude_seen=False,
        query_mode="event",
        split=split,
    )
