"""A `limits` storage on our own table, so counts survive restarts and are shared by every
process on the database. `limits` ships Redis, Memcached, MongoDB and memory storages but
no SQL one; this implements its storage interface for the fixed-window strategy.

Each call is its own short transaction under the write rule (resale.core.db.writer: on SQLite it
takes the write lock at BEGIN), one statement: ``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING``, so concurrent hits on one key each get their own count on both databases.
Call it while the caller's own session holds no transaction: on SQLite a writer's
connection would otherwise wait for the write lock that session holds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite

from resale.core.db import get_engine, writer
from resale.core.ratelimit.models import RateLimitCounter

Transaction = Callable[[], AbstractContextManager[sa.Connection]]

_TABLE: sa.Table = RateLimitCounter.__table__  # type: ignore[attr-defined]
# Ended windows are deleted by the next write at most this often (seconds) per process.
CLEANUP_EVERY = 60.0


def _engine_transaction() -> AbstractContextManager[sa.Connection]:
    return writer(get_engine()).begin()


class DatabaseStorage(Storage):
    """Fixed windows in the rate_limit_counters table."""

    STORAGE_SCHEME = None  # made from the app's engine, never from a URL

    def __init__(
        self, transaction: Transaction = _engine_transaction, clock: Callable[[], float] = time.time
    ) -> None:
        """``transaction`` gives a connection inside a transaction committed at its end (by
        default a writer transaction on the app's engine); ``clock`` is seconds since the epoch."""
        super().__init__()
        self.transaction = transaction
        self.clock = clock
        self._next_cleanup = 0.0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the key's count in its window (a new window if none is open)
        and return the count; a negative amount gives hits back."""
        now = self.clock()
        with self.transaction() as connection:
            insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
            fresh = max(amount, 0)  # giving back into an ended window starts it at zero
            ended = _TABLE.c.expires_at <= now
            upsert = (
                insert(_TABLE)
                .values(key=key, hits=fresh, expires_at=now + expiry)
                .on_conflict_do_update(
                    index_elements=[_TABLE.c.key],
                    set_={
                        "hits": sa.case((ended, fresh), else_=_TABLE.c.hits + amount),
                        "expires_at": sa.case((ended, now + expiry), else_=_TABLE.c.expires_at),
                    },
                )
                .returning(_TABLE.c.hits)
            )
            hits = int(connection.execute(upsert).scalar_one())
            if now >= self._next_cleanup:
                self._next_cleanup = now + CLEANUP_EVERY
                connection.execute(sa.delete(_TABLE).where(_TABLE.c.expires_at <= now))
        return hits

    def _row(self, key: str) -> Any:
        with self.transaction() as connection:
            return connection.execute(
                sa.select(_TABLE.c.hits, _TABLE.c.expires_at).where(
                    _TABLE.c.key == key, _TABLE.c.expires_at > self.clock()
                )
            ).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row.hits) if row else 0

    def get_expiry(self, key: str) -> float:
        """When the key's window ends (now if it has none), in seconds since the epoch."""
        row = self._row(key)
        return float(row.expires_at) if row else self.clock()

    def check(self) -> bool:
        try:
            with self.transaction() as connection:
                connection.execute(sa.select(1))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.transaction() as connection:
            return connection.execute(sa.delete(_TABLE)).rowcount

    def clear(self, key: str) -> None:
        with self.transaction() as connection:
            connection.execute(sa.delete(_TABLE).where(_TABLE.c.key == key))
