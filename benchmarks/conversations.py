"""Messages: how long a send takes, and how long it takes to reach an open live stream.

    python benchmarks/conversations.py                     # both databases
    python benchmarks/conversations.py --database sqlite --streams 100 --messages 300

The app runs as `make run` serves it (uvicorn, one process) on a loopback port, on a fresh
database (as benchmarks/concurrency.py makes them). ``--streams`` sellers each keep
GET /api/v1/conversations/live open (server-sent events) while their buyers send
``--messages`` messages, one after another, each to the next seller in turn. It prints:

- send: p50 and p95 in ms of POST /api/v1/conversations/{id}/messages, against the same
  client's GET /api/v1/health in the same run (the baseline);
- arrival: p50 and p95 in ms from the moment a send was started to the moment its message
  was read off the recipient's stream, with every stream open at once.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["RESALE_MESSAGES_PER_MINUTE"] = "0"  # the sender here is a benchmark, not a person
os.environ["RESALE_MESSAGES_PER_DAY"] = "0"
os.environ["RESALE_CONVERSATIONS_PER_HOUR"] = "0"

import httpx2 as httpx  # noqa: E402

from benchmarks.concurrency import SCRATCH, Market, scratch_database, serve  # noqa: E402
from listings.models import ListingStatus  # noqa: E402
from resale.migrations import upgrade  # noqa: E402


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


class Listener(threading.Thread):
    """One seller's open stream: when each message id arrived."""

    def __init__(self, base: str, token: str) -> None:
        super().__init__(daemon=True)
        self.base, self.token = base, token
        self.ready = threading.Event()
        self.arrived: dict[str, float] = {}
        self.stop = False

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with (
            httpx.Client(base_url=self.base, timeout=None) as client,
            client.stream("GET", "/api/v1/conversations/live", headers=headers) as stream,
        ):
            name = None
            for line in stream.iter_lines():
                if self.stop:
                    return
                if line.startswith("event: "):
                    name = line[7:]
                    if name == "unread":
                        self.ready.set()
                elif line.startswith("data: ") and name == "message":
                    body = json.loads(line[6:])["body"]
                    self.arrived[body] = time.perf_counter()


def run(kind: str, url: str, streams: int, messages: int) -> None:
    upgrade(url)
    market = Market(url)
    base, process = serve(url, SCRATCH / f"server-conversations-{kind}.log")
    try:
        pairs = []  # (seller token, buyer token, conversation id)
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(streams):
                listing_id, seller_token = market.listing(status=ListingStatus.ACTIVE)
                [(_, _, buyer_token)] = market.people(1)
                started = client.post(
                    "/api/v1/conversations",
                    json={"listing_id": listing_id},
                    headers={"Authorization": f"Bearer {buyer_token}"},
                )
                started.raise_for_status()
                pairs.append((seller_token, buyer_token, started.json()["id"]))
        listeners = [Listener(base, seller) for seller, _, _ in pairs]
        for listener in listeners:
            listener.start()
        for listener in listeners:
            if not listener.ready.wait(30):
                raise SystemExit("a stream did not open")
        send_ms: list[float] = []
        health_ms: list[float] = []
        started_at: dict[str, tuple[int, float]] = {}
        with httpx.Client(base_url=base, timeout=60) as client:
            for n in range(messages):
                t0 = time.perf_counter()
                client.get("/api/v1/health")
                health_ms.append((time.perf_counter() - t0) * 1000)
                i = n % streams
                _, buyer_token, cid = pairs[i]
                body = f"message {n}: is it still available?"
                t0 = time.perf_counter()
                started_at[body] = (i, t0)
                sent = client.post(
                    f"/api/v1/conversations/{cid}/messages",
                    json={"body": body},
                    headers={"Authorization": f"Bearer {buyer_token}"},
                )
                send_ms.append((time.perf_counter() - t0) * 1000)
                if sent.status_code != 201:
                    raise SystemExit(f"send answered {sent.status_code}: {sent.text[:200]}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(
            body not in listeners[i].arrived for body, (i, _) in started_at.items()
        ):
            time.sleep(0.05)
        arrival_ms = [
            (listeners[i].arrived[body] - t0) * 1000
            for body, (i, t0) in started_at.items()
            if body in listeners[i].arrived
        ]
        lost = len(started_at) - len(arrival_ms)
        for listener in listeners:
            listener.stop = True
    finally:
        process.terminate()
        process.wait(timeout=10)
        market.engine.dispose()
    health = statistics.median(health_ms)
    print(f"\n{kind}: {streams} streams open, {messages} messages sent one after another")
    print(f"{'':32} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'x base':>7}")
    for name, values in (
        ("baseline: GET /api/v1/health", health_ms),
        ("send: POST .../messages", send_ms),
        ("arrival on the live stream", arrival_ms),
    ):
        if values:
            p50 = statistics.median(values)
            print(
                f"{name:32} {p50:8.1f} {_p(values, 95):8.1f} {max(values):8.1f} {p50 / health:7.1f}"
            )
    print(f"messages not arrived within 30 s: {lost}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    if args.database in ("both", "sqlite"):
        run("sqlite", f"sqlite:///{SCRATCH / 'conversations.db'}", args.streams, args.messages)
    if args.database in ("both", "postgresql"):
        with scratch_database(args.postgres_url, "conversations") as url:
            run("postgresql", url, args.streams, args.messages)


if __name__ == "__main__":
    main()
