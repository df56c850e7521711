"""Run a coroutine to the end from a synchronous test.

In a thread with a loop of its own: when the whole suite runs, the browser tests' Playwright
keeps an event loop running in the main thread, and `asyncio.run` refuses to start there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_in_own_loop(main: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main).result()
