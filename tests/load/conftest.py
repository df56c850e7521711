"""Load tests: many requests released at once against the real app on a loopback port.

Each module gets a fresh database of each kind (``committed_engine``) and one server on it;
the requests really commit, on connections of their own, as they would in production.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx2 as httpx

AT_ONCE = 50


def at_once(
    base: str, send: Callable[[httpx.Client, int], httpx.Response], n: int = AT_ONCE
) -> list[httpx.Response]:
    """Call ``send(client, i)`` for i in 0..n-1, each on its own connection, released together."""
    barrier = threading.Barrier(n)

    def one(i: int) -> httpx.Response:
        with httpx.Client(base_url=base, timeout=120) as client:
            barrier.wait()
            return send(client, i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def statuses(answers: list[httpx.Response]) -> Counter[int]:
    """The status codes, after checking that none is a server error (with its body if so)."""
    errors = [
        f"{a.status_code} {a.request.method} {a.request.url}: {a.text[:300]}"
        for a in answers
        if a.status_code >= 500
    ]
    assert not errors, "\n".join(errors[:5])
    return Counter(a.status_code for a in answers)
