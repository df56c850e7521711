"""Waking a person's open live streams (server-sent events) when something new is stored
for them.

A write that concerns someone calls ``wake_after_commit(session, user_ids)``; once its
transaction commits, every stream of those people open in this process wakes and reads
what is new from the database. Streams also look on their own every
``settings.live_poll_seconds``, for what other processes wrote. Core knows no area: a
stream is keyed by a user id only; what it reads is the area's business.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlmodel import Session

from resale.core.db import on_commit


class Hub:
    """The open streams of this process, by user; safe to wake from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    @contextmanager
    def listening(self, user_id: int) -> Iterator[asyncio.Event]:
        """An event set whenever ``user_id`` is woken, while the block runs (in a loop)."""
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiting.setdefault(user_id, set()).add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                streams = self._waiting.get(user_id)
                if streams is not None:
                    streams.discard(entry)
                    if not streams:
                        del self._waiting[user_id]

    def wake(self, user_ids: Iterable[int]) -> None:
        with self._lock:
            entries = [e for uid in set(user_ids) for e in self._waiting.get(uid, ())]
        for loop, event in entries:
            with contextlib.suppress(RuntimeError):  # its loop has closed: the stream is gone
                loop.call_soon_threadsafe(event.set)

    def listeners(self) -> int:
        with self._lock:
            return sum(len(streams) for streams in self._waiting.values())


hub = Hub()


def wake_after_commit(session: Session, user_ids: Iterable[int]) -> None:
    """Wake these people's streams once this transaction has committed (never before:
    a stream must find what woke it)."""
    ids = tuple(user_ids)
    on_commit(session, lambda: hub.wake(ids))
