"""Fifty requests at once on every write path: latency and status codes, SQLite and PostgreSQL.

    python benchmarks/concurrency.py                     # both databases, 3 rounds
    python benchmarks/concurrency.py --database sqlite --rounds 5 --at-once 50
    python benchmarks/concurrency.py --postgres-url postgresql+psycopg://postgres@127.0.0.1/test

The app runs as `make run` serves it (uvicorn, one process) on a loopback port, on a fresh
database: a SQLite file in a scratch folder, or a scratch database created beside the one in
the PostgreSQL URL (dropped afterwards). For each path, each round releases ``--at-once``
requests together, each on its own connection, and times every one from the release to its
answer. It prints p50 and p95 in ms over all rounds, the slowest answer, the status codes
seen (a 5xx is a defect), and p50 against the baseline in the same run: the same burst of
GET /api/v1/health, which reads one row.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCRATCH = Path(tempfile.mkdtemp(prefix="resale-concurrency-"))
# The app and this script share the data folder (photos) and read settings once.
os.environ.update(RESALE_ENV="development", RESALE_DATA_DIR=str(SCRATCH / "data"))
os.environ.pop("RESALE_DATABASE_URL", None)

import httpx2 as httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from PIL import Image  # noqa: E402
from sqlmodel import Session  # noqa: E402

from listings.models import Condition, Listing, ListingStatus  # noqa: E402
from listings.service import refresh_search_terms  # noqa: E402
from resale.core import security  # noqa: E402
from resale.core.db import make_engine, utcnow  # noqa: E402
from resale.migrations import upgrade  # noqa: E402
from resale.users.models import TokenKind, User  # noqa: E402
from resale.users.service import issue_token  # noqa: E402

PASSWORD = "benchmark password 1"  # noqa: S105
PARIS = {"place_name": "Paris, Le Marais", "lat": 48.859, "lon": 2.362}
Send = Callable[[httpx.Client, int], httpx.Response]


class Market:
    """Makes the people and listings each round needs, straight in the database."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.password_hash = security.hash_password(PASSWORD)
        self.n = 0

    def people(self, count: int) -> list[tuple[int, str, str]]:
        """(user id, e-mail, API token) of ``count`` new accounts."""
        made = []
        with Session(self.engine) as session:
            for _ in range(count):
                self.n += 1
                user = User(
                    email=f"p{self.n}-{secrets.token_hex(3)}@example.com",
                    display_name=f"Person {self.n}",
                    password_hash=self.password_hash,
                    **PARIS,
                )
                session.add(user)
                session.flush()
                token, _ = issue_token(session=session, user=user, kind=TokenKind.API)
                assert user.id is not None
                made.append((user.id, user.email, token))
            session.commit()
        return made

    def listing(self, *, status: ListingStatus) -> tuple[int, str]:
        """A listing of a new seller, without photos: (listing id, the seller's token)."""
        [(seller_id, _, token)] = self.people(1)
        with Session(self.engine) as session:
            listing = Listing(
                seller_id=seller_id,
                status=status,
                title="Oak dining table",
                description="Solid oak, seats six. A few marks on the top.",
                category="tables",
                condition=Condition.GOOD,
                price_cents=12000,
                currency="EUR",
                published_at=utcnow() if status is ListingStatus.ACTIVE else None,
                **PARIS,
            )
            refresh_search_terms(listing)
            session.add(listing)
            session.commit()
            assert listing.id is not None
            return listing.id, token


def _photo() -> bytes:
    import io

    out = io.BytesIO()
    Image.new("RGB", (800, 600), "teal").save(out, "JPEG")
    return out.getvalue()


