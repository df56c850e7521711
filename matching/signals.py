"""What the ranker's features are computed from: the signals built from one set of
interactions (co-occurrence, item factors, popularity, homes, places, categories), the
candidates they propose for a request, and the feature rows the ranker scores.

``matching.model.MatchingModel`` trains and serves on them; this module knows no ranker.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from matching.core import (
    CatalogIndex,
    FloatArray,
    IntArray,
    Interactions,
    ItemTable,
    Request,
)
from matching.geo import estimate_homes, haversine_km
from matching.sphere import SphereIndex

QueryMode = Literal["user", "event"]

FEATURES = (
    "item_cos_sum",  # sum of cosine similarity to the user's items (item-kNN score)
    "item_cos_max",
    "user_knn",  # share of the most similar users who engaged with the item
    "log_popularity",
    "local_popularity",  # share of the users living nearest who engaged with the item
    "log_km_home",
    "log_km_history",  # to the nearest of the user's items
    "history_density",  # mean exp(-km / 1) over the user's items
    "log_km_reach",  # median distance from the item to the homes of its users
    "log_history_size",
    "in_history",  # engaged with before (repeat purchase)
    "category_affinity",  # share of the user's events in the item's categories
    "log_category_count",  # the item's events in the requested category
    "category_share",  # ... as a share of all its events
    "price_gap",  # |log price - user's typical log price|
    "log_recent_popularity",  # events with a half-life, so active items count more
    "log_recent_category_count",
    "log_days_idle",  # since the item's latest event
    # the same signals relative to the best candidate of the same list, so the
    # ranker sees the competition within a list and not only across lists
    "item_cos_rel",
    "user_knn_rel",
    "popularity_rel",
    "category_count_rel",
    "factor_score",  # low-rank (truncated SVD) reconstruction of the user's row
)

F = {name: column for column, name in enumerate(FEATURES)}

# More of these never makes an item worse; the ranker is held to that, which keeps
# its ordering sensible where training data is thin. Distances stay free: how
# much nearness matters is for the data to say.
INCREASING = frozenset(
    {
        "item_cos_sum",
        "item_cos_max",
        "user_knn",
        "log_popularity",
        "local_popularity",
        "history_density",
        "in_history",
        "category_affinity",
        "log_category_count",
        "log_recent_popularity",
        "log_recent_category_count",
        "item_cos_rel",
        "user_knn_rel",
        "popularity_rel",
        "category_count_rel",
        "factor_score",
    }
)

# Why an item is in the list, by the source that proposed it.


@dataclass(frozen=True)
class ModelConfig:
    """Sizes of each candidate source, the inner split and the ranker's settings."""

    n_similar: int = 300
    n_people: int = 300
    n_factor: int = 200
    n_components: int = 64  # truncated SVD rank; 0 turns the factor signal off
    n_user_neighbors: int = 50
    n_popular: int = 100
    n_local_users: int = 100
    n_popular_nearby: int = 100
    n_near_home: int = 100
    n_near_history: int = 10  # nearest items around each of the user's items ...
    max_history_places: int = 30  # ... for at most this many of them
    max_category_candidates: int = 2000
    holdout: float = 0.2
    inner_splits: int = 3
    half_life_days: float = 30.0
    negatives_per_query: int = 200
    max_queries_per_split: int = 3000
    max_iter: int = 300
    learning_rate: float = 0.05
    max_leaf_nodes: int = 31
    min_samples_leaf: int = 40
    l2_regularization: float = 1.0
    features: tuple[str, ...] | None = None  # a subset of FEATURES, or all of them
    monotonic: bool = True
    threads: int = 1  # OpenMP threads for the ranker
    seed: int = 0


