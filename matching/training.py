"""``resale train``: the matching model fitted on the marketplace's own data.

What the model learns from (``load_market``):

- items: every listing that was ever published (active, reserved, sold or
  withdrawn: what people did with a sold item still says what goes together),
  with its public point, its category and its price in euros;
- events of signed-in people: views (weight 1), favourites (3) and orders (5);
  un-favouriting and the views of visitors who are not signed in carry no person
  to learn about and are left out (popularity in the fallback counts them);
- each person's home, where they set one (else the model estimates it from the
  places of what they looked at).

Each is asked of the area that owns it, in one read of each table:
``listings.activity`` (published_ever, signed_in_events, high_marks),
``resale.trade.orders.service.purchases`` and ``resale.users.service.every_home``.
Saved searches are not items; the feed and the notifications ask for them
(``matching.feed``, ``matching.notices``). Listing text, brand and condition are not
model inputs either: ``matching.similar`` compares them when it ranks similar items.

The last item of each person is held out, the model is fitted on the rest and
scored on it against the popularity baseline (Recall@10 / NDCG@10): a check that
it beats the obvious list on this marketplace's own data. That fitted ranker is
then kept and every signal is rebuilt from all the events (``reindex``), so the
held-out items still count and the ranker is trained once, not twice. The artifact
is written to a temporary file beside the target and moved over it with
``os.replace`` (readers never see half a file), then the metadata JSON the same
way; ``matching.serving`` watches the JSON and swaps the new model in.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import numpy.typing as npt
from sqlalchemy.engine import Engine
from sqlmodel import Session

from carbon import currencies
from listings import activity as listings_activity
from matching.baselines import PopularityBaseline
from matching.core import IntArray, Interactions, ItemTable, Query, Request
from matching.metrics import per_query
from matching.model import MatchingModel, ModelConfig
from resale.core.config import settings
from resale.trade.orders import service as orders_service
from resale.users import service as users_service

FORMAT = 1
ARTIFACT_NAME = "matching.joblib"
METADATA_NAME = "matching.json"
WEIGHTS = {"view": 1.0, "favorite": 3.0, "order": 5.0}
# The marketplace's settings: the evaluation defaults (ModelConfig()) with fewer
# candidates per list and half as many (twice as large) boosting steps. On a synthetic
# marketplace of 300,000 events and 130,000 listings the held-out Recall@10 stayed
# the same (.120 vs .119; NDCG@10 .070 vs .074, within the noise of 1,000 people)
# while a feed's model time fell from 18.6 to 10.7 ms (p50): the feed must answer
# within 30 ms at 100,000 listings.
MARKETPLACE_CONFIG = ModelConfig(
    n_similar=200,
    n_people=200,
    n_factor=100,
    max_history_places=20,
    max_iter=150,
    learning_rate=0.1,
)
VALIDATION_K = 10
MAX_VALIDATION_USERS = 1000

BoolArray = npt.NDArray[np.bool_]
Progress = Callable[[str], None]


class TrainingError(Exception):
    """The model cannot be trained (e.g. too little data); the message says why."""


def default_artifact_path() -> Path:
    """Where ``resale train`` writes and the app reads the model, unless told otherwise."""
    return settings.data_dir / "models" / ARTIFACT_NAME


def metadata_path(artifact: Path) -> Path:
    """The metadata JSON that goes with an artifact (``matching.json`` beside ``matching.joblib``)."""
    return artifact.with_suffix(".json")


@dataclass(eq=False)
class Artifact:
    """What ``resale train`` writes: the fitted model and what serving needs besides it."""

    model: MatchingModel
    listing_ids: IntArray  # the listing id of each of the model's items
    active: BoolArray  # on sale when the data was read (others are never recommended)
    metadata: dict[str, Any]

    @property
    def artifact_id(self) -> str:
        return str(self.metadata["artifact_id"])

    def save(self, path: Path) -> None:
        """Write the artifact, then its metadata JSON, each atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.metadata["artifact"] = path.name
        _atomic_write(path, lambda f: joblib.dump(self, f))
        text = json.dumps(self.metadata, indent=2, sort_keys=True, default=str).encode()
        _atomic_write(metadata_path(path), lambda f: f.write(text))

    @classmethod
    def load(cls, path: Path) -> Artifact:
        """Read an artifact written by ``save``; only ever from a trusted location."""
        artifact = joblib.load(path)
        if not isinstance(artifact, cls):
            raise TypeError(f"{path} does not hold a matching artifact")
        if artifact.metadata.get("format") != FORMAT:
            raise RuntimeError(f"{path} has artifact format {artifact.metadata.get('format')}")
        MatchingModel.check_version(artifact.model, path)
        return artifact


