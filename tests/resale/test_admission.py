"""The app admits no more requests at once than the database pool can serve."""

from __future__ import annotations

import asyncio
from typing import Any

from resale.app import ADMITTED_REQUESTS, AdmissionLimit
from resale.core.db import POOL_OVERFLOW, POOL_SIZE
from tests.aio import run_in_own_loop


def _run(limit: int, paths: list[str]) -> int:
    inside = peak = 0

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal inside, peak
        inside += 1
        peak = max(peak, inside)
        await asyncio.sleep(0.01)
        inside -= 1

    gate = AdmissionLimit(app, limit=limit)

    async def main() -> None:
        await asyncio.gather(*(gate({"type": "http", "path": p}, None, None) for p in paths))

    run_in_own_loop(main())
    return peak


def test_requests_beyond_the_limit_wait_their_turn() -> None:
    assert _run(3, ["/api/v1/orders"] * 20) == 3


def test_static_files_are_not_held_back() -> None:
    assert _run(1, ["/static/css/app.css"] * 5) == 5


def test_the_limit_leaves_connections_for_background_work() -> None:
    assert 0 < ADMITTED_REQUESTS < POOL_SIZE + POOL_OVERFLOW