@dataclass(eq=False)
class Signals:
    """Everything the features are computed from, built from one ``Interactions``."""

    items: ItemTable
    index: CatalogIndex
    user_items: sparse.csr_matrix  # users x items, binary
    item_vectors: sparse.csr_matrix  # items x users, rows L2-normalised
    user_vectors: sparse.csr_matrix  # users x items, rows L2-normalised
    # the same two transposed (their row slices are cheap), so that a request reads
    # only the users and items around its history instead of every event
    item_vectors_t: sparse.csr_matrix  # users x items
    user_vectors_t: sparse.csr_matrix  # items x users
    popularity: FloatArray  # events per item
    homes: FloatArray  # (n_users, 2)
    item_places: SphereIndex
    home_places: SphereIndex
    reach_km: FloatArray
    user_categories: sparse.csr_matrix  # users x categories, rows sum to 1
    item_categories: sparse.csr_matrix  # items x categories, rows sum to 1
    item_log_price: FloatArray
    user_log_price: FloatArray
    popular_order: IntArray
    n_events: int = 0
    recent: FloatArray | None = None  # decayed events per item, when events are timed
    recent_categories: sparse.csc_matrix | None = None  # items x categories, decayed
    days_idle: FloatArray | None = None
    item_factors: npt.NDArray[np.float32] | None = None  # items x components
    _place_neighbors: IntArray | None = None

    @classmethod
    def build(
        cls,
        train: Interactions,
        items: ItemTable,
        *,
        half_life_days: float = 30.0,
        n_components: int = 0,
        seed: int = 0,
    ) -> Signals:
        n_items = len(items)
        index = CatalogIndex.build(train, items)
        user_items = index.seen
        popularity = np.bincount(train.item, minlength=n_items).astype(np.float64)
        homes = estimate_homes(train, items)

        reach = _reach_km(train, items, homes)

        category_counts = index.category_counts
        assert category_counts is not None
        item_categories = normalize(sparse.csr_matrix(category_counts), norm="l1", axis=1)
        user_categories = _user_categories(train, items, category_counts.shape[1])

        item_log_price, user_log_price = _log_prices(train, items)

        recent, recent_categories, days_idle = _recency(
            train, n_items, category_counts.shape[1], half_life_days
        )
        item_vectors = normalize(sparse.csr_matrix(user_items.T), norm="l2", axis=1)
        user_vectors = normalize(user_items, norm="l2", axis=1)
        return cls(
            items=items,
            index=index,
            user_items=user_items,
            item_vectors=item_vectors,
            user_vectors=user_vectors,
            item_vectors_t=sparse.csr_matrix(item_vectors.T),
            user_vectors_t=sparse.csr_matrix(user_vectors.T),
            popularity=popularity,
            homes=homes,
            item_places=SphereIndex(items.lat, items.lon),
            home_places=SphereIndex(homes[:, 0], homes[:, 1]),
            reach_km=reach,
            user_categories=sparse.csr_matrix(user_categories),
            item_categories=sparse.csr_matrix(item_categories),
            item_log_price=item_log_price,
            user_log_price=user_log_price,
            popular_order=np.argsort(-popularity, kind="stable").astype(np.int64),
            n_events=len(train),
            item_factors=_item_factors(user_items, n_components, seed),
            recent=recent,
            recent_categories=recent_categories,
            days_idle=days_idle,
        )

    @property
    def n_items(self) -> int:
        return len(self.items)

    def place_neighbors(self, k: int) -> IntArray:
        """For every item, its ``k`` nearest other items (-1 where there are none); cached."""
        cached = self._place_neighbors
        if cached is None or cached.shape[1] != k:
            cached = np.full((self.n_items, k), -1, dtype=np.int64)
            if k > 0:
                neighbors = self.item_places.neighbors(k)
                cached[self.item_places.rows, : neighbors.shape[1]] = neighbors
            self._place_neighbors = cached
        return cached

    def candidates(
        self,
        request: Request,
        history: IntArray,
        exclude: IntArray,
        config: ModelConfig,
        factor: npt.NDArray[np.float32] | None = None,
    ) -> tuple[IntArray, FloatArray, dict[str, IntArray]]:
        """Candidate items, their feature rows, and which source proposed which.

        ``factor``: this history's factor score of every item, when the caller computed
        many at once (``factor_scores``); a single request computes its own.
        """
        lat, lon = request.lat, request.lon
        if (math.isnan(lat) or math.isnan(lon)) and 0 <= request.user < len(self.homes):
            lat, lon = float(self.homes[request.user, 0]), float(self.homes[request.user, 1])

        item_cos = self._item_cosine(history)
        if factor is None and request.category < 0:
            factor = self._factor_scores(history)
        user_knn = self._user_knn(request.user, history, config)
        local_users = (
            self.home_places.nearest(lat, lon, config.n_local_users)[0]
            if not math.isnan(lat)
            else np.empty(0, dtype=np.int64)
        )
        local_pop = (
            _row_sum(self.user_items, local_users) / len(local_users)
            if len(local_users)
            else np.zeros(self.n_items)
        )

        sources: dict[str, IntArray] = {}
        if request.category >= 0:
            pool = self.index.category_items.get(request.category, np.empty(0, dtype=np.int64))
            if len(pool) > config.max_category_candidates:
                counts = self._category_counts(request.category)[pool]
                pool = pool[np.argsort(-counts, kind="stable")[: config.max_category_candidates]]
            sources["category"] = pool
        else:
            sources["similar"] = top_indices(item_cos, config.n_similar)
            sources["people"] = top_indices(user_knn, config.n_people)
            if factor is not None:
                sources["similar"] = np.concatenate(
                    [sources["similar"], top_indices(factor, config.n_factor)]
                )
            if len(history) or math.isnan(lat):
                # a newcomer with a home gets what is popular near it, not far-away hits
                sources["popular"] = self.popular_order[: config.n_popular]
            sources["popular_nearby"] = top_indices(local_pop, config.n_popular_nearby)
            sources["near"] = self.item_places.nearest(lat, lon, config.n_near_home)[0]
            around = history[-config.max_history_places :]
            if len(around):
                near_history = self.place_neighbors(config.n_near_history)[around].ravel()
                sources["near"] = np.concatenate([sources["near"], near_history[near_history >= 0]])
        cands = np.unique(np.concatenate(list(sources.values()))).astype(np.int64)
        if len(exclude):
            cands = cands[~np.isin(cands, exclude)]
        if factor is not None:
            factor_cands: npt.NDArray[np.float32] | None = factor[cands]
        elif self.item_factors is not None:  # a category request: only its candidates
            factor_cands = self.item_factors[cands] @ self._factor_profile(history)
        else:
            factor_cands = None
        x = self._features(
            request, lat, lon, history, cands, item_cos, user_knn, local_pop, factor_cands, config
        )
        return cands, x, sources

    def _factor_profile(self, history: IntArray) -> npt.NDArray[np.float32]:
        assert self.item_factors is not None
        if len(history) == 0:
            return np.zeros(self.item_factors.shape[1], dtype=np.float32)
        out: npt.NDArray[np.float32] = self.item_factors[history].sum(axis=0) / np.float32(
            math.sqrt(len(history))
        )
        return out

    def _factor_scores(self, history: IntArray) -> npt.NDArray[np.float32] | None:
        if self.item_factors is None:
            return None
        if len(history) == 0:
            return np.zeros(self.n_items, dtype=np.float32)
        out: npt.NDArray[np.float32] = self.item_factors @ self._factor_profile(history)
        return out

    def factor_scores(self, histories: Sequence[IntArray]) -> npt.NDArray[np.float32] | None:
        """Every item's factor score for each of many histories (a row each), in one product.

        Scoring one history reads the whole factor matrix; a product for many reads it
        once, which is what makes training on a large catalogue affordable.
        """
        if self.item_factors is None:
            return None
        profiles = np.stack([self._factor_profile(h) for h in histories])
        out: npt.NDArray[np.float32] = profiles @ self.item_factors.T
        return out

    def _item_cosine(self, history: IntArray) -> FloatArray:
        if len(history) == 0:
            return np.zeros(self.n_items)
        # only the users who engaged with the history contribute: read just their rows
        profile = _row_sum(self.item_vectors, history)
        users = np.flatnonzero(profile)
        return _row_sum(self.item_vectors_t, users, profile[users])

    def _user_knn(self, user: int, history: IntArray, config: ModelConfig) -> FloatArray:
        if len(history) == 0:
            return np.zeros(self.n_items)
        sims = _row_sum(self.user_vectors_t, history) / math.sqrt(len(history))
        if 0 <= user < len(sims):
            sims[user] = 0.0  # not one's own neighbour
        top = top_indices(sims, config.n_user_neighbors)
        top = top[sims[top] > 0]
        if len(top) == 0:
            return np.zeros(self.n_items)
        weights = sims[top]
        out: FloatArray = _row_sum(self.user_items, top, weights) / weights.sum()
        return out

    def similar_to(self, item: int) -> FloatArray:
        """Cosine similarity of every item to one item (0 for items sharing nobody, and itself)."""
        users, values, _ = _gather(self.item_vectors, np.array([item]))
        out = _row_sum(self.item_vectors_t, users.astype(np.int64), values)
        out[item] = 0.0
        return out

    def _category_counts(self, category: int) -> FloatArray:
        counts = self.index.category_counts
        assert counts is not None
        if not 0 <= category < counts.shape[1]:
            return np.zeros(self.n_items)
        out: FloatArray = counts[:, category].toarray().ravel()
        return out

    def _features(
        self,
        request: Request,
        lat: float,
        lon: float,
        history: IntArray,
        cands: IntArray,
        item_cos: FloatArray,
        user_knn: FloatArray,
        local_pop: FloatArray,
        factor_cands: npt.NDArray[np.float32] | None,
        config: ModelConfig,
    ) -> FloatArray:
        n = len(cands)
        x = np.full((n, len(FEATURES)), np.nan)
        if n == 0:
            return x
        x[:, F["item_cos_sum"]] = item_cos[cands]
        if len(history):
            pair = (self.item_vectors[cands] @ self.item_vectors[history].T).toarray()
            x[:, F["item_cos_max"]] = pair.max(axis=1)
        else:
            x[:, F["item_cos_max"]] = 0.0
        x[:, F["user_knn"]] = user_knn[cands]
        # shares rather than counts so the inner split and the full data agree in scale
        x[:, F["log_popularity"]] = np.log((self.popularity[cands] + 0.5) / max(self.n_events, 1))
        x[:, F["local_popularity"]] = local_pop[cands]
        item_lat, item_lon = self.items.lat[cands], self.items.lon[cands]
        if not math.isnan(lat):
            x[:, F["log_km_home"]] = np.log1p(
                haversine_km(np.full(n, lat), np.full(n, lon), item_lat, item_lon)
            )
        places = history[-config.max_history_places :]
        if len(places):
            d = haversine_km(
                item_lat[:, None],
                item_lon[:, None],
                self.items.lat[places][None, :],
                self.items.lon[places][None, :],
            )
            with np.errstate(all="ignore"):
                x[:, F["log_km_history"]] = np.log1p(np.nanmin(d, axis=1))
                x[:, F["history_density"]] = np.nanmean(np.exp(-d), axis=1)
        x[:, F["log_km_reach"]] = np.log1p(self.reach_km[cands])
        x[:, F["log_history_size"]] = math.log1p(len(history))
        x[:, F["in_history"]] = np.isin(cands, history).astype(np.float64)
        if self.item_categories.shape[1] > 0 and len(history):
            profile = _row_sum(self.item_categories, history) / len(history)
            cats, shares, lengths = _gather(self.item_categories, cands)
            x[:, F["category_affinity"]] = np.bincount(
                np.repeat(np.arange(n), lengths), weights=shares * profile[cats], minlength=n
            )
        if request.category >= 0:
            counts = self._category_counts(request.category)[cands]
            x[:, F["log_category_count"]] = np.log((counts + 0.5) / max(self.n_events, 1))
            x[:, F["category_share"]] = counts / np.maximum(self.popularity[cands], 1.0)
        if 0 <= request.user < len(self.user_log_price):
            x[:, F["price_gap"]] = np.abs(
                self.item_log_price[cands] - self.user_log_price[request.user]
            )
        if self.recent is not None:
            total = max(float(self.recent.sum()), 1e-9)
            x[:, F["log_recent_popularity"]] = np.log((self.recent[cands] + 0.05) / total)
            rc = self.recent_categories
            if rc is not None and 0 <= request.category < rc.shape[1]:
                column = rc[:, request.category].toarray().ravel()
                x[:, F["log_recent_category_count"]] = np.log((column[cands] + 0.05) / total)
        if self.days_idle is not None:
            x[:, F["log_days_idle"]] = np.log1p(self.days_idle[cands])
        x[:, F["item_cos_rel"]] = _relative(x[:, F["item_cos_sum"]])
        x[:, F["user_knn_rel"]] = _relative(x[:, F["user_knn"]])
        x[:, F["popularity_rel"]] = _relative(self.popularity[cands])
        if request.category >= 0:
            x[:, F["category_count_rel"]] = _relative(counts)
        if factor_cands is not None:
            x[:, F["factor_score"]] = factor_cands
        return x