def _atomic_write(path: Path, write: Callable[[Any], object]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- reading the marketplace ------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MarketData:
    """The marketplace as the model sees it, plus the snapshot the metadata records."""

    items: ItemTable
    interactions: Interactions
    listing_ids: IntArray
    active: BoolArray
    snapshot: dict[str, Any]


def load_market(*, session: Session) -> MarketData:
    """Items, events and homes from the database (one read of each table)."""
    read_at = datetime.now(UTC)
    found = _load_items(session)
    user_col, item_col, kinds, time_col = _load_interactions(session, found.row_of)
    high_marks = _high_marks(session)
    user_ids = np.unique(np.array(user_col, dtype=np.int64))
    user_index = np.searchsorted(user_ids, np.array(user_col, dtype=np.int64))
    homes, total_users = _load_homes(session, user_ids)
    item = np.array(item_col, dtype=np.int64)
    kind_array = np.array(kinds)
    interactions = Interactions(
        users=[str(u) for u in user_ids.tolist()],
        user=user_index.astype(np.int64),
        item=item,
        weight=np.array([WEIGHTS[k] for k in kinds], dtype=np.float64),
        category=found.category[item],
        price=found.price[item],
        time=np.array(time_col, dtype=np.float64),
        home=homes,
    )
    max_event_at = high_marks.pop("max_event_at")
    snapshot = {
        "read_at": read_at.isoformat(),  # listings published later are new to the model
        "listings": len(found.listing_ids),
        "active_listings": int(found.active.sum()),
        "max_listing_id": high_marks.pop("max_listing_id"),
        "users": total_users,
        "people_with_events": len(user_ids),
        "people_with_home": int((~np.isnan(homes[:, 0])).sum()),
        "events": len(item),
        "views": int((kind_array == "view").sum()),
        "favorites": int((kind_array == "favorite").sum()),
        "orders": int((kind_array == "order").sum()),
        "interaction_events_total": int(high_marks.pop("all_events")),
        "anonymous_views_left_out": int(high_marks.pop("anonymous") or 0),
        "max_event_id": high_marks.pop("max_event_id"),
        "max_event_at": max_event_at.isoformat() if max_event_at is not None else None,
        "max_order_id": high_marks.pop("max_order_id"),
    }
    return MarketData(
        items=found.items,
        interactions=interactions,
        listing_ids=found.listing_ids,
        active=found.active,
        snapshot=snapshot,
    )


@dataclass(frozen=True, eq=False)
class _FoundItems:
    items: ItemTable
    listing_ids: IntArray
    category: IntArray
    price: npt.NDArray[np.float64]
    active: npt.NDArray[np.bool_]
    row_of: dict[int, int]  # listing id -> row in the item table


def _load_items(session: Session) -> _FoundItems:
    """Every published listing, in id order, as the model's item table."""
    rows = listings_activity.published_ever(session=session)
    listing_ids = np.array([r[0] for r in rows], dtype=np.int64)
    lat = np.array([np.nan if r[1] is None else r[1] for r in rows], dtype=np.float64)
    lon = np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=np.float64)
    categories = sorted({r[3] for r in rows})
    category_code = {c: i for i, c in enumerate(categories)}
    category = np.array([category_code[r[3]] for r in rows], dtype=np.int64)
    price = np.array([currencies.in_euros(r[4], r[5]) for r in rows], dtype=np.float64)
    status = [r[6] for r in rows]
    items = ItemTable(
        ids=[str(i) for i in listing_ids.tolist()],
        lat=lat,
        lon=lon,
        category=category,
        price=price,
        categories=categories,
    )
    return _FoundItems(
        items=items,
        listing_ids=listing_ids,
        category=category,
        price=price,
        active=np.array([s == "active" for s in status], dtype=bool),
        row_of={int(i): n for n, i in enumerate(listing_ids.tolist())},
    )


