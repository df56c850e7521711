"""The `limits` storage on our own table: fixed windows, giving back, ending, cleaning up,
and one count per hit when threads race, on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from limits import RateLimitItemPerMinute
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.engine import Engine

from resale.core.db import writer
from resale.core.ratelimit.models import RateLimitCounter
from resale.core.ratelimit.storage import DatabaseStorage


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def storage(engine: Engine, clock: Clock) -> DatabaseStorage:
    return DatabaseStorage(lambda: writer(engine).begin(), clock=clock)


def key() -> str:
    return f"test/{secrets.token_hex(6)}"


def rows(engine: Engine, *keys: str) -> int:
    with engine.connect() as connection:
        statement = sa.select(sa.func.count()).select_from(RateLimitCounter)
        return int(connection.execute(statement.where(RateLimitCounter.key.in_(keys))).scalar())  # type: ignore[attr-defined]


def test_hits_count_within_a_window_and_start_again_after_it(committed_engine: Engine) -> None:
    clock = Clock()
    counters, k = storage(committed_engine, clock), key()
    assert [counters.incr(k, 60) for _ in range(3)] == [1, 2, 3]
    assert counters.get(k) == 3
    assert counters.get_expiry(k) == clock.now + 60
    clock.now += 30  # the window is fixed: later hits do not move its end
    assert counters.incr(k, 60) == 4
    assert counters.get_expiry(k) == clock.now + 30
    clock.now += 30
    assert counters.get(k) == 0
    assert counters.incr(k, 60) == 1
    assert counters.get_expiry(k) == clock.now + 60


def test_hits_given_back_and_cleared(committed_engine: Engine) -> None:
    clock = Clock()
    counters, k = storage(committed_engine, clock), key()
    counters.incr(k, 60, amount=2)
    assert counters.incr(k, 60, amount=-1) == 1
    counters.clear(k)
    assert counters.get(k) == 0
    # Giving back into an ended window leaves it at zero, not below.
    counters.incr(k, 60)
    clock.now += 61
    assert counters.incr(k, 60, amount=-1) == 0


def test_the_limiter_refuses_past_the_limit(committed_engine: Engine) -> None:
    limiter = FixedWindowRateLimiter(storage(committed_engine, Clock()))
    item, who = RateLimitItemPerMinute(2), secrets.token_hex(4)
    assert [limiter.hit(item, who) for _ in range(3)] == [True, True, False]
    assert limiter.get_window_stats(item, who).remaining == 0


def test_ended_windows_are_removed_by_a_later_write(committed_engine: Engine) -> None:
    clock = Clock()
    counters, old, new = storage(committed_engine, clock), key(), key()
    counters.incr(old, 10)
    assert rows(committed_engine, old) == 1
    clock.now += 3600  # past the end, and past the storage's cleanup interval
    counters.incr(new, 10)
    assert rows(committed_engine, old, new) == 1


def test_fifty_threads_on_one_key_each_get_their_own_count(committed_engine: Engine) -> None:
    clock = Clock()
    k, n = key(), 50
    barrier = threading.Barrier(n)

    def hit(_i: int) -> int:
        counters = storage(committed_engine, clock)  # one per thread, as one per process
        barrier.wait()
        return counters.incr(k, 60)

    with ThreadPoolExecutor(n) as pool:
        counts = list(pool.map(hit, range(n)))
    assert sorted(counts) == list(range(1, n + 1))
