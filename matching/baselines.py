"""The reference points the model has to beat: random, popularity, nearest, item-kNN.

Each ranks the same eligible items as the model (the category's sellers for a
category request, minus what the user already has when asked to), and breaks
ties by popularity, so an empty signal (a buyer with no history, no known home)
degrades to the popularity list rather than to an arbitrary order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

from matching.core import (
    CatalogIndex,
    FloatArray,
    IntArray,
    Interactions,
    ItemTable,
    Request,
    top_k,
)
from matching.geo import haversine_km


class _Base:
    index: CatalogIndex
    popularity: FloatArray

    def _fit_common(self, train: Interactions, items: ItemTable) -> None:
        self.items = items
        self.index = CatalogIndex.build(train, items)
        # events per item: distinct users for check-in pairs, sales for orders
        self.popularity = np.bincount(train.item, minlength=len(items)).astype(np.float64)

    def _popularity_in(self, request: Request, pool: IntArray) -> FloatArray:
        """Events of each pooled item, within the request's category when it has one."""
        counts = self.index.category_counts
        if request.category >= 0 and counts is not None and request.category < counts.shape[1]:
            column = counts[:, request.category].toarray().ravel()
            out: FloatArray = column[pool]
            return out
        return self.popularity[pool]


class RandomBaseline(_Base):
    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, train: Interactions, items: ItemTable) -> Self:
        self._fit_common(train, items)
        return self

    def recommend_batch(
        self, requests: Sequence[Request], k: int, *, exclude_seen: bool
    ) -> list[IntArray]:
        rng = np.random.default_rng(self.seed)
        out: list[IntArray] = []
        for request in requests:
            pool = self.index.eligible(request, exclude_seen=exclude_seen)
            out.append(rng.permutation(pool)[:k].astype(np.int64))
        return out


class PopularityBaseline(_Base):
    """Most events first (within the request's category when it has one)."""

    def fit(self, train: Interactions, items: ItemTable) -> Self:
        self._fit_common(train, items)
        return self

    def recommend_batch(
        self, requests: Sequence[Request], k: int, *, exclude_seen: bool
    ) -> list[IntArray]:
        out: list[IntArray] = []
        for request in requests:
            pool = self.index.eligible(request, exclude_seen=exclude_seen)
            out.append(top_k(self._popularity_in(request, pool), pool, k, self.popularity[pool]))
        return out


class NearestBaseline(_Base):
    """Closest to the request's home first; items without a location go last."""

    def fit(self, train: Interactions, items: ItemTable) -> Self:
        self._fit_common(train, items)
        return self

    def recommend_batch(
        self, requests: Sequence[Request], k: int, *, exclude_seen: bool
    ) -> list[IntArray]:
        out: list[IntArray] = []
        for request in requests:
            pool = self.index.eligible(request, exclude_seen=exclude_seen)
            if request.has_home:
                d = haversine_km(
                    np.full(len(pool), request.lat),
                    np.full(len(pool), request.lon),
                    self.items.lat[pool],
                    self.items.lon[pool],
                )
                score = -np.where(np.isnan(d), np.inf, d)
            else:
                score = np.zeros(len(pool))
            out.append(top_k(score, pool, k, self._popularity_in(request, pool)))
        return out


class ItemKNNBaseline(_Base):
    """LibRec's item-kNN for ranking: cosine similarity summed over the user's items.

    The score of item i for user u is the sum of sim(i, j) over the
    ``n_neighbors`` items j of u most similar to i (LibRec's ``knn``, 50), with
    cosine computed on the binary user x item matrix.
    """

    def __init__(self, n_neighbors: int = 50) -> None:
        self.n_neighbors = n_neighbors

    def fit(self, train: Interactions, items: ItemTable) -> Self:
        self._fit_common(train, items)
        # rows: items, L2-normalised over users, so a row product is a cosine
        self.item_vectors: sparse.csr_matrix = normalize(
            sparse.csr_matrix(self.index.seen.T, dtype=np.float64), norm="l2", axis=1
        )
        return self

    def recommend_batch(
        self, requests: Sequence[Request], k: int, *, exclude_seen: bool
    ) -> list[IntArray]:
        out: list[IntArray] = []
        for request in requests:
            pool = self.index.eligible(request, exclude_seen=exclude_seen)
            history = self.index.history(request.user)
            if len(history) and len(pool):
                sims = (self.item_vectors[pool] @ self.item_vectors[history].T).toarray()
                if sims.shape[1] > self.n_neighbors:
                    sims = -np.partition(-sims, self.n_neighbors - 1, axis=1)[:, : self.n_neighbors]
                scores = sims.sum(axis=1)
            else:
                scores = np.zeros(len(pool))
            out.append(top_k(scores, pool, k, self._popularity_in(request, pool)))
        return out


def all_baselines(
    seed: int = 0,
) -> dict[str, RandomBaseline | PopularityBaseline | NearestBaseline | ItemKNNBaseline]:
    return {
        "popularity": PopularityBaseline(),
        "nearest": NearestBaseline(),
        "item_knn": ItemKNNBaseline(),
        "random": RandomBaseline(seed=seed),
    }