def _load_interactions(
    session: Session, row_of: dict[int, int]
) -> tuple[list[int], list[int], list[str], list[float]]:
    """Signed-in events and purchases on published listings: users, rows, kinds, times."""
    event_rows = listings_activity.signed_in_events(session=session)
    order_rows = [
        (p.buyer_id, p.listing_id, p.at.timestamp())
        for p in orders_service.purchases(session=session)
    ]
    kinds: list[str] = []
    user_col: list[int] = []
    item_col: list[int] = []
    time_col: list[float] = []
    for user_id, listing_id, kind, at in event_rows:
        row = row_of.get(listing_id)
        if row is None:  # a draft's events (from before it was withdrawn to draft)
            continue
        user_col.append(user_id)
        item_col.append(row)
        kinds.append(kind)
        time_col.append(at)
    for buyer_id, listing_id, at in order_rows:
        row = row_of.get(listing_id)
        if row is None:
            continue
        user_col.append(buyer_id)
        item_col.append(row)
        kinds.append("order")
        time_col.append(float(at))
    return user_col, item_col, kinds, time_col


def _high_marks(session: Session) -> dict[str, Any]:
    """The newest ids and times the model has seen, and how many events it left out."""
    marks = listings_activity.high_marks(session=session)
    return {
        "max_event_id": marks.max_event_id,
        "max_event_at": marks.max_event_at,
        "all_events": marks.all_events,
        "anonymous": marks.anonymous_events,
        "max_order_id": orders_service.last_order_id(session=session),
        "max_listing_id": marks.max_listing_id,
    }


def _load_homes(session: Session, user_ids: IntArray) -> tuple[npt.NDArray[np.float64], int]:
    """Each person's home point (NaN when unknown), and how many users there are in all."""
    homes = np.full((len(user_ids), 2), np.nan)
    wanted = set(user_ids.tolist())
    total_users = 0
    for uid, ulat, ulon in users_service.every_home(session=session):
        total_users += 1
        if uid in wanted and ulat is not None and ulon is not None:
            homes[int(np.searchsorted(user_ids, uid))] = (ulat, ulon)
    return homes, total_users


# --- validation: the last item of each person ----------------------------------------------


def last_item_split(
    data: Interactions, *, max_users: int = MAX_VALIDATION_USERS, seed: int = 0
) -> tuple[Interactions, list[Query]]:
    """Hold out each person's most recent item (every event on it), for people with another.

    Returns the training part and one query per held-out person (at most ``max_users``,
    a seeded sample).
    """
    if data.time is None or len(data) == 0:
        return data, []
    order = np.lexsort((data.time, data.user))
    user_sorted = data.user[order]
    last = order[np.r_[np.flatnonzero(np.diff(user_sorted)), len(order) - 1]]
    users, targets = data.user[last], data.item[last]
    # people with at least one other item keep something to learn from
    distinct = np.unique(np.column_stack([data.user, data.item]), axis=0)
    n_items = np.bincount(distinct[:, 0], minlength=data.n_users)
    ok = n_items[users] >= 2
    users, targets = users[ok], targets[ok]
    if len(users) > max_users:
        keep = np.sort(np.random.default_rng(seed).choice(len(users), max_users, replace=False))
        users, targets = users[keep], targets[keep]
    held = np.zeros(data.n_users, dtype=np.int64) - 1
    held[users] = targets
    test_rows = held[data.user] == data.item
    train = data.subset(~test_rows)
    homes = data.home
    queries = [
        Query(
            request=Request(
                user=int(u),
                lat=float(homes[u, 0]) if homes is not None else math.nan,
                lon=float(homes[u, 1]) if homes is not None else math.nan,
            ),
            targets=frozenset({int(t)}),
            n_targets=1,
            group=int(u),
        )
        for u, t in zip(users.tolist(), targets.tolist(), strict=True)
    ]
    return train, queries


