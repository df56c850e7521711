"""Search at scale: generate N listings, index them, time the query shapes.

    python benchmarks/search.py                      # SQLite, 1,000,000 listings
    python benchmarks/search.py --listings 100000 --repeat 300 --json out.json
    python benchmarks/search.py --database-url postgresql://postgres@127.0.0.1/test

SQLite data goes to var/bench/search-<N>.db. On PostgreSQL a scratch database
resale_bench_<N> is created next to the one in the URL. --reuse keeps an
already generated database of the same size. For every shape it prints
p50/p95/p99 in ms of our layer (listings.search.search: the id query plus
loading the page's listings, photos and sellers) and of the very same SQL
statements sent through the bare driver (captured while our layer ran), and
their ratio. Both are timed on warm pages (a recording run reads them first), in
alternating order, so the ratio is the cost of our layer, not of cache misses.
A tenth of the generated listings are written in Chinese (CHINESE_SHARE), for the
"chinese text" and "pinyin text" shapes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RESALE_ENV", "development")

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session  # noqa: E402

from listings.models import Condition  # noqa: E402
from listings.schemas import Sort  # noqa: E402
from listings.search import SearchQuery, capture_sql, search  # noqa: E402
from listings.text import search_document  # noqa: E402
from resale import demo_catalog as catalog  # noqa: E402
from resale.core import taxonomy  # noqa: E402
from resale.core.db import make_engine  # noqa: E402
from resale.core.geo import PLACES, public_point  # noqa: E402
from resale.migrations import upgrade  # noqa: E402

CITIES = sorted({p.city for p in PLACES})
# Words people type, with the parent category that fits them (for the category shape).
QUERIES = [
    ("sofa", "furniture"),
    ("ikea chair", "furniture"),
    ("oak table", "furniture"),
    ("desk", "furniture"),
    ("wardrobe", "furniture"),
    ("iphone", "electronics"),
    ("samsung", "electronics"),
    ("laptop", "electronics"),
    ("macbook", "electronics"),
    ("headphones", "electronics"),
    ("camera", "electronics"),
    ("playstation", "electronics"),
    ("jeans", "women"),
    ("dress", "women"),
    ("levi's jeans", "men"),
    ("jacket", "men"),
    ("hoodie", "men"),
    ("nike", "shoes"),
    ("boots", "shoes"),
    ("sneakers", "shoes"),
    ("stroller", "baby"),
    ("car seat", "baby"),
    ("bike", "bikes"),
    ("road bike", "bikes"),
    ("scooter", "bikes"),
    ("lego", "toys-games"),
    ("board game", "toys-games"),
    ("harry potter", "media"),
    ("vinyl", "media"),
    ("novel", "media"),
    ("washing machine", "appliances"),
    ("coffee machine", "appliances"),
    ("vacuum", "appliances"),
    ("lamp", "home"),
    ("drill", "home"),
    ("tent", "leisure"),
    ("guitar", "leisure"),
    ("skis", "leisure"),
    ("backpack", "accessories"),
    ("watch", "accessories"),
]


# A Chinese share of the market, written as people there write them, for the Chinese
# and pinyin shapes: (category, the item, brands).
CHINESE_SHARE = 0.1
CHINESE_ITEMS = [
    ("mountain-bikes", "山地自行车", ("捷安特", "美利达")),
    ("city-bikes", "自行车", ("永久", "凤凰")),
    ("e-bikes", "电动自行车", ("小牛", "雅迪")),
    ("phones", "手机", ("小米", "华为", "苹果")),
    ("laptops", "笔记本电脑", ("联想", "华为")),
    ("sofas", "布艺沙发", ("宜家", "顾家")),
    ("tables", "实木餐桌", ("宜家",)),
    ("chairs", "人体工学办公椅", ("西昊",)),
    ("strollers", "婴儿推车", ("好孩子",)),
    ("textbooks", "考研教材", ("新东方",)),
    ("washing-machines", "滚筒洗衣机", ("海尔", "小天鹅")),
    ("coffee-machines", "咖啡机", ("德龙",)),
    ("game-consoles", "游戏机", ("任天堂", "索尼")),
]
CHINESE_CONDITIONS = ("全新", "九五新", "九成新", "八成新", "七成新")
CHINESE_EXTRAS = ("自提", "可小刀", "包邮", "同城面交", "不议价", "成色很好", "搬家急出")
CHINESE_QUERIES = ["自行车", "沙发", "小米 手机", "九成新 自行车", "洗衣机", "笔记本电脑"]
PINYIN_QUERIES = ["zixingche", "shafa", "xiyiji", "shouji", "shandi zixingche"]


# --- generating ---------------------------------------------------------------------


def _points(rng: random.Random) -> Callable[[], tuple[str, float, float]]:
    """A neighbourhood and a point around it (a few km), snapped to the public grid."""
    weights = [3 if p.city in {"Paris", "London", "Berlin"} else 2 for p in PLACES]

    def draw() -> tuple[str, float, float]:
        place = rng.choices(PLACES, weights)[0]
        lat = place.lat + rng.gauss(0, 0.02)
        lon = place.lon + rng.gauss(0, 0.03)
        return (place.name, *public_point(lat, lon))

    return draw


def _rows(n: int, users: int, seed: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    point = _points(rng)
    leaves = [leaf.slug for leaf in taxonomy.LEAVES]
    now = datetime.now(UTC)
    start = now - timedelta(days=180)
    step = 180 * 86400 / max(n, 1)
    # Listings arrive over time, so rows go in (roughly) in the order they were created,
    # as in a real marketplace: the newest are the last rows, not scattered at random.
    for i in range(n):
        slug = rng.choice(leaves)
        condition = catalog.pick_condition(rng=rng, slug=slug)
        place_name, lat, lon = point()
        currency = "GBP" if place_name.startswith("London") else "EUR"
        item = catalog.make_item(
            rng=rng,
            slug=slug,
            condition=condition,
            currency=currency,
            area=place_name.split(",")[0],
        )
        created = start + timedelta(seconds=i * step + rng.uniform(0, 3600))
        title, description, brand = item.title, item.description, item.brand
        if rng.random() < CHINESE_SHARE:
            slug, thing, brands = rng.choice(CHINESE_ITEMS)
            brand = rng.choice(brands)
            title = f"{rng.choice(CHINESE_CONDITIONS)} {brand} {thing}"
            description = "，".join(rng.sample(CHINESE_EXTRAS, 2)) + "。"
            currency = "CNY"
        yield {
            "seller_id": rng.randint(1, users),
            "title": title,
            "description": description,
            "category": slug,
            "condition": condition.value,
            "price_cents": item.price_cents,
            "currency": currency,
            "brand": brand,
            "weight_kg": item.weight_kg,
            "place_name": place_name,
            "lat": lat,
            "lon": lon,
            "status": "active" if rng.random() < 0.97 else "withdrawn",
            "created_at": created,
            "updated_at": created,
            "published_at": created + timedelta(minutes=rng.uniform(1, 600)),
            "search_doc": search_document(title, brand, description),
        }


LISTING_COLUMNS = [
    "seller_id",
    "title",
    "description",
    "category",
    "condition",
    "price_cents",
    "currency",
    "brand",
    "weight_kg",
    "place_name",
    "lat",
    "lon",
    "status",
    "created_at",
    "updated_at",
    "published_at",
    "search_doc",
]


def generate(engine: sa.Engine, n: int, seed: int) -> dict[str, float]:
    """Bulk-insert users, listings (one photo row each); returns seconds per step."""
    timings: dict[str, float] = {}
    users = max(10, n // 20)
    start = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        sqlite = engine.dialect.name == "sqlite"
        mark = "?" if sqlite else "%s"
        now = datetime.now(UTC)
        stamp = now.replace(tzinfo=None).isoformat(sep=" ") if sqlite else now
        cur.executemany(
            f"INSERT INTO users (display_name, email, password_hash, is_admin, created_at) VALUES ({mark}, {mark}, {mark}, {mark}, {mark})",
            [
                (f"Bench {i}", f"bench{i}@bench.resale.example", "!", False, stamp)
                for i in range(users)
            ],
        )
        timings["users_s"] = time.perf_counter() - start
        insert = f"INSERT INTO listings ({', '.join(LISTING_COLUMNS)}) VALUES ({', '.join([mark] * len(LISTING_COLUMNS))})"
        # Bulk load without the secondary indexes and full-text triggers, then rebuild
        # them from the very definitions the migrations made (read from the catalogue).
        if sqlite:
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-1000000")
            cur.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'listings'"
                " AND type IN ('index', 'trigger') AND sql IS NOT NULL"
            )
            deferred = cur.fetchall()
            for kind, name, _ in deferred:
                cur.execute(f'DROP {kind.upper()} "{name}"')
        else:
            cur.execute("SET maintenance_work_mem = '1GB'")
            cur.execute(
                "SELECT 'index', indexname, indexdef FROM pg_indexes WHERE tablename = 'listings'"
                " AND indexname <> 'pk_listings'"
            )
            deferred = cur.fetchall()
            for _, name, _ in deferred:
                cur.execute(f'DROP INDEX "{name}"')
        batch: list[tuple[Any, ...]] = []
        done = 0
        t0 = time.perf_counter()

        def flush() -> None:
            nonlocal batch, done
            if not batch:
                return
            if sqlite:
                cur.executemany(insert, batch)
            else:
                with cur.copy(f"COPY listings ({', '.join(LISTING_COLUMNS)}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            done += len(batch)
            batch = []
            rate = done / (time.perf_counter() - t0)
            print(f"\r  listings: {done:,}/{n:,} ({rate:,.0f}/s)", end="", flush=True)

        for row in _rows(n, users, seed):
            values = [row[c] for c in LISTING_COLUMNS]
            if sqlite:
                values = [
                    v.replace(tzinfo=None).isoformat(sep=" ") if isinstance(v, datetime) else v
                    for v in values
                ]
            batch.append(tuple(values))
            if len(batch) >= 20_000:
                flush()
        flush()
        print()
        timings["listings_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _kind, _, sql in sorted(deferred, key=lambda d: d[0] == "trigger"):
            cur.execute(sql)
        if sqlite:
            cur.execute("INSERT INTO listings_fts(listings_fts) VALUES ('rebuild')")
        timings["index_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        cur.execute(
            "INSERT INTO listing_photos (listing_id, position, key, width, height, created_at) "
            "SELECT id, 0, 'demo/' || category || '-1', 800, 800, created_at FROM listings"
        )
        timings["photos_s"] = time.perf_counter() - t0
        raw.commit()
        t0 = time.perf_counter()
        if sqlite:
            cur.execute("ANALYZE")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            raw.commit()
            driver = raw.driver_connection  # VACUUM cannot run inside a transaction
            assert driver is not None
            driver.autocommit = True
            driver.execute("VACUUM ANALYZE")
            driver.autocommit = False
        timings["analyze_s"] = time.perf_counter() - t0
        raw.commit()
    finally:
        raw.close()
    timings["total_s"] = time.perf_counter() - start
    return timings


# --- the query shapes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    name: str
    make: Callable[[random.Random], SearchQuery]
    depth: int = 1  # pages to follow before the timed one


def _place(rng: random.Random) -> tuple[float, float]:
    place = rng.choice(PLACES)
    return place.lat + rng.uniform(-0.02, 0.02), place.lon + rng.uniform(-0.03, 0.03)


def _text(rng: random.Random) -> SearchQuery:
    return SearchQuery(q=rng.choice(QUERIES)[0])


def _chinese(rng: random.Random) -> SearchQuery:
    return SearchQuery(q=rng.choice(CHINESE_QUERIES))


def _pinyin(rng: random.Random) -> SearchQuery:
    return SearchQuery(q=rng.choice(PINYIN_QUERIES))


def _text_category_10km(rng: random.Random) -> SearchQuery:
    q, parent = rng.choice(QUERIES)
    lat, lon = _place(rng)
    return SearchQuery(q=q, category=parent, lat=lat, lon=lon, radius_km=10)


def _filters_5km_nearest(rng: random.Random) -> SearchQuery:
    parent = rng.choice(taxonomy.PARENTS).slug
    low = rng.choice([0, 1000, 2000, 5000])
    conditions = tuple(rng.sample(list(Condition), rng.randint(2, 4)))
    lat, lon = _place(rng)
    return SearchQuery(
        category=parent,
        min_price=low,
        max_price=low + rng.choice([5000, 20000, 100000]),
        conditions=conditions,
        lat=lat,
        lon=lon,
        radius_km=5,
        sort=Sort.NEAREST,
    )


def _empty_25km_newest(rng: random.Random) -> SearchQuery:
    lat, lon = _place(rng)
    return SearchQuery(lat=lat, lon=lon, radius_km=25, sort=Sort.NEWEST)


SHAPES = [
    Shape("text", _text),
    Shape("chinese text", _chinese),
    Shape("pinyin text", _pinyin),
    Shape("text+category+10km", _text_category_10km),
    Shape("filters+5km nearest", _filters_5km_nearest),
    Shape("empty+25km newest", _empty_25km_newest),
    Shape("deep page (p20) 25km newest", _empty_25km_newest, depth=20),
]


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _time_ours(session: Session, query: SearchQuery) -> float:
    t0 = time.perf_counter()
    search(session=session, query=query)
    elapsed = time.perf_counter() - t0
    session.rollback()
    session.expunge_all()
    return elapsed


def _time_bare(raw: Any, calls: list[tuple[str, Any]]) -> float:
    """The same statements through the DB-API driver alone."""
    cur = raw.cursor()
    t0 = time.perf_counter()
    for statement, parameters in calls:
        cur.execute(statement, parameters)
        cur.fetchall()
    elapsed = time.perf_counter() - t0
    raw.rollback()
    return elapsed


def run_shapes(engine: sa.Engine, repeat: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    results: dict[str, Any] = {}
    raw = engine.raw_connection()
    with Session(engine) as session:
        for shape in SHAPES:
            ours: list[float] = []
            bare: list[float] = []
            empty = 0
            for i in range(repeat + 10):  # the first 10 warm caches up and are not counted
                query = replace(shape.make(rng), limit=24)
                for _ in range(shape.depth - 1):  # walk to the deep page (not timed)
                    page = search(session=session, query=query)
                    if not page.next_cursor:
                        break
                    query = replace(query, cursor=page.next_cursor)
                session.expunge_all()
                with capture_sql(session) as calls:  # the statements our layer sends
                    page = search(session=session, query=query)
                session.rollback()

                # Both run on pages the recording run just read, in alternating order,
                # so neither side pays for the other's cache misses.
                if i % 2:
                    raw_elapsed = _time_bare(raw, calls)
                    elapsed = _time_ours(session, query)
                else:
                    elapsed = _time_ours(session, query)
                    raw_elapsed = _time_bare(raw, calls)
                if i >= 10:
                    ours.append(elapsed * 1000)
                    bare.append(raw_elapsed * 1000)
                    empty += not page.items
            stats = {
                "ours_ms": {p: round(_pct(ours, float(p[1:])), 2) for p in ("p50", "p95", "p99")},
                "raw_ms": {p: round(_pct(bare, float(p[1:])), 2) for p in ("p50", "p95", "p99")},
                "ratio_p50": round(statistics.median(ours) / statistics.median(bare), 2),
                "ratio_p95": round(_pct(ours, 95) / _pct(bare, 95), 2),
                "runs": repeat,
                "empty_pages": empty,
            }
            results[shape.name] = stats
            o, r = stats["ours_ms"], stats["raw_ms"]
            print(
                f"  {shape.name:30} ours p50 {o['p50']:7.2f}  p95 {o['p95']:7.2f}  p99 {o['p99']:7.2f} ms"
                f" | raw p50 {r['p50']:7.2f}  p95 {r['p95']:7.2f} | x{stats['ratio_p50']:.2f} (p95 x{stats['ratio_p95']:.2f})"
                f" | {empty} empty",
                flush=True,
            )
    raw.close()
    return results


# --- databases -------------------------------------------------------------------------------


def _count(engine: sa.Engine) -> int:
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM listings")).scalar_one())
    except sa.exc.SQLAlchemyError:
        return -1


def prepare(
    args: argparse.Namespace,
) -> tuple[sa.Engine, dict[str, float] | None, Callable[[], int]]:
    n = args.listings
    if args.database_url:
        admin_url = sa.make_url(args.database_url).set(drivername="postgresql+psycopg")
        name = f"resale_bench_{n}"
        url = admin_url.set(database=name)
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        engine = make_engine(url.render_as_string(hide_password=False))
        reuse = args.reuse and _count(engine) >= n
        if not reuse:
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

        def size() -> int:
            with admin.connect() as conn:
                return int(
                    conn.execute(sa.text("SELECT pg_database_size(:n)"), {"n": name}).scalar_one()
                )

        target = url.render_as_string(hide_password=False)
    else:
        path = ROOT / "var" / "bench" / f"search-{n}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        target = f"sqlite:///{path}"
        engine = make_engine(target)
        reuse = args.reuse and path.exists() and _count(engine) >= n
        if not reuse:
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        def size() -> int:
            return sum(
                Path(f"{path}{s}").stat().st_size
                for s in ("", "-wal")
                if Path(f"{path}{s}").exists()
            )

    timings = None
    if not reuse:
        print(
            f"generating {n:,} listings into {sa.make_url(target).render_as_string()}", flush=True
        )
        t0 = time.perf_counter()
        upgrade(target)
        engine = make_engine(target)
        timings = {"migrate_s": time.perf_counter() - t0, **generate(engine, n, args.seed)}
        timings["generate_and_index_s"] = time.perf_counter() - t0
        print("  " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()), flush=True)
    return engine, timings, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url", help="PostgreSQL server (a scratch database is made on it)"
    )
    parser.add_argument("--repeat", type=int, default=300, help="timed runs per shape")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep an existing generated database")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    engine, timings, size = prepare(args)
    db = engine.dialect.name
    print(
        f"{db}: {_count(engine):,} listings, {size() / 1e6:,.0f} MB on disk; {args.repeat} runs per shape",
        flush=True,
    )
    shapes = run_shapes(engine, args.repeat, args.seed)
    result = {
        "database": db,
        "listings": args.listings,
        "size_mb": round(size() / 1e6, 1),
        "generate": timings,
        "shapes": shapes,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    engine.dispose()


if __name__ == "__main__":
    main()
