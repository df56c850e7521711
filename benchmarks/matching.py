"""The recommendation model at scale: training time and memory, feed latency.

    python benchmarks/matching.py                       # 1,000,000 events, 100,000 active listings
    python benchmarks/matching.py --events 100000 --listings 20000 --buyers 2000 --repeat 200
    python benchmarks/matching.py --reuse               # keep the generated database

It generates a synthetic marketplace into SQLite (var/bench/matching-<events>.db):
buyers living around the neighbourhoods of ``resale.core.geo.PLACES`` with two or three
favourite category groups, listings around the same places (a share of them sold or
withdrawn), and an event log of views, favourites and orders that follows taste,
distance and a skewed item popularity. Then:

1. ``resale train`` runs in a subprocess (``matching.training.train`` on that
   database): wall time of each step and the peak RSS of the process (getrusage).
2. ``matching.serving`` loads the artifact and ``matching.service.feed`` is timed
   for random buyers, the same code path as ``GET /api/v1/recommendations/feed``
   (model + cold start + cards from the database), p50/p95/p99 over ``--repeat``
   calls after a warm-up; ``similar`` and ``interested_buyers`` the same way.

Figures are printed (and written with ``--json``); nothing is asserted. The machine
is shared: quote medians of repeated runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RESALE_ENV", "development")

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from resale.core import taxonomy  # noqa: E402
from resale.core.geo import PLACES  # noqa: E402

DAY = 86400.0
HISTORY_DAYS = 180


@dataclass(frozen=True)
class World:
    """A synthetic marketplace as columns (numpy arrays), ready to be written to a database."""

    user_lat: npt.NDArray[np.float64]
    user_lon: npt.NDArray[np.float64]
    user_place: npt.NDArray[np.int64]
    listing_seller: npt.NDArray[np.int64]  # user index
    listing_category: npt.NDArray[np.int64]  # index into taxonomy.LEAVES
    listing_lat: npt.NDArray[np.float64]
    listing_lon: npt.NDArray[np.float64]
    listing_place: npt.NDArray[np.int64]
    listing_price_cents: npt.NDArray[np.int64]
    listing_status: npt.NDArray[np.str_]
    listing_published: npt.NDArray[np.float64]  # seconds since the epoch
    event_user: npt.NDArray[np.int64]
    event_listing: npt.NDArray[np.int64]
    event_kind: npt.NDArray[np.str_]  # view / favorite / order
    event_time: npt.NDArray[np.float64]


def synthetic_world(
    *, listings: int, active: int, buyers: int, events: int, seed: int = 0
) -> World:
    """Buyers with homes and tastes, listings around the same places, events that follow both."""
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC).timestamp()
    leaves = taxonomy.LEAVES
    parents = [p.slug for p in taxonomy.PARENTS]
    leaf_group = np.array([parents.index(leaf.parent or "") for leaf in leaves])
    n_groups = len(parents)
    place_lat = np.array([p.lat for p in PLACES])
    place_lon = np.array([p.lon for p in PLACES])
    place_weight = np.array(
        [3.0 if p.city in {"Paris", "London", "Berlin"} else 2.0 for p in PLACES]
    )
    place_weight /= place_weight.sum()
    city_names = sorted({p.city for p in PLACES})
    place_city = np.array([city_names.index(p.city) for p in PLACES])

    # buyers (who also sell)
    user_place = rng.choice(len(PLACES), size=buyers, p=place_weight)
    user_lat = place_lat[user_place] + rng.normal(0, 0.02, buyers)
    user_lon = place_lon[user_place] + rng.normal(0, 0.03, buyers)
    interests = np.stack([rng.permutation(n_groups)[:3] for _ in range(buyers)])
    n_interests = rng.integers(2, 4, buyers)

    # listings
    listing_place = rng.choice(len(PLACES), size=listings, p=place_weight)
    listing_lat = np.round(place_lat[listing_place] + rng.normal(0, 0.02, listings), 2)
    listing_lon = np.round(place_lon[listing_place] + rng.normal(0, 0.03, listings), 2)
    listing_category = rng.integers(0, len(leaves), listings)
    base_price = np.exp(rng.normal(3.0, 0.8, len(leaves)))  # a typical price per leaf, EUR
    listing_price_cents = np.maximum(
        100, np.round(base_price[listing_category] * np.exp(rng.normal(0, 0.5, listings)) * 100)
    ).astype(np.int64)
    listing_seller = rng.integers(0, buyers, listings)
    published = now - rng.uniform(0, HISTORY_DAYS * DAY, listings)
    status = np.full(listings, "active", dtype="<U9")
    inactive = rng.choice(listings, size=listings - active, replace=False)
    # the older listings are the ones that have gone
    inactive = inactive[np.argsort(published[inactive])]
    status[inactive] = rng.choice(
        ["sold", "withdrawn", "reserved"], len(inactive), p=[0.7, 0.2, 0.1]
    )
    appeal = rng.pareto(1.5, listings) + 0.2  # a few listings draw most of the looks

    # events: per buyer a number of events, each in a group they like (mostly) and their city
    per_buyer = np.maximum(1, rng.lognormal(np.log(events / buyers) - 0.5, 1.0, buyers))
    per_buyer = np.round(per_buyer * events / per_buyer.sum()).astype(np.int64)
    event_user = np.repeat(np.arange(buyers), per_buyer)[:events]
    if len(event_user) < events:
        event_user = np.concatenate([event_user, rng.integers(0, buyers, events - len(event_user))])
    n = len(event_user)
    likes = rng.random(n) < 0.8
    pick = (rng.random(n) * n_interests[event_user]).astype(np.int64)
    group = np.where(likes, interests[event_user, pick], rng.integers(0, n_groups, n))
    home_city = place_city[user_place[event_user]]
    city = np.where(rng.random(n) < 0.9, home_city, rng.integers(0, len(city_names), n))

    listing_city = place_city[listing_place]
    listing_group = leaf_group[listing_category]
    bucket_of_listing = listing_city * n_groups + listing_group
    order = np.argsort(bucket_of_listing, kind="stable")
    starts = np.searchsorted(bucket_of_listing[order], np.arange(len(city_names) * n_groups + 1))
    bucket = city * n_groups + group
    event_listing = np.empty(n, dtype=np.int64)
    for b in np.unique(bucket):
        rows = np.flatnonzero(bucket == b)
        members = order[starts[b] : starts[b + 1]]
        if len(members) == 0:
            members = order  # an empty bucket: anything
        cumulative = np.cumsum(appeal[members])
        # three draws by appeal, keep the one nearest the buyer's home
        draws = np.searchsorted(cumulative, rng.random((len(rows), 3)) * cumulative[-1])
        draws = members[np.minimum(draws, len(members) - 1)]
        u = event_user[rows]
        d = (listing_lat[draws] - user_lat[u, None]) ** 2 + (
            (listing_lon[draws] - user_lon[u, None]) * 0.66
        ) ** 2
        event_listing[rows] = draws[np.arange(len(rows)), np.argmin(d, axis=1)]
    # nobody looks at their own listing
    own = listing_seller[event_listing] == event_user
    event_listing[own] = (event_listing[own] + 1) % listings
    start = published[event_listing]
    event_time = start + (now - 60 - start) * rng.random(n) ** 1.6
    kind = np.where(rng.random(n) < 0.12, "favorite", "view").astype("<U8")
    # one order for most sold listings, by someone who looked at it
    sold = np.flatnonzero(status[event_listing] == "sold")
    _, first = np.unique(event_listing[sold], return_index=True)
    kind[sold[first]] = "order"
    keep = np.argsort(event_time, kind="stable")
    return World(
        user_lat=user_lat,
        user_lon=user_lon,
        user_place=user_place,
        listing_seller=listing_seller,
        listing_category=listing_category,
        listing_lat=listing_lat,
        listing_lon=listing_lon,
        listing_place=listing_place,
        listing_price_cents=listing_price_cents,
        listing_status=status,
        listing_published=published,
        event_user=event_user[keep],
        event_listing=event_listing[keep],
        event_kind=kind[keep],
        event_time=event_time[keep],
    )


# --- writing the world to a database -----------------------------------------------------


def _stamp(seconds: float) -> str:
    """SQLite's stored form of a UTC timestamp (as resale.core.db.UTCDateTime writes it)."""
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None).isoformat(sep=" ")


