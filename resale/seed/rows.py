"""What the demo seed plans and how it writes: people, ads, progress and bulk inserts."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from rich.progress import Progress, TaskID
from sqlmodel import Session, SQLModel

from listings.models import ListingStatus
from resale.core.geo import Place

BATCH = 1000

TABLES = SQLModel.metadata.tables
_T = TypeVar("_T")


@dataclass(slots=True)
class Person:
    email: str
    display_name: str
    place: Place
    lat: float
    lon: float
    created_at: datetime
    interests: tuple[str, ...]  # parent categories this person buys and sells most
    selling: float  # relative number of listings; 0 for people who only buy
    demo: bool = False  # one of the public demo accounts
    language: str | None = None  # the interface language they chose; None: their browser's
    id: int = 0


@dataclass(slots=True)
class Ad:
    seller: int  # index into the people list
    group: str
    status: ListingStatus
    published_at: datetime | None
    lat: float
    lon: float
    row: dict[str, Any]
    photos: list[int]  # demo image numbers, 1..PHOTOS_PER_LEAF
    id: int = 0


class Steps:
    """Progress bars for the CLI; does nothing without a Progress."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def start(self, description: str, total: int) -> None:
        if self._progress is not None:
            self._task = self._progress.add_task(description, total=total)

    def advance(self, amount: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, amount)


def moment_after(rng: random.Random, start: datetime, now: datetime) -> datetime:
    """A time between ``start`` and a minute ago, more often soon after ``start``."""
    span = (now - timedelta(minutes=1) - start).total_seconds()
    return start + timedelta(seconds=round(max(span, 0) * rng.random() ** 1.6))


def batches(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_returning_ids(
    session: Session, table: sa.Table, rows: list[dict[str, Any]]
) -> list[int]:
    """Bulk insert; ids come back in the order of ``rows`` on SQLite and PostgreSQL alike."""
    if not rows:
        return []
    statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [int(new_id) for new_id in session.execute(statement, rows).scalars()]