def _item_factors(
    user_items: sparse.csr_matrix, n_components: int, seed: int
) -> npt.NDArray[np.float32] | None:
    """Item factors of a truncated SVD of the user-normalised matrix (PureSVD).

    Kept in float32: scoring every item against a profile reads the whole matrix on
    each request, and half the bytes is nearly half the time.
    """
    n_components = min(n_components, min(user_items.shape) - 1)
    if n_components < 2:
        return None
    rows = normalize(sparse.csr_matrix(user_items, dtype=np.float64), norm="l2", axis=1)
    svd = TruncatedSVD(n_components=n_components, random_state=seed).fit(rows)
    out: npt.NDArray[np.float32] = np.ascontiguousarray(svd.components_.T, dtype=np.float32)
    return out


def _recency(
    train: Interactions, n_items: int, n_categories: int, half_life_days: float
) -> tuple[FloatArray | None, sparse.csc_matrix | None, FloatArray | None]:
    """Decayed event counts (overall and per category) and idle days, relative to the last event."""
    if train.time is None or len(train) == 0:
        return None, None, None
    now = float(train.time.max())
    age_days = (now - train.time) / 86400.0
    decay = 0.5 ** (age_days / half_life_days)
    recent: FloatArray = np.bincount(train.item, weights=decay, minlength=n_items).astype(
        np.float64
    )
    latest = np.full(n_items, -np.inf)
    np.maximum.at(latest, train.item, train.time)
    days_idle: FloatArray = np.where(np.isfinite(latest), (now - latest) / 86400.0, np.nan)
    recent_categories = None
    if train.category is not None:
        has = train.category >= 0
        recent_categories = sparse.csc_matrix(
            (decay[has], (train.item[has], train.category[has])),
            shape=(n_items, max(n_categories, 1)),
        )
    return recent, recent_categories, days_idle


