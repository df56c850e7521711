"""The matching model: candidate generation, then a learned ranker.

Works on the generic ``Interactions`` / ``ItemTable`` (see ``matching.core``),
so the offline evaluation and the marketplace's own events share it.

Candidates come from several cheap sources, each of which scales with the
number of events rather than users x items:

- items similar to the user's items (item-item cosine over who engaged with
  what, and a truncated-SVD reconstruction of the user's row),
- items engaged with by similar users (user-user cosine),
- items popular overall and popular among the users living nearest,
- items nearest to the user's home and to the places of the user's items
  (a k-d tree over points on the unit sphere, ``SphereIndex``),
- or, for a request within a category, the items known in that category.

A ``HistGradientBoostingClassifier`` then scores every candidate from features
such as those similarities, popularity (overall, nearby, in the category),
distance from home and from the user's items (log km), how far an item's
audience usually travels, category affinity, price fit, recent activity, and
each signal relative to the best candidate of the same list. Distance is only a
feature: the ranker learns how much it matters, so the same code favours
nearby places for check-ins and ignores distance for nationwide delivery.
Signals where more can only be better are held monotone.

The ranker is trained on inner splits of the training data (features from the
kept / older part, labels from the held-out / next part; three rolling windows
when events are timed, three random holdouts otherwise), then the signals are
rebuilt on all of the training data for serving (``reindex`` rebuilds them
again later, on newer data, keeping the ranker).

A request reads only what its history touches (the rows of the users and items
involved), and training scores its lists' factor signal in blocks, so a list
costs milliseconds and a fit minutes on a million events.

    model = MatchingModel().fit(interactions, items)            # a feed per user
    model.recommend("user-7", k=10, exclude=["own-listing"])   # -> [Recommendation]
    model.recommend(None, home=(52.37, 4.90))                   # a newcomer: popular nearby
    model.audience(lat=52.37, lon=4.90, radius_km=10, categories={"bikes": 1})  # who may want it
    model.save(path); MatchingModel.load(path)                  # joblib, same scikit-learn
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Self

import joblib
import numpy as np
import numpy.typing as npt
import sklearn
from scipy import sparse
from scipy.spatial import cKDTree
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.preprocessing import normalize
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from matching.core import (
    NO_CATEGORY,
    NO_USER,
    CatalogIndex,
    FloatArray,
    IntArray,
    Interactions,
    ItemTable,
    Request,
)
from matching.geo import EARTH_RADIUS_KM, estimate_homes, haversine_km

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
REASONS = {
    "similar": "like items you engaged with",
    "people": "liked by people with similar taste",
    "popular": "popular",
    "popular_nearby": "popular near you",
    "near": "near you",
    "category": "in the category you asked for",
}


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


@dataclass(frozen=True)
class Recommendation:
    item_id: str
    score: float
    distance_km: float | None
    reasons: tuple[str, ...]


@dataclass(eq=False)
class _Signals:
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
    ) -> _Signals:
        n_items = len(items)
        index = CatalogIndex.build(train, items)
        user_items = index.seen
        popularity = np.bincount(train.item, minlength=n_items).astype(np.float64)
        homes = estimate_homes(train, items)

        # how far an item's audience travels: median home distance of its users
        d = haversine_km(
            homes[train.user, 0], homes[train.user, 1], items.lat[train.item], items.lon[train.item]
        )
        reach = np.full(n_items, np.nan)
        known = ~np.isnan(d)
        if known.any():
            order = np.lexsort((d[known], train.item[known]))
            it, dd = train.item[known][order], d[known][order]
            starts = np.flatnonzero(np.r_[True, np.diff(it) != 0])
            counts = np.diff(np.r_[starts, len(it)])
            reach[it[starts]] = dd[starts + counts // 2]

        category_counts = index.category_counts
        assert category_counts is not None
        item_categories = normalize(sparse.csr_matrix(category_counts), norm="l1", axis=1)
        if train.category is not None:
            has = train.category >= 0
            user_cat_raw = sparse.csr_matrix(
                (np.ones(int(has.sum())), (train.user[has], train.category[has])),
                shape=(train.n_users, category_counts.shape[1]),
            )
        else:
            own = items.category_codes()[train.item]
            has = own >= 0
            user_cat_raw = sparse.csr_matrix(
                (np.ones(int(has.sum())), (train.user[has], own[has])),
                shape=(train.n_users, category_counts.shape[1]),
            )
        user_categories = normalize(user_cat_raw, norm="l1", axis=1)

        event_price = train.price if train.price is not None else None
        if event_price is None and items.price is not None:
            event_price = items.price[train.item]
        item_log_price = np.full(n_items, np.nan)
        user_log_price = np.full(train.n_users, np.nan)
        if event_price is not None:
            ok = np.isfinite(event_price) & (event_price > 0)
            lp = np.log(event_price[ok])
            for target, idx, size in (
                (item_log_price, train.item[ok], n_items),
                (user_log_price, train.user[ok], train.n_users),
            ):
                n = np.bincount(idx, minlength=size)
                s = np.bincount(idx, weights=lp, minlength=size)
                with np.errstate(invalid="ignore", divide="ignore"):
                    target[:] = np.where(n > 0, s / np.maximum(n, 1), np.nan)
        if items.price is not None:
            own_price = np.log(np.where(items.price > 0, items.price, np.nan))
            item_log_price = np.where(np.isnan(item_log_price), own_price, item_log_price)

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
            sources["similar"] = _top(item_cos, config.n_similar)
            sources["people"] = _top(user_knn, config.n_people)
            if factor is not None:
                sources["similar"] = np.concatenate(
                    [sources["similar"], _top(factor, config.n_factor)]
                )
            if len(history) or math.isnan(lat):
                # a newcomer with a home gets what is popular near it, not far-away hits
                sources["popular"] = self.popular_order[: config.n_popular]
            sources["popular_nearby"] = _top(local_pop, config.n_popular_nearby)
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
        top = _top(sims, config.n_user_neighbors)
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
def _threads(limit: int) -> Iterator[None]:
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


def _factor_batch(n_items: int) -> int:
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


def _top(scores: npt.NDArray[np.floating], n: int) -> IntArray:
    """Indexes of the ``n`` largest positive scores, best first."""
    if n <= 0 or len(scores) == 0:
        return np.empty(0, dtype=np.int64)
    # most scores are 0 (nobody shared, nobody near): partition only the positive ones
    positive = np.flatnonzero(scores > 0)
    if len(positive) > n:
        positive = positive[np.argpartition(-scores[positive], n - 1)[:n]]
    return positive[np.argsort(-scores[positive], kind="stable")].astype(np.int64)


def _unit_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    phi, lam = np.radians(lat), np.radians(lon)
    out: FloatArray = np.column_stack(
        [np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)]
    )
    return out


def _chord_to_km(chord: FloatArray) -> FloatArray:
    out: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0.0, 1.0))
    return out


class SphereIndex:
    """Nearest points on the Earth: a k-d tree over unit vectors.

    The straight-line (chord) distance between two unit vectors grows with the
    great-circle distance, so the nearest by chord are the nearest on the sphere.
    A k-d tree answers a query in tens of microseconds, where a haversine
    ``BallTree`` takes several times longer and crawls on many identical points
    (listings share grid points).
    """

    def __init__(self, lat: FloatArray, lon: FloatArray) -> None:
        known = ~(np.isnan(lat) | np.isnan(lon))
        self.rows: IntArray = np.flatnonzero(known).astype(np.int64)
        self.size = len(self.rows)
        self.points = _unit_vectors(lat[known], lon[known])
        self.tree: cKDTree | None = cKDTree(self.points) if self.size else None

    def nearest(self, lat: float, lon: float, k: int) -> tuple[IntArray, FloatArray]:
        """Up to ``k`` nearest rows and their distances in km, nearest first."""
        if self.tree is None or math.isnan(lat) or math.isnan(lon) or k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        k = min(k, self.size)
        chord, ind = self.tree.query(_unit_vectors(np.array([lat]), np.array([lon]))[0], k=k)
        ind, chord = np.atleast_1d(ind), np.atleast_1d(chord)
        return self.rows[ind], _chord_to_km(chord)

    def within(self, lat: float, lon: float, km: float) -> tuple[IntArray, FloatArray]:
        """Rows within ``km`` (great-circle) and their distances, in no particular order."""
        if self.tree is None or math.isnan(lat) or math.isnan(lon) or km <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        point = _unit_vectors(np.array([lat]), np.array([lon]))[0]
        radius = 2 * math.sin(min(km / EARTH_RADIUS_KM, math.pi) / 2)
        ind = np.asarray(self.tree.query_ball_point(point, r=radius), dtype=np.int64)
        chord = np.linalg.norm(self.points[ind] - point, axis=1) if len(ind) else np.empty(0)
        return self.rows[ind], _chord_to_km(chord)

    def neighbors(self, k: int) -> IntArray:
        """For each indexed row (in ``rows`` order), its ``k`` nearest other rows, -1 padded."""
        if self.tree is None or k <= 0:
            return np.empty((self.size, 0), dtype=np.int64)
        kk = min(k + 1, self.size)
        _, ind = self.tree.query(self.points, k=kk)
        neighbors = self.rows[np.asarray(ind).reshape(self.size, kk)]
        for j in range(kk):  # drop each row itself
            col = neighbors[:, j]
            neighbors[:, j] = np.where(col == self.rows, -1, col)
        out: IntArray = np.sort(neighbors, axis=1)[:, ::-1][:, :k]  # -1s last
        return out


class MatchingModel:
    """Candidate generation plus a learned ranker; ``fit`` then ``recommend``.

    ``query_mode="user"``: one list per user, what they have not seen yet
    (a feed). ``query_mode="event"``: a list per event within the event's
    category (which seller for this purchase); the ranker is then trained on
    held-out events with their category.
    """

    def __init__(self, config: ModelConfig | None = None) -> None:
        self.config = config or ModelConfig()
        self.query_mode: QueryMode = "user"
        self.exclude_seen = True
        self.ranker: HistGradientBoostingClassifier | None = None
        self.signals: _Signals | None = None
        self.training_info: dict[str, object] = {}
        self.sklearn_version = sklearn.__version__
        self._user_index: dict[str, int] = {}
        self._user_ids: list[str] = []
        self._item_index: dict[str, int] = {}
        self._category_index: dict[str, int] = {}
        self.active_features: IntArray = np.arange(len(FEATURES), dtype=np.int64)

    # --- training -----------------------------------------------------------------------

    def fit(
        self,
        train: Interactions,
        items: ItemTable,
        *,
        query_mode: QueryMode = "user",
        exclude_seen: bool = True,
    ) -> Self:
        """Train the ranker on an inner split of ``train``, then index all of ``train``."""
        self.query_mode = query_mode
        self.exclude_seen = exclude_seen
        xs: list[FloatArray] = []
        ys: list[IntArray] = []
        label_events = 0
        for split, (base_rows, label_rows) in enumerate(self._inner_splits(train)):
            base = train.subset(base_rows)
            labels = train.subset(label_rows)
            inner = self._build_signals(base, items)
            x_split, y_split = self._training_rows(inner, labels, seed=self.config.seed + split)
            xs.append(x_split)
            ys.append(y_split)
            label_events += int(label_rows.sum())
        x, y = np.vstack(xs), np.concatenate(ys)
        if y.min() == y.max():
            raise ValueError("the inner split gave a single class; too little data")
        self.ranker = HistGradientBoostingClassifier(
            learning_rate=self.config.learning_rate,
            max_iter=self.config.max_iter,
            max_leaf_nodes=self.config.max_leaf_nodes,
            min_samples_leaf=self.config.min_samples_leaf,
            l2_regularization=self.config.l2_regularization,
            early_stopping="auto",  # on above 10,000 rows
            validation_fraction=0.15,
            n_iter_no_change=20,
            random_state=self.config.seed,
        )
        # a feature the data cannot provide (no prices, no categories) is left out
        wanted = np.array(
            [self.config.features is None or f in self.config.features for f in FEATURES]
        )
        self.active_features = np.flatnonzero(~np.isnan(x).all(axis=0) & wanted).astype(np.int64)
        if self.config.monotonic:
            self.ranker.set_params(
                monotonic_cst=[1 if FEATURES[j] in INCREASING else 0 for j in self.active_features]
            )
        with _threads(self.config.threads):
            self.ranker.fit(x[:, self.active_features], y)
        self.training_info = {
            "events": len(train),
            "inner_splits": len(xs),
            "inner_label_events": label_events,
            "ranker_rows": len(y),
            "ranker_positives": int(y.sum()),
            "ranker_iterations": int(self.ranker.n_iter_),
        }
        self._index(train, items)
        return self

    def reindex(self, train: Interactions, items: ItemTable) -> Self:
        """Keep the trained ranker; rebuild every signal from ``train`` (new events, new items).

        Far cheaper than ``fit`` (no inner splits, no ranker training): the ranker
        learned how to weigh the signals, which changes slowly; the signals (who
        engaged with what, where) change every day.
        """
        self._ready()
        self._index(train, items)
        self.training_info = {**self.training_info, "events": len(train), "reindexed": True}
        return self

    def _index(self, train: Interactions, items: ItemTable) -> None:
        self.signals = self._build_signals(train, items)
        self.signals.place_neighbors(self.config.n_near_history)  # now, not on a request
        self._user_index = {u: i for i, u in enumerate(train.users)}
        self._user_ids = list(train.users)
        self._item_index = items.index_of()
        self._category_index = {c: i for i, c in enumerate(items.categories)}

    def _build_signals(self, train: Interactions, items: ItemTable) -> _Signals:
        return _Signals.build(
            train,
            items,
            half_life_days=self.config.half_life_days,
            n_components=self.config.n_components,
            seed=self.config.seed,
        )

    def _inner_splits(self, train: Interactions) -> list[tuple[np.ndarray, np.ndarray]]:
        """(kept, held-out) event masks for training the ranker.

        Timed events: rolling windows, each holding out the next ``holdout`` share
        of time and keeping everything before it. Untimed: a random ``holdout``
        share of each user's events, redrawn per split.
        """
        holdout = self.config.holdout
        splits: list[tuple[np.ndarray, np.ndarray]] = []
        for n in range(self.config.inner_splits):
            if train.time is not None:
                lo = np.quantile(train.time, max(1 - holdout * (n + 1), 0.0))
                hi = np.quantile(train.time, 1 - holdout * n)
                label = (train.time >= lo) & ((train.time < hi) if n else True)
                base = train.time < lo
                if base.any() and label.any():
                    splits.append((base, label))
                continue
            rng = np.random.default_rng(self.config.seed + 1 + n)
            label = np.zeros(len(train), dtype=bool)
            order = np.argsort(train.user, kind="stable")
            bounds = np.flatnonzero(np.diff(train.user[order])) + 1
            for rows in np.split(order, bounds) if len(order) else []:
                k = min(round(holdout * len(rows)), len(rows) - 1)
                if k > 0:
                    label[rng.choice(rows, size=k, replace=False)] = True
            splits.append((~label, label))
        if not splits:
            raise ValueError("too little data to hold any events out for the ranker")
        return splits

    def _training_rows(
        self, inner: _Signals, labels: Interactions, *, seed: int
    ) -> tuple[FloatArray, IntArray]:
        rng = np.random.default_rng(seed)
        xs: list[FloatArray] = []
        ys: list[IntArray] = []
        homes = inner.homes
        if self.query_mode == "user":
            targets_by_user: dict[int, set[int]] = {}
            for u, i in zip(labels.user.tolist(), labels.item.tolist(), strict=True):
                targets_by_user.setdefault(u, set()).add(i)
            queries = [
                (Request(user=u, lat=float(homes[u, 0]), lon=float(homes[u, 1])), targets)
                for u, targets in sorted(targets_by_user.items())
            ]
        else:
            assert labels.category is not None, "event queries need event categories"
            queries = []
            for u, i, c in zip(
                labels.user.tolist(), labels.item.tolist(), labels.category.tolist(), strict=True
            ):
                lat, lon = (
                    (float(labels.home[u, 0]), float(labels.home[u, 1]))
                    if labels.home is not None
                    else (float(homes[u, 0]), float(homes[u, 1]))
                )
                queries.append((Request(user=u, lat=lat, lon=lon, category=c), {i}))
        if len(queries) > self.config.max_queries_per_split:
            # the ranker has a few dozen parameters' worth to learn: a sample of lists is
            # enough, and it bounds training time on a large event log
            keep = rng.choice(len(queries), size=self.config.max_queries_per_split, replace=False)
            queries = [queries[j] for j in sorted(keep.tolist())]
        batch = _factor_batch(inner.n_items)
        factors: npt.NDArray[np.float32] | None = None
        for n, (request, targets) in enumerate(queries):
            history = inner.index.history(request.user)
            if n % batch == 0 and self.query_mode == "user":
                upcoming = [inner.index.history(r.user) for r, _ in queries[n : n + batch]]
                factors = inner.factor_scores(upcoming)
            exclude = history if self.exclude_seen else np.empty(0, dtype=np.int64)
            cands, x, _ = inner.candidates(
                request,
                history,
                exclude,
                self.config,
                factor=factors[n % batch] if factors is not None else None,
            )
            if len(cands) == 0:
                continue
            y = np.fromiter((c in targets for c in cands.tolist()), dtype=bool, count=len(cands))
            if not y.any():
                continue  # nothing to learn from a query whose answer was not generated
            neg = np.flatnonzero(~y)
            if len(neg) > self.config.negatives_per_query:
                neg = rng.choice(neg, size=self.config.negatives_per_query, replace=False)
            keep = np.concatenate([np.flatnonzero(y), neg])
            xs.append(x[keep].astype(np.float32))  # halves the memory of a large log
            ys.append(y[keep].astype(np.int64))
        if not xs:
            return np.empty((0, len(FEATURES))), np.empty(0, dtype=np.int64)
        return np.vstack(xs), np.concatenate(ys)

    # --- serving ------------------------------------------------------------------------

    def _ready(self) -> tuple[_Signals, HistGradientBoostingClassifier]:
        if self.signals is None or self.ranker is None:
            raise RuntimeError("MatchingModel is not fitted")
        return self.signals, self.ranker

    def _candidates(
        self,
        request: Request,
        extra_history: IntArray,
        extra_exclude: IntArray,
        exclude_seen: bool,
        factor: npt.NDArray[np.float32] | None = None,
    ) -> tuple[IntArray, FloatArray, dict[str, IntArray]]:
        signals, _ = self._ready()
        history = signals.index.history(request.user)
        if len(extra_history):
            history = np.unique(np.concatenate([history, extra_history]))
        exclude = history if exclude_seen else np.empty(0, dtype=np.int64)
        if len(extra_exclude):
            exclude = np.concatenate([exclude, extra_exclude])
        return signals.candidates(request, history, exclude, self.config, factor=factor)

    def _order(self, cands: IntArray, scores: FloatArray, k: int) -> IntArray:
        signals, _ = self._ready()
        order: IntArray = np.lexsort((-signals.popularity[cands], -scores))[:k].astype(np.int64)
        return order

    def recommend_batch(
        self,
        requests: Sequence[Request],
        k: int,
        *,
        exclude_seen: bool | None = None,
        chunk: int = 256,
    ) -> list[IntArray]:
        """Item indexes for each request, best first (the evaluation's entry point)."""
        signals, ranker = self._ready()
        exclude = self.exclude_seen if exclude_seen is None else exclude_seen
        empty = np.empty(0, dtype=np.int64)
        out: list[IntArray] = []
        chunk = min(chunk, _factor_batch(signals.n_items))
        for start in range(0, len(requests), chunk):
            part = requests[start : start + chunk]
            factors = (
                signals.factor_scores([signals.index.history(r.user) for r in part])
                if any(r.category < 0 for r in part)
                else None
            )
            found = [
                self._candidates(
                    r, empty, empty, exclude, factors[j] if factors is not None else None
                )[:2]
                for j, r in enumerate(part)
            ]
            sizes = [len(c) for c, _ in found]
            if sum(sizes) == 0:
                out.extend(empty for _ in found)
                continue
            x = np.vstack([f for _, f in found])
            with _threads(self.config.threads):
                scores = ranker.predict_proba(x[:, self.active_features])[:, 1]
            bounds = np.cumsum([0, *sizes])
            for (cands, _), lo, hi in zip(found, bounds[:-1], bounds[1:], strict=True):
                out.append(cands[self._order(cands, scores[lo:hi], k)])
        return out

    def recommend(
        self,
        user: str | None,
        k: int = 10,
        *,
        exclude: Iterable[str] = (),
        history: Iterable[str] = (),
        home: tuple[float, float] | None = None,
        category: str | None = None,
        allowed: npt.NDArray[np.bool_] | None = None,
    ) -> list[Recommendation]:
        """The top ``k`` items for a user (or an anonymous visitor with a home).

        ``history`` adds items engaged with since training (a new favourite
        changes the feed at once); ``exclude`` removes items (own listings);
        ``allowed`` (a flag per item, in ``ItemTable`` order) removes many at once
        (everything no longer on sale) without a lookup per item.
        """
        signals, _ = self._ready()
        user_index = self._user_index.get(user, NO_USER) if user is not None else NO_USER
        item_index = self._item_index
        cat = NO_CATEGORY
        if category is not None:
            cat = self._category_index.get(category, NO_CATEGORY)
            if cat == NO_CATEGORY:
                return []
        lat, lon = home if home is not None else (math.nan, math.nan)
        request = Request(user=user_index, lat=lat, lon=lon, category=cat)
        extra_history = np.array(
            [item_index[i] for i in history if i in item_index], dtype=np.int64
        )
        extra_exclude = np.array(
            [item_index[i] for i in exclude if i in item_index], dtype=np.int64
        )
        cands, x, sources = self._candidates(
            request, extra_history, extra_exclude, self.exclude_seen
        )
        if allowed is not None and len(cands):
            keep = allowed[cands]
            cands, x = cands[keep], x[keep]
        all_scores = np.empty(0)
        if len(cands):
            with _threads(self.config.threads):
                all_scores = self._ready()[1].predict_proba(x[:, self.active_features])[:, 1]
        order = self._order(cands, all_scores, k)
        ranked, scores = cands[order], all_scores[order]
        if math.isnan(lat) and 0 <= user_index < len(signals.homes):
            lat, lon = float(signals.homes[user_index, 0]), float(signals.homes[user_index, 1])
        distances = haversine_km(
            np.full(len(ranked), lat),
            np.full(len(ranked), lon),
            signals.items.lat[ranked],
            signals.items.lon[ranked],
        )
        proposed = {
            name: set(found.tolist()) & set(ranked.tolist()) for name, found in sources.items()
        }
        return [
            Recommendation(
                item_id=signals.items.ids[item],
                score=float(score),
                distance_km=None if math.isnan(d) else round(float(d), 3),
                reasons=tuple(REASONS[name] for name, found in proposed.items() if item in found),
            )
            for item, score, d in zip(
                ranked.tolist(), scores.tolist(), distances.tolist(), strict=True
            )
        ]

    def similar_items(self, item: str, k: int = 10) -> list[tuple[str, float]]:
        """Items most often engaged with by the same people (cosine), best first."""
        signals, _ = self._ready()
        i = self._item_index.get(item)
        if i is None:
            return []
        sims = signals.similar_to(i)
        top = _top(sims, k)
        return [(signals.items.ids[j], float(sims[j])) for j in top.tolist()]

    def item_row(self, item: str) -> int | None:
        """The row of an item in the ``ItemTable`` the model was indexed with."""
        return self._item_index.get(item)

    def audience(
        self,
        *,
        lat: float,
        lon: float,
        radius_km: float,
        item: str | None = None,
        categories: Mapping[str, float] | None = None,
        price: float | None = None,
        exclude_users: Iterable[str] = (),
        min_score: float = 0.1,
    ) -> list[tuple[str, float, float]]:
        """People living within ``radius_km`` whose interests fit an item: (user, km, score).

        The score is the weighted share of a person's events in ``categories``
        (e.g. the item's own category 1, its sibling categories less) plus, for an
        item the model knows, the summed cosine similarity of the item to the
        person's items (capped at 1); a price far from what the person usually
        looks at (beyond a factor of 2) lowers it. The item need not be known: a
        new listing is matched on its categories, price and place. Best first.
        """
        signals, _ = self._ready()
        rows, km = signals.home_places.within(lat, lon, radius_km)
        if len(rows) == 0:
            return []
        score = np.zeros(len(rows))
        shares = signals.user_categories[rows]
        for category, weight in (categories or {}).items():
            cat = self._category_index.get(category)
            if cat is not None and cat < shares.shape[1]:
                score += weight * shares[:, cat].toarray().ravel()
        i = self._item_index.get(item) if item is not None else None
        if i is not None:
            similar = signals.similar_to(i)
            score += np.minimum(np.asarray(signals.user_items[rows] @ similar).ravel(), 1.0)
        if price is not None and price > 0:
            gap = np.abs(math.log(price) - signals.user_log_price[rows])
            fit = np.exp(-np.maximum(gap - math.log(2.0), 0.0))
            score *= np.where(np.isnan(fit), 1.0, fit)
        excluded = [self._user_index[u] for u in exclude_users if u in self._user_index]
        keep = (score >= min_score) & ~np.isin(rows, excluded)
        order = np.flatnonzero(keep)
        order = order[np.argsort(-score[order], kind="stable")]
        return [
            (self._user_ids[int(rows[j])], float(km[j]), float(score[j])) for j in order.tolist()
        ]

    # --- identity and persistence -------------------------------------------------------

    def save(self, path: Path) -> None:
        """One joblib file; load it only from a trusted source with the same scikit-learn."""
        joblib.dump(self, path)

    @classmethod
    def load(cls, path: Path) -> MatchingModel:
        model = joblib.load(path)
        if not isinstance(model, cls):
            raise TypeError(f"{path} does not hold a MatchingModel")
        cls.check_version(model, path)
        return model

    @staticmethod
    def check_version(model: MatchingModel, path: Path) -> None:
        """Refuse a model pickled by another scikit-learn: its trees may not read back right."""
        if model.sklearn_version != sklearn.__version__:
            raise RuntimeError(
                f"{path} was trained with scikit-learn {model.sklearn_version}, "
                f"this is {sklearn.__version__}: retrain it"
            )