def write_world(engine: sa.Engine, world: World, seed: int) -> dict[str, float]:
    """Bulk-insert users, listings (one photo row each), events, favourites and orders."""
    import random

    from listings.models import Condition
    from listings.text import search_document
    from resale import demo_catalog as catalog

    assert engine.dialect.name == "sqlite", "the benchmark writes SQLite"
    timings: dict[str, float] = {}
    rng = random.Random(seed)
    leaves = taxonomy.LEAVES
    t0 = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA cache_size=-1000000")
        now = _stamp(time.time())
        users = [
            (f"Buyer {i}", f"buyer{i}@bench.resale.example", "!", False, now,
             PLACES[int(world.user_place[i])].name, float(world.user_lat[i]), float(world.user_lon[i]))
            for i in range(len(world.user_lat))
        ]  # fmt: skip
        cur.executemany(
            "INSERT INTO users (display_name, email, password_hash, is_admin, created_at,"
            " place_name, lat, lon) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            users,
        )
        timings["users_s"] = time.perf_counter() - t0

        # listings without the secondary indexes and full-text triggers, then rebuild them
        t1 = time.perf_counter()
        cur.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'listings'"
            " AND type IN ('index', 'trigger') AND sql IS NOT NULL"
        )
        deferred = cur.fetchall()
        for kind, name, _ in deferred:
            cur.execute(f'DROP {kind.upper()} "{name}"')
        rows = []
        for i in range(len(world.listing_lat)):
            leaf = leaves[int(world.listing_category[i])]
            condition = catalog.pick_condition(rng=rng, slug=leaf.slug)
            place = PLACES[int(world.listing_place[i])]
            currency = "GBP" if place.country == "GB" else "EUR"
            item = catalog.make_item(
                rng=rng, slug=leaf.slug, condition=condition, currency=currency,
                area=catalog.area_of(place.name),
            )  # fmt: skip
            published = _stamp(float(world.listing_published[i]))
            rows.append(
                (int(world.listing_seller[i]) + 1, item.title, item.description, leaf.slug,
                 Condition(condition).value, int(world.listing_price_cents[i]), currency,
                 item.brand, place.name, float(world.listing_lat[i]), float(world.listing_lon[i]),
                 str(world.listing_status[i]), published, published, published,
                 search_document(item.title, item.brand, item.description))
            )  # fmt: skip
        cur.executemany(
            "INSERT INTO listings (seller_id, title, description, category, condition,"
            " price_cents, currency, brand, place_name, lat, lon, status, created_at,"
            " updated_at, published_at, search_doc)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        for _kind, _, sql in sorted(deferred, key=lambda d: d[0] == "trigger"):
            cur.execute(sql)
        cur.execute("INSERT INTO listings_fts(listings_fts) VALUES ('rebuild')")
        cur.execute(
            "INSERT INTO listing_photos (listing_id, position, key, width, height, created_at) "
            "SELECT id, 0, 'demo/' || category || '-1', 800, 800, created_at FROM listings"
        )
        timings["listings_s"] = time.perf_counter() - t1

        t1 = time.perf_counter()
        kinds = world.event_kind
        looked = kinds != "order"
        cur.executemany(
            "INSERT INTO interaction_events (user_id, listing_id, kind, created_at)"
            " VALUES (?, ?, ?, ?)",
            [
                (int(u) + 1, int(i) + 1, str(k), _stamp(float(t)))
                for u, i, k, t in zip(
                    world.event_user[looked],
                    world.event_listing[looked],
                    kinds[looked],
                    world.event_time[looked],
                    strict=True,
                )
            ],
        )
        saved = kinds == "favorite"
        pairs = np.unique(
            np.column_stack([world.event_user[saved], world.event_listing[saved]]), axis=0
        )
        cur.executemany(
            "INSERT INTO favorites (user_id, listing_id, created_at) VALUES (?, ?, ?)",
            [(int(u) + 1, int(i) + 1, now) for u, i in pairs],
        )
        bought = np.flatnonzero(kinds == "order")
        cur.executemany(
            "INSERT INTO orders (listing_id, buyer_id, seller_id, status, fulfilment, item_cents,"
            " shipping_cents, total_cents, fee_cents, currency, handover_code,"
            " handover_failures, gateway, created_at, updated_at, expires_at)"
            " VALUES (?, ?, ?, 'completed', 'pickup', ?, 0, ?, 0, 'EUR', '000000', 0, 'dev',"
            " ?, ?, ?)",
            [
                (int(i) + 1, int(u) + 1, int(world.listing_seller[i]) + 1,
                 int(world.listing_price_cents[i]), int(world.listing_price_cents[i]),
                 _stamp(float(t)), _stamp(float(t)), _stamp(float(t)))
                for u, i, t in zip(
                    world.event_user[bought], world.event_listing[bought],
                    world.event_time[bought], strict=True,
                )
                if world.listing_seller[i] != u
            ],
        )  # fmt: skip
        timings["events_s"] = time.perf_counter() - t1
        raw.commit()
        cur.execute("ANALYZE")
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.commit()
    finally:
        raw.close()
    timings["total_s"] = time.perf_counter() - t0
    return timings


# --- measuring ------------------------------------------------------------------------------


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _figures(ms: list[float]) -> dict[str, float]:
    return {
        "p50": round(_pct(ms, 50), 2),
        "p95": round(_pct(ms, 95), 2),
        "p99": round(_pct(ms, 99), 2),
        "mean": round(statistics.fmean(ms), 2),
    }


def train_in_subprocess(url: str, out: Path, threads: int) -> dict[str, Any]:
    """``resale train`` in its own process: wall time and that process's peak RSS."""
    env = {**os.environ, "RESALE_DATABASE_URL": url, "RESALE_ENV": "development"}
    command = [
        sys.executable, "-c", "from resale.cli import app; app()",
        "train", "--out", str(out), "--threads", str(threads),
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    for line in done.stderr.splitlines():
        print(f"    {line}", flush=True)
    if done.returncode != 0:
        raise SystemExit(f"resale train failed ({done.returncode})")
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    meta = json.loads(out.with_suffix(".json").read_text())
    return {
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(max(peak_kb, before) / 1024, 0),
        "steps_s": meta["seconds"],
        "validation": summary["validation"],
        "ranker": meta["training"],
        "artifact_mb": round(out.stat().st_size / 1e6, 1),
    }


def _timed(session: Any, call: Any, repeat: int) -> list[float]:
    """Milliseconds per call; the first 20 calls warm caches and are not counted."""
    ms = []
    for n in range(repeat + 20):
        t = time.perf_counter()
        call(n)
        elapsed = (time.perf_counter() - t) * 1000
        session.rollback()
        if n >= 20:
            ms.append(elapsed)
    return ms


def time_serving(
    engine: sa.Engine, out: Path, repeat: int, limit: int, seed: int
) -> dict[str, Any]:
    """Feed, similar and interested-buyers latency through matching.serving + matching.service."""
    from sqlmodel import Session, select

    from listings.models import Listing, ListingStatus
    from matching import service, serving
    from resale.users.models import User

    holder = serving.ModelHolder(out)
    t0 = time.perf_counter()
    served = holder.load()
    load_s = time.perf_counter() - t0
    assert served is not None, "no model to serve"
    serving.holder = holder  # what the app's lifespan does, in this process
    rng = np.random.default_rng(seed)
    results: dict[str, Any] = {"load_s": round(load_s, 2)}
    with Session(engine) as session:
        n_users = session.exec(select(sa.func.count()).select_from(User)).one()
        users = [session.get(User, int(i) + 1) for i in rng.integers(0, n_users, repeat + 20)]
        active_ids = session.exec(
            select(Listing.id).where(Listing.status == ListingStatus.ACTIVE).limit(20000)
        ).all()
        listing_ids = [
            int(i) for i in rng.choice(np.array(active_ids, dtype=np.int64), repeat + 20)
        ]
        session.expunge_all()

        def feed(n: int) -> None:
            user = users[n]
            assert user is not None
            picks = service.feed(session=session, user=user, limit=limit)
            assert picks.model["source"] == "model"

        def recommend_only(n: int) -> None:
            user = users[n]
            assert user is not None
            served.model.recommend(
                str(user.id), k=2 * limit + 8, home=(user.lat or 0.0, user.lon or 0.0),
                allowed=served.active,
            )  # fmt: skip

        listings = {}
        for i in listing_ids:
            listing = session.get(Listing, i)
            assert listing is not None
            listings[i] = listing
        session.expunge_all()

        def similar(n: int) -> None:
            service.similar(
                session=session, listing=listings[listing_ids[n]], viewer=users[n], limit=limit
            )

        def interested(n: int) -> None:
            service.interested_buyers(session=session, listing=listings[listing_ids[n]])

        for name, call in (
            ("feed", feed),
            ("model.recommend only", recommend_only),
            ("similar", similar),
            ("interested_buyers", interested),
        ):
            figures = _figures(_timed(session, call, repeat))
            results[name] = figures
            print(
                f"  {name:22} p50 {figures['p50']:7.2f}  p95 {figures['p95']:7.2f}"
                f"  p99 {figures['p99']:7.2f} ms  ({repeat} calls)",
                flush=True,
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--listings", type=int, default=100_000, help="active listings")
    parser.add_argument("--inactive", type=float, default=0.3, help="sold/withdrawn, per active")
    parser.add_argument("--buyers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=300, help="timed calls per endpoint")
    parser.add_argument("--limit", type=int, default=12, help="items per list (the API default)")
    parser.add_argument("--threads", type=int, default=1, help="ranker threads while training")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep a generated database")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    from resale.core.db import make_engine
    from resale.migrations import upgrade

    total = args.listings + round(args.listings * args.inactive)
    path = ROOT / "var" / "bench" / f"matching-{args.events}.db"
    url = f"sqlite:///{path}"
    path.parent.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "events": args.events,
        "listings": total,
        "active_listings": args.listings,
        "buyers": args.buyers,
    }
    if not (args.reuse and path.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        print(
            f"generating {args.events:,} events, {total:,} listings ({args.listings:,} active), "
            f"{args.buyers:,} buyers into {path}",
            flush=True,
        )
        t0 = time.perf_counter()
        world = synthetic_world(
            listings=total, active=args.listings, buyers=args.buyers, events=args.events,
            seed=args.seed,
        )  # fmt: skip
        print(f"  world in {time.perf_counter() - t0:.1f}s", flush=True)
        upgrade(url)
        engine = make_engine(url)
        timings = write_world(engine, world, args.seed)
        engine.dispose()
        result["generate"] = {k: round(v, 1) for k, v in timings.items()}
        print("  " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()), flush=True)
    out = ROOT / "var" / "bench" / f"matching-{args.events}.joblib"
    print(f"training (resale train, --threads {args.threads}) in a subprocess", flush=True)
    result["training"] = trained = train_in_subprocess(url, out, args.threads)
    print(
        f"  training: {trained['wall_s']} s wall, peak RSS {trained['peak_rss_mb']:.0f} MB, "
        f"artifact {trained['artifact_mb']} MB; steps {trained['steps_s']}",
        flush=True,
    )
    print(f"  validation: {trained['validation']}", flush=True)
    print(f"serving: {args.repeat} calls each, limit={args.limit}", flush=True)
    engine = make_engine(url)
    result["serving"] = time_serving(engine, out, args.repeat, args.limit, args.seed)
    engine.dispose()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
