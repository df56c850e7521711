"""argon2 runs in a bounded lane: a few at once per process, waited for without an admission
slot, and refused with 503 and Retry-After when too many wait."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from resale.app import AdmissionLimit
from resale.core import security
from resale.core.security import PasswordLane, PasswordsBusy
from tests.aio import run_in_own_loop


def test_no_more_than_the_lane_size_hash_at_once() -> None:
    lane = PasswordLane(size=2, max_waiting=64)
    inside = peak = 0
    lock = threading.Lock()
    start = threading.Barrier(8)

    def hash_one(_i: int) -> None:
        nonlocal inside, peak
        start.wait()
        with lane.hashing():
            with lock:
                inside += 1
                peak = max(peak, inside)
            security._hasher.hash("a password to hash")
            with lock:
                inside -= 1

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(hash_one, range(8)))
    assert peak == 2


def test_waiting_for_a_turn_leaves_the_admission_slot_to_others() -> None:
    lane = PasswordLane(size=1, max_waiting=64)
    done: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] == "/login":
            async with lane.turn(scope[security.ADMISSION_SLOT]):
                done.append("login")
        else:
            done.append("search")

    gate = AdmissionLimit(app, limit=1)  # one request inside at a time

    async def main() -> None:
        async with lane.turn():  # argon2 busy elsewhere: every login must wait
            logins = [
                asyncio.create_task(gate({"type": "http", "path": "/login"}, None, None))
                for _ in range(5)
            ]
            await asyncio.sleep(0)
            # The one admission slot is free: a search gets in while five logins wait.
            await asyncio.wait_for(gate({"type": "http", "path": "/search"}, None, None), 5)
            assert done == ["search"]
        await asyncio.gather(*logins)

    run_in_own_loop(main())
    assert done == ["search"] + ["login"] * 5


def test_too_many_waiting_are_refused_with_retry_after() -> None:
    lane = PasswordLane(size=1, max_waiting=2)
    refused: list[PasswordsBusy] = []

    async def wait_for_turn() -> None:
        try:
            async with lane.turn():
                pass
        except PasswordsBusy as exc:
            refused.append(exc)

    async def main() -> None:
        async with lane.turn():
            waiting = [asyncio.create_task(wait_for_turn()) for _ in range(3)]
            await asyncio.sleep(0)
        await asyncio.gather(*waiting)

    run_in_own_loop(main())
    assert len(refused) == 1
    assert refused[0].status_code == 503
    assert refused[0].headers() == {"Retry-After": "2"}


def test_a_cancelled_wait_gives_its_turn_back() -> None:
    lane = PasswordLane(size=1, max_waiting=8)

    async def main() -> None:
        async with lane.turn():
            waiter = asyncio.create_task(lane.turn().__aenter__())
            await asyncio.sleep(0)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
        async with asyncio.timeout(5), lane.turn():  # the lane is free again
            pass

    run_in_own_loop(main())