def paths(market: Market, at_once: int) -> dict[str, Callable[[], Send]]:
    """Each path: a function making one round's requests (fresh people and listings)."""
    photo = _photo()

    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def health() -> Send:
        return lambda c, _i: c.get("/api/v1/health")

    def register() -> Send:
        run = secrets.token_hex(4)
        return lambda c, i: c.post(
            "/api/v1/auth/register",
            json={"email": f"r{i}-{run}@example.com", "password": PASSWORD, "display_name": "R"},
        )

    def login() -> Send:
        emails = [email for _, email, _ in market.people(at_once)]
        return lambda c, i: c.post(
            "/api/v1/auth/token", data={"username": emails[i], "password": PASSWORD}
        )

    def create_listing() -> Send:
        tokens = [token for *_, token in market.people(at_once)]
        body = {
            "title": "Walnut bookcase",
            "description": "Five shelves, solid walnut, one small scratch on the side.",
            "category": "shelves",
            "condition": "good",
            "price_cents": 4500,
            "currency": "EUR",
        }
        return lambda c, i: c.post("/api/v1/listings", headers=bearer(tokens[i]), json=body)

    def favourite_many() -> Send:
        listing_id, _ = market.listing(status=ListingStatus.ACTIVE)
        tokens = [token for *_, token in market.people(at_once)]
        return lambda c, i: c.put(
            f"/api/v1/listings/{listing_id}/favorite", headers=bearer(tokens[i])
        )

    def favourite_one() -> Send:
        listing_id, _ = market.listing(status=ListingStatus.ACTIVE)
        [(_, _, token)] = market.people(1)
        return lambda c, _i: c.put(f"/api/v1/listings/{listing_id}/favorite", headers=bearer(token))

    def photos() -> Send:
        listing_id, token = market.listing(status=ListingStatus.DRAFT)
        return lambda c, i: c.post(
            f"/api/v1/listings/{listing_id}/photos",
            headers=bearer(token),
            files=[("photos", (f"p{i}.jpg", photo, "image/jpeg"))],
        )

    def page_view() -> Send:
        listing_id, _ = market.listing(status=ListingStatus.ACTIVE)
        return lambda c, _i: c.get(f"/listings/{listing_id}")

    def api_view() -> Send:
        listing_id, _ = market.listing(status=ListingStatus.ACTIVE)
        tokens = [token for *_, token in market.people(at_once)]
        return lambda c, i: c.get(f"/api/v1/listings/{listing_id}", headers=bearer(tokens[i]))

    return {
        "baseline: GET /api/v1/health": health,
        "register": register,
        "token (login)": login,
        "create listing": create_listing,
        "favourite (different users)": favourite_many,
        "favourite (one user, double click)": favourite_one,
        "photo upload (one draft)": photos,
        "GET /listings/{id} (HTML, anonymous)": page_view,
        "GET /api/v1/listings/{id} (bearer)": api_view,
    }


def burst(base: str, send: Send, n: int) -> list[tuple[float, int]]:
    """``n`` requests released together: (seconds from the release, status) of each."""
    barrier = threading.Barrier(n + 1)
    released = [0.0]

    def one(i: int) -> tuple[float, int]:
        with httpx.Client(base_url=base, timeout=120) as client:
            client.get("/api/v1/health")  # connected before the release
            barrier.wait()
            status = send(client, i).status_code
            return time.perf_counter() - released[0], status

    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(one, i) for i in range(n)]
        released[0] = time.perf_counter()
        barrier.wait()
        return [f.result() for f in futures]


def serve(url: str, log: Path) -> tuple[str, subprocess.Popen[bytes]]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "RESALE_DATABASE_URL": url}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "resale.app:create_app",
            "--factory",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return base, process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the app did not start; see {log}")


def run(kind: str, url: str, rounds: int, at_once: int) -> None:
    upgrade(url)
    market = Market(url)
    log = SCRATCH / f"server-{kind}.log"
    base, process = serve(url, log)
    try:
        table = paths(market, at_once)
        times: dict[str, list[float]] = {name: [] for name in table}
        codes: dict[str, Counter[int]] = {name: Counter() for name in table}
        for _ in range(rounds):
            for name, make in table.items():
                for seconds, status in burst(base, make(), at_once):
                    times[name].append(seconds * 1000)
                    codes[name][status] += 1
    finally:
        process.terminate()
        process.wait(timeout=10)
        market.engine.dispose()
    base_p50 = statistics.median(times["baseline: GET /api/v1/health"])
    print(f"\n{kind}: {at_once} at once, {rounds} rounds (server log: {log})")
    print(f"{'path':40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'x base':>7}  statuses")
    for name, values in times.items():
        p50 = statistics.median(values)
        p95 = statistics.quantiles(values, n=20)[-1]
        seen = " ".join(f"{code}x{count}" for code, count in sorted(codes[name].items()))
        flag = "  <-- 5xx" if any(code >= 500 for code in codes[name]) else ""
        print(
            f"{name:40} {p50:8.1f} {p95:8.1f} {max(values):8.1f} {p50 / base_p50:7.1f}  {seen}{flag}"
        )


@contextmanager
def scratch_database(postgres_url: str, purpose: str) -> Iterator[str]:
    """A new PostgreSQL database beside the one in ``postgres_url``, dropped afterwards."""
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = f"resale_bench_{purpose}_{secrets.token_hex(3)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--at-once", type=int, default=50)
    args = parser.parse_args()
    if args.database in ("both", "sqlite"):
        run("sqlite", f"sqlite:///{SCRATCH / 'bench.db'}", args.rounds, args.at_once)
    if args.database in ("both", "postgresql"):
        with scratch_database(args.postgres_url, "concurrency") as url:
            run("postgresql", url, args.rounds, args.at_once)


if __name__ == "__main__":
    main()
