"""The generic shapes every part of matching works on: items, interactions, requests.

The evaluation data sets and, later, the marketplace's own events (views,
favourites, orders) are all turned into these, so one model serves both.
Indexes are plain integers into ``ItemTable.ids`` / ``Interactions.users``;
an unknown location is NaN and an unknown category is -1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, Self

import numpy as np
import numpy.typing as npt
from scipy import sparse

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

NO_CATEGORY = -1
NO_USER = -1


@dataclass(frozen=True, eq=False)
class ItemTable:
    """What can be recommended: an id, a place, and optionally a category and a price."""

    ids: Sequence[str]
    lat: FloatArray
    lon: FloatArray
    category: IntArray | None = None  # code into ``categories``, -1 when unknown
    price: FloatArray | None = None  # typical price, NaN when unknown
    categories: Sequence[str] = ()

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name in ("lat", "lon", "category", "price"):
            column = getattr(self, name)
            if column is not None and len(column) != n:
                raise ValueError(f"ItemTable.{name} has {len(column)} rows, ids has {n}")

    def __len__(self) -> int:
        return len(self.ids)

    def index_of(self) -> dict[str, int]:
        """Map from item id to row index."""
        return {item_id: i for i, item_id in enumerate(self.ids)}

    def category_codes(self) -> IntArray:
        if self.category is None:
            return np.full(len(self), NO_CATEGORY, dtype=np.int64)
        return np.asarray(self.category, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Interactions:
    """Who engaged with what: one row per event, plus optional per-user homes.

    ``category`` and ``price`` describe the event (what was bought or viewed),
    which matters when an item is a seller offering many categories; ``time``
    (seconds) lets the model hold out the latest events rather than random ones.
    """

    users: Sequence[str]
    user: IntArray
    item: IntArray
    weight: FloatArray
    category: IntArray | None = None
    price: FloatArray | None = None
    time: FloatArray | None = None
    home: FloatArray | None = None  # (n_users, 2) latitude/longitude degrees, NaN unknown

    def __post_init__(self) -> None:
        n = len(self.user)
        for name in ("item", "weight", "category", "price", "time"):
            column = getattr(self, name)
            if column is not None and len(column) != n:
                raise ValueError(f"Interactions.{name} has {len(column)} rows, user has {n}")
        if self.home is not None and self.home.shape != (len(self.users), 2):
            raise ValueError("Interactions.home must have shape (n_users, 2)")

    def __len__(self) -> int:
        return len(self.user)

    @property
    def n_users(self) -> int:
        return len(self.users)

    def subset(self, rows: npt.NDArray[np.bool_] | IntArray) -> Interactions:
        """The same users and homes with only the chosen events."""

        def pick(column: npt.NDArray[np.generic] | None) -> npt.NDArray[np.generic] | None:
            return None if column is None else column[rows]

        return Interactions(
            users=self.users,
            user=self.user[rows],
            item=self.item[rows],
            weight=self.weight[rows],
            category=pick(self.category),  # type: ignore[arg-type]
            price=pick(self.price),  # type: ignore[arg-type]
            time=pick(self.time),  # type: ignore[arg-type]
            home=self.home,
        )

    def matrix(self, n_items: int, *, binary: bool = True) -> sparse.csr_matrix:
        """User x item matrix (repeated events summed, or 1 when ``binary``)."""
        m = sparse.csr_matrix(
            (self.weight.astype(np.float64), (self.user, self.item)),
            shape=(self.n_users, n_items),
        )
        m.sum_duplicates()
        if binary:
            m.data[:] = 1.0
        return m


@dataclass(frozen=True)
class Request:
    """One list to produce: for a user (or nobody known), at a place, maybe within a category."""

    user: int = NO_USER
    lat: float = math.nan
    lon: float = math.nan
    category: int = NO_CATEGORY

    @property
    def has_home(self) -> bool:
        return not (math.isnan(self.lat) or math.isnan(self.lon))


@dataclass(frozen=True)
class Query:
    """A request with the answer key: the items the user actually went on to pick."""

    request: Request
    targets: frozenset[int]  # indexes of known items
    n_targets: int  # includes targets that are not in the catalogue (they can never be hit)
    group: int  # bootstrap resamples whole groups (one per user)


@dataclass(eq=False)
class CatalogIndex:
    """Which items each user has seen and which items belong to each category."""

    seen: sparse.csr_matrix
    category_items: dict[int, IntArray] = field(default_factory=dict)
    category_counts: sparse.csc_matrix | None = None  # item x category event counts
    n_items: int = 0

    @classmethod
    def build(cls, train: Interactions, items: ItemTable) -> Self:
        n_items = len(items)
        seen = train.matrix(n_items)
        n_cat = max(
            len(items.categories),
            int(items.category_codes().max(initial=-1)) + 1,
            int(train.category.max(initial=-1)) + 1 if train.category is not None else 0,
        )
        rows: list[IntArray] = []
        cols: list[IntArray] = []
        if train.category is not None:
            known = train.category >= 0
            rows.append(train.item[known])
            cols.append(train.category[known])
        own = items.category_codes()
        has_own = np.flatnonzero(own >= 0)
        rows.append(has_own.astype(np.int64))
        cols.append(own[has_own])
        r = np.concatenate(rows)
        c = np.concatenate(cols)
        counts = sparse.csc_matrix((np.ones(len(r)), (r, c)), shape=(n_items, max(n_cat, 1)))
        counts.sum_duplicates()
        category_items = {
            j: counts.indices[counts.indptr[j] : counts.indptr[j + 1]].astype(np.int64)
            for j in range(counts.shape[1])
        }
        return cls(
            seen=seen, category_items=category_items, category_counts=counts, n_items=n_items
        )

    def eligible(self, request: Request, *, exclude_seen: bool) -> IntArray:
        """Items a list for this request may contain."""
        if request.category >= 0:
            pool = self.category_items.get(request.category, np.empty(0, dtype=np.int64))
        else:
            pool = np.arange(self.n_items, dtype=np.int64)
        if exclude_seen and 0 <= request.user < self.seen.shape[0]:
            seen = self.seen.indices[
                self.seen.indptr[request.user] : self.seen.indptr[request.user + 1]
            ]
            if len(seen):
                pool = pool[~np.isin(pool, seen)]
        return pool

    def history(self, user: int) -> IntArray:
        if not 0 <= user < self.seen.shape[0]:
            return np.empty(0, dtype=np.int64)
        out: IntArray = self.seen.indices[self.seen.indptr[user] : self.seen.indptr[user + 1]]
        return out.astype(np.int64)


class Recommender(Protocol):
    """What the evaluation runs: the model and every baseline."""

    def fit(self, train: Interactions, items: ItemTable) -> Self: ...

    def recommend_batch(
        self, requests: Sequence[Request], k: int, *, exclude_seen: bool
    ) -> list[IntArray]: ...


def top_k(
    scores: FloatArray, pool: IntArray, k: int, tiebreak: FloatArray | None = None
) -> IntArray:
    """The ``k`` items of ``pool`` with the highest scores, best first (ties by ``tiebreak``)."""
    if len(pool) == 0:
        return np.empty(0, dtype=np.int64)
    if tiebreak is None:
        order = np.argsort(-scores, kind="stable")
    else:
        order = np.lexsort((-tiebreak, -scores))
    return pool[order[:k]].astype(np.int64)
