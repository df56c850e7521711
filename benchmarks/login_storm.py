"""A light search loop while a storm of logins is released at once: does argon2 starve it?

    python benchmarks/login_storm.py                      # SQLite, 3 rounds
    python benchmarks/login_storm.py --database postgresql --rounds 5 --at-once 40

The app runs as `make run` serves it (uvicorn, one process) on a loopback port on a fresh
database, twice in the same run: "before", as the app was without a lane or throttling
(RESALE_PASSWORD_HASHES_AT_ONCE=1000, both login limits 0), and "now", with the defaults
(2 hashes at once, 5 failures per account and 20 per address per 15 minutes). One thread
searches (GET /api/v1/listings/search?q=oak) one request after another throughout; each
round times those searches while nothing else runs ("quiet"), while ``--at-once`` logins
with the right password (each a different account) are released together, and while as
many wrong-password logins on one account are. It prints the searches' p50, p95 and max in
ms (the median over rounds of each round's figure), how many searches that was, and the
logins' status codes (429: throttled before argon2).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx2 as httpx

# The house helpers: people and listings made in the database, the server, the burst.
from concurrency import PASSWORD, SCRATCH, Market, Send, burst, scratch_database, serve

from listings.models import ListingStatus
from resale.migrations import upgrade

SETTINGS = {
    "before": {
        "RESALE_PASSWORD_HASHES_AT_ONCE": "1000",
        "RESALE_LOGIN_FAILURES_PER_ACCOUNT": "0",
        "RESALE_LOGIN_FAILURES_PER_ADDRESS": "0",
    },
    "now": {},
}
PHASES = ("quiet", "right logins", "wrong logins")


def searching(base: str, stop: threading.Event, times: list[float]) -> None:
    """Search one request after another until ``stop``; each one's ms go into ``times``."""
    with httpx.Client(base_url=base, timeout=120) as client:
        while not stop.is_set():
            started = time.perf_counter()
            answer = client.get("/api/v1/listings/search", params={"q": "oak", "limit": 10})
            times.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise SystemExit(f"search answered {answer.status_code}: {answer.text[:200]}")


def during(base: str, send: Send | None, at_once: int) -> tuple[list[float], Counter[int]]:
    """Search times while ``send`` runs ``at_once`` times together (or for a quiet second)."""
    stop, times = threading.Event(), []
    searcher = threading.Thread(target=searching, args=(base, stop, times))
    searcher.start()
    codes: Counter[int] = Counter()
    if send is None:
        time.sleep(1.0)
    else:
        codes.update(status for _, status in burst(base, send, at_once))
    stop.set()
    searcher.join()
    return times, codes


def phases(emails: list[str], victim: str) -> dict[str, Send | None]:
    """This round's bursts: right passwords of different accounts, wrong ones on one."""

    def right(client: httpx.Client, i: int) -> httpx.Response:
        return client.post("/api/v1/auth/token", data={"username": emails[i], "password": PASSWORD})

    def wrong(client: httpx.Client, _i: int) -> httpx.Response:
        return client.post("/api/v1/auth/token", data={"username": victim, "password": "guess"})

    return {"quiet": None, "right logins": right, "wrong logins": wrong}


def run(kind: str, url: str, config: str, rounds: int, at_once: int) -> None:
    upgrade(url)
    market = Market(url)
    for _ in range(20):
        market.listing(status=ListingStatus.ACTIVE)
    os.environ.update(SETTINGS[config])
    try:
        base, process = serve(url, SCRATCH / f"server-{kind}-{config}.log")
    finally:
        for name in SETTINGS[config]:
            os.environ.pop(name)
    figures: dict[str, list[tuple[float, float, float, int]]] = {p: [] for p in PHASES}
    codes: dict[str, Counter[int]] = {p: Counter() for p in PHASES}
    try:
        for _ in range(rounds):
            emails = [email for _, email, _ in market.people(at_once)]
            [(_, victim, _)] = market.people(1)
            sends = phases(emails, victim)
            for phase, send in sends.items():
                times, seen = during(base, send, at_once)
                p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
                figures[phase].append((statistics.median(times), p95, max(times), len(times)))
                codes[phase].update(seen)
    finally:
        process.terminate()
        process.wait(timeout=10)
        market.engine.dispose()
    for phase in PHASES:
        p50, p95, top, n = (statistics.median(f[i] for f in figures[phase]) for i in range(4))
        seen = " ".join(f"{code}x{count}" for code, count in sorted(codes[phase].items()))
        flag = "  <-- 5xx" if any(code >= 500 for code in codes[phase]) else ""
        print(
            f"{kind:10} {config:7} {phase:13} {p50:8.1f} {p95:8.1f} {top:8.1f} {n:9.0f}  "
            f"{seen or '-'}{flag}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--at-once", type=int, default=40)
    args = parser.parse_args()
    print(f"search latency during {args.at_once} logins at once, medians of {args.rounds} rounds")
    print(
        f"{'database':10} {'app':7} {'during':13} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'searches':>9}  logins"
    )
    for config in SETTINGS:
        if args.database == "sqlite":
            url = f"sqlite:///{SCRATCH / f'storm-{config}.db'}"
            run("sqlite", url, config, args.rounds, args.at_once)
            continue
        with scratch_database(args.postgres_url, "storm") as url:
            run("postgresql", url, config, args.rounds, args.at_once)


if __name__ == "__main__":
    main()
