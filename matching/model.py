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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import joblib
import numpy as np
import numpy.typing as npt
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier

from matching.core import (
    NO_CATEGORY,
    NO_USER,
    FloatArray,
    IntArray,
    Interactions,
    ItemTable,
    Request,
)
from matching.geo import haversine_km
from matching.signals import (
    FEATURES,
    INCREASING,
    ModelConfig,
    QueryMode,
    Signals,
    factor_batch,
    threads,
    top_indices,
)
from matching.sphere import SphereIndex

__all__ = ["REASONS", "MatchingModel", "ModelConfig", "Recommendation", "SphereIndex"]

# Artifacts pickled before the signals had a module of their own name them here.
_Signals = Signals

REASONS = {
    "similar": "like items you engaged with",
    "people": "liked by people with similar taste",
    "popular": "popular",
    "popular_nearby": "popular near you",
    "near": "near you",
    "category": "in the category you asked for",
}


@dataclass(frozen=True)
class Recommendation:
    item_id: str
    score: float
    distance_km: float | None
    reasons: tuple[str, ...]


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
        self.signals: Signals | None = None
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
        with threads(self.config.threads):
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

    def _build_signals(self, train: Interactions, items: ItemTable) -> Signals:
        return Signals.build(
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
        self, inner: Signals, labels: Interactions, *, seed: int
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
        batch = factor_batch(inner.n_items)
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

    def _ready(self) -> tuple[Signals, HistGradientBoostingClassifier]:
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
        chunk = min(chunk, factor_batch(signals.n_items))
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
            with threads(self.config.threads):
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
            with threads(self.config.threads):
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
        top = top_indices(sims, k)
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
