"""Views of listings, recorded off the request's transaction.

Opening a listing is a read: it must never make readers queue for the database's write
lock, nor fail because two people opened the same page at once. So a view is only noted
in memory here; the app writes the notes in one short write transaction every few
seconds (``settings.view_flush_seconds``) and once more when it stops.

Repeats are dropped: one viewer (a signed-in user, or else a client address) counts once
per listing within ``settings.view_repeat_minutes``. Within a process the memory of who
saw what decides; across processes the flush also skips a signed-in user's view when the
database already has one of theirs for that listing within the window.

What is noted but not yet written is lost if the process is killed: views are a signal
for recommendations, not a record anyone relies on, and losing a few seconds of them is
the price of keeping reads free of writes.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listings.models import InteractionEvent, InteractionKind, Listing
from resale.core.config import settings
from resale.core.db import utcnow
from resale.users.models import User

log = logging.getLogger(__name__)

# Beyond this many unwritten views (the writer is stuck, or the database down), new ones
# are dropped and counted rather than growing memory without bound.
MAX_PENDING = 50_000


@dataclass(frozen=True, slots=True)
class _View:
    listing_id: int
    user_id: int | None
    at: datetime


class ViewRecorder:
    """Views noted in memory, de-duplicated per viewer and listing, written in batches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[_View] = []
        self._last_seen: dict[tuple[str, int], datetime] = {}
        self.dropped = 0

    def note(self, *, listing_id: int, user_id: int | None, client: str | None) -> bool:
        """Note a view; False when it repeats one of this viewer's within the window."""
        now = utcnow()
        window = timedelta(minutes=settings.view_repeat_minutes)
        key = (_viewer_key(user_id, client), listing_id)
        with self._lock:
            last = self._last_seen.get(key)
            if last is not None and now - last < window:
                return False
            if len(self._pending) >= MAX_PENDING:
                self.dropped += 1
                return False
            self._last_seen[key] = now
            self._pending.append(_View(listing_id, user_id, now))
            return True

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def flush(self, session: Session) -> int:
        """Write the noted views in ``session`` (a write session; the caller commits).

        Returns how many rows were written. If the write fails the views are put back,
        so the next flush tries them again.
        """
        with self._lock:
            batch, self._pending = self._pending, []
            self._forget_older_than(utcnow() - timedelta(minutes=settings.view_repeat_minutes))
        if not batch:
            return 0
        try:
            rows = _without_recorded_repeats(session, batch)
            if rows:
                session.execute(sa.insert(InteractionEvent), rows)
        except BaseException:
            with self._lock:
                self._pending[:0] = batch
            raise
        return len(rows)

    def clear(self) -> None:
        """Forget everything noted (tests start from nothing)."""
        with self._lock:
            self._pending.clear()
            self._last_seen.clear()
            self.dropped = 0

    def _forget_older_than(self, cutoff: datetime) -> None:
        stale = [key for key, at in self._last_seen.items() if at < cutoff]
        for key in stale:
            del self._last_seen[key]


def _viewer_key(user_id: int | None, client: str | None) -> str:
    if user_id is not None:
        return f"u{user_id}"
    # Addresses are kept only as a digest, and only for the window.
    return "a" + hashlib.sha256((client or "").encode()).hexdigest()[:16]


def _without_recorded_repeats(session: Session, batch: list[_View]) -> list[dict[str, object]]:
    """The batch as rows, less signed-in views another process already wrote in the window."""
    window = timedelta(minutes=settings.view_repeat_minutes)
    signed_in = {v.user_id for v in batch if v.user_id is not None}
    recorded: dict[tuple[int, int], datetime] = {}
    if signed_in:
        earliest = min(v.at for v in batch) - window
        for user_id, listing_id, at in session.exec(
            select(
                col(InteractionEvent.user_id),
                col(InteractionEvent.listing_id),
                sa.func.max(InteractionEvent.created_at),
            )
            .where(
                col(InteractionEvent.user_id).in_(signed_in),
                InteractionEvent.kind == InteractionKind.VIEW,
                col(InteractionEvent.created_at) >= earliest,
            )
            .group_by(col(InteractionEvent.user_id), col(InteractionEvent.listing_id))
        ):
            if user_id is not None:
                recorded[(user_id, listing_id)] = at
    # A listing or an account deleted since the view was noted takes its views with it.
    listings = set(
        session.exec(select(Listing.id).where(col(Listing.id).in_({v.listing_id for v in batch})))
    )
    users = (
        set(session.exec(select(User.id).where(col(User.id).in_(signed_in))))
        if signed_in
        else set()
    )
    rows: list[dict[str, object]] = []
    for view in batch:
        if view.listing_id not in listings:
            continue
        if view.user_id is not None:
            if view.user_id not in users:
                continue
            last = recorded.get((view.user_id, view.listing_id))
            if last is not None and view.at - last < window:
                continue
            recorded[(view.user_id, view.listing_id)] = view.at
        rows.append(
            {
                "user_id": view.user_id,
                "listing_id": view.listing_id,
                "kind": InteractionKind.VIEW,
                "created_at": view.at,
            }
        )
    return rows


recorder = ViewRecorder()