def validate(
    data: MarketData, config: ModelConfig, *, progress: Progress = lambda _: None
) -> tuple[MatchingModel | None, dict[str, Any]]:
    """Fit without each person's last item; Recall@10 / NDCG@10 of it and of popularity there."""
    train, queries = last_item_split(data.interactions, seed=config.seed)
    if len(queries) < 5:
        return None, {"skipped": f"{len(queries)} people with two or more items; need 5"}
    progress(f"validation: fitting on {len(train)} events, {len(queries)} held-out items")
    try:
        model = MatchingModel(config).fit(train, data.items, query_mode="user", exclude_seen=True)
    except ValueError as exc:
        return None, {"skipped": f"too little data for a held-out fit: {exc}"}
    progress("validation: ranking the held-out people's lists")
    requests = [q.request for q in queries]
    popularity = PopularityBaseline().fit(train, data.items)
    scores: dict[str, Any] = {
        "split": "each person's most recent item held out (people with two or more items)",
        "people": len(queries),
        "k": VALIDATION_K,
    }
    for name, lists in (
        ("model", model.recommend_batch(requests, VALIDATION_K, exclude_seen=True)),
        ("popularity", popularity.recommend_batch(requests, VALIDATION_K, exclude_seen=True)),
    ):
        figures = per_query(lists, queries, VALIDATION_K)
        scores[name] = {
            f"recall@{VALIDATION_K}": round(float(figures[f"recall@{VALIDATION_K}"].mean()), 4),
            f"ndcg@{VALIDATION_K}": round(float(figures[f"ndcg@{VALIDATION_K}"].mean()), 4),
        }
    return model, scores


# --- the whole run -------------------------------------------------------------------------


def train(
    *,
    engine: Engine,
    out: Path | None = None,
    config: ModelConfig | None = None,
    with_validation: bool = True,
    progress: Progress = lambda _: None,
) -> Artifact:
    """Read the database, validate, fit, and write the artifact and its metadata."""
    out = out or default_artifact_path()
    started = time.perf_counter()
    progress("reading listings, events, orders and homes")
    with Session(engine) as session:
        data = load_market(session=session)
    snap = data.snapshot
    progress(
        f"{snap['events']} events ({snap['views']} views, {snap['favorites']} favourites, "
        f"{snap['orders']} orders) from {snap['people_with_events']} people on "
        f"{snap['listings']} listings ({snap['active_listings']} active)"
    )
    artifact = fit_artifact(
        data,
        config=config,
        with_validation=with_validation,
        progress=progress,
        read_seconds=time.perf_counter() - started,
    )
    t0 = time.perf_counter()
    artifact.save(out)
    progress(f"wrote {out} and {metadata_path(out).name} in {time.perf_counter() - t0:.1f}s")
    return artifact


def fit_artifact(
    data: MarketData,
    *,
    config: ModelConfig | None = None,
    with_validation: bool = True,
    progress: Progress = lambda _: None,
    read_seconds: float = 0.0,
) -> Artifact:
    """Validate and fit on data already read; the artifact with its metadata (not written)."""
    config = config or MARKETPLACE_CONFIG
    started = time.perf_counter()
    seconds: dict[str, float] = {"read": read_seconds}
    if len(data.interactions) == 0:
        raise TrainingError("no events to learn from yet (views, favourites or orders)")

    validation: dict[str, Any] = {"skipped": "not asked for"}
    model: MatchingModel | None = None
    if with_validation:
        t0 = time.perf_counter()
        model, validation = validate(data, config, progress=progress)
        seconds["fit_and_validation"] = time.perf_counter() - t0
        if model is not None:
            progress(
                f"validation: model {validation['model']}, popularity {validation['popularity']}"
            )
        else:
            progress(f"validation skipped: {validation['skipped']}")

    t0 = time.perf_counter()
    if model is not None:
        progress(f"keeping that ranker; indexing all {len(data.interactions)} events")
        ranker_events = model.training_info["events"]
        model.reindex(data.interactions, data.items)
        model.training_info["ranker_trained_on_events"] = ranker_events
        seconds["reindex"] = time.perf_counter() - t0
    else:
        progress(f"fitting on all {len(data.interactions)} events")
        try:
            model = MatchingModel(config).fit(
                data.interactions, data.items, query_mode="user", exclude_seen=True
            )
        except ValueError as exc:
            raise TrainingError(f"too little data to train the model: {exc}") from exc
        seconds["fit"] = time.perf_counter() - t0
    seconds["total"] = read_seconds + time.perf_counter() - started

    import scipy
    import sklearn

    metadata: dict[str, Any] = {
        "format": FORMAT,
        "artifact_id": uuid.uuid4().hex,
        "artifact": ARTIFACT_NAME,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit_learn": sklearn.__version__,
            "joblib": joblib.__version__,
        },
        "data": data.snapshot,
        "config": dataclasses.asdict(config),
        "training": dict(model.training_info),
        "validation": validation,
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
    }
    return Artifact(
        model=model, listing_ids=data.listing_ids, active=data.active, metadata=metadata
    )