_controller: ThreadpoolController | None = None


@contextmanager
def threads(limit: int) -> Iterator[None]:
    """Cap OpenMP threads of the ranker: web workers and shared machines stay one thread each."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    with _controller.limit(limits=limit, user_api="openmp"):
        yield


def _relative(values: FloatArray) -> FloatArray:
    """Each value over the largest in the list (0 when all are 0)."""
    top = float(np.nanmax(values)) if len(values) else 0.0
    out: FloatArray = values / top if top > 0 else np.zeros(len(values))
    return out


def factor_batch(n_items: int) -> int:
    """How many histories to score at once: a block of at most ~64 MB of float32 scores."""
    return max(1, min(256, 16_000_000 // max(n_items, 1)))


def _gather(
    matrix: sparse.csr_matrix, rows: IntArray
) -> tuple[npt.NDArray[np.integer], FloatArray, IntArray]:
    """The stored entries of some rows of a CSR matrix: columns, values, and each row's count.

    What ``matrix[rows]`` reads, without building a matrix: scipy's slicing costs far
    more in checks than in copying for the few rows a request touches.
    """
    starts = matrix.indptr[rows]
    lengths = (matrix.indptr[rows + 1] - starts).astype(np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), np.empty(0), lengths
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
    return matrix.indices[offsets], matrix.data[offsets], lengths


def _row_sum(
    matrix: sparse.csr_matrix, rows: IntArray, weights: FloatArray | None = None
) -> FloatArray:
    """The (weighted) sum of some rows of a CSR matrix, as a dense vector."""
    columns, values, lengths = _gather(matrix, rows)
    if weights is not None:
        values = values * np.repeat(weights, lengths)
    out: FloatArray = np.bincount(columns, weights=values, minlength=matrix.shape[1]).astype(
        np.float64
    )
    return out


def top_indices(scores: npt.NDArray[np.floating], n: int) -> IntArray:
    """Indexes of the ``n`` largest positive scores, best first."""
    if n <= 0 or len(scores) == 0:
        return np.empty(0, dtype=np.int64)
    # most scores are 0 (nobody shared, nobody near): partition only the positive ones
    positive = np.flatnonzero(scores > 0)
    if len(positive) > n:
        positive = positive[np.argpartition(-scores[positive], n - 1)[:n]]
    return positive[np.argsort(-scores[positive], kind="stable")].astype(np.int64)


def _reach_km(train: Interactions, items: ItemTable, homes: npt.NDArray[np.float64]) -> FloatArray:
    """How far an item's audience travels: the median home distance of its users."""
    # how far an item's audience travels: median home distance of its users
    d = haversine_km(
        homes[train.user, 0], homes[train.user, 1], items.lat[train.item], items.lon[train.item]
    )
    reach = np.full(len(items), np.nan)
    known = ~np.isnan(d)
    if known.any():
        order = np.lexsort((d[known], train.item[known]))
        it, dd = train.item[known][order], d[known][order]
        starts = np.flatnonzero(np.r_[True, np.diff(it) != 0])
        counts = np.diff(np.r_[starts, len(it)])
        reach[it[starts]] = dd[starts + counts // 2]
    return reach


def _user_categories(train: Interactions, items: ItemTable, n_categories: int) -> sparse.csr_matrix:
    """Each person's share of events per category (rows sum to 1)."""
    own = train.category if train.category is not None else items.category_codes()[train.item]
    has = own >= 0
    user_cat_raw = sparse.csr_matrix(
        (np.ones(int(has.sum())), (train.user[has], own[has])), shape=(train.n_users, n_categories)
    )
    return normalize(user_cat_raw, norm="l1", axis=1)


def _log_prices(train: Interactions, items: ItemTable) -> tuple[FloatArray, FloatArray]:
    """Mean log price paid per item and per person (an item's own price when nobody paid)."""
    event_price = train.price if train.price is not None else None
    if event_price is None and items.price is not None:
        event_price = items.price[train.item]
    item_log_price = np.full(len(items), np.nan)
    user_log_price = np.full(train.n_users, np.nan)
    if event_price is not None:
        ok = np.isfinite(event_price) & (event_price > 0)
        lp = np.log(event_price[ok])
        for target, idx, size in (
            (item_log_price, train.item[ok], len(items)),
            (user_log_price, train.user[ok], train.n_users),
        ):
            n = np.bincount(idx, minlength=size)
            s = np.bincount(idx, weights=lp, minlength=size)
            with np.errstate(invalid="ignore", divide="ignore"):
                target[:] = np.where(n > 0, s / np.maximum(n, 1), np.nan)
    if items.price is not None:
        own_price = np.log(np.where(items.price > 0, items.price, np.nan))
        item_log_price = np.where(np.isnan(item_log_price), own_price, item_log_price)
    return item_log_price, user_log_price
