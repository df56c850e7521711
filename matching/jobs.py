"""The matching area's periodic job, collected by the app (resale.app.jobs)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import Engine

from matching import notices
from resale.core.config import settings
from resale.core.db import utcnow
from resale.core.scheduler import Job


class NewListingNotices:
    """Tell buyers about listings published since the last run.

    The window overlaps the last one by an interval, so a listing published mid-run is not
    missed; each buyer hears of a listing once, so the overlap adds nothing twice. The
    first run (and a run from cron) looks two intervals back.
    """

    def __init__(self, interval: float) -> None:
        self.interval = timedelta(seconds=interval or 60)
        self.since: datetime | None = None
        self._lock = threading.Lock()

    def __call__(self, engine: Engine) -> str | None:
        with self._lock:
            started = utcnow()
            since = (self.since or started - self.interval) - self.interval
            told = notices.notify_since(engine=engine, since=since)
            self.since = started
        return f"{told} new" if told else None


def jobs() -> list[Job]:
    """This area's periodic jobs, with the intervals the settings give now."""
    return [
        Job(
            "matching.notices",
            settings.sweep_interval_seconds,
            NewListingNotices(settings.sweep_interval_seconds),
            help="Tell buyers about new listings matching their saved searches or taste.",
        )
    ]
