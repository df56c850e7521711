"""The listings area's periodic jobs, collected by the app (resale.app.jobs)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from listings import photos, service
from resale.core.config import settings
from resale.core.scheduler import Job


def write_views(engine: Engine) -> int:
    """Views of listings are noted in memory by the pages; write them in one batch."""
    return service.write_noted_views(engine=engine)


def remove_stale_pending_photos(_engine: Engine) -> str | None:
    """Photos the sell form kept for a submit that never came go after pending_photo_hours."""
    removed = photos.remove_stale_pending(older_than=timedelta(hours=settings.pending_photo_hours))
    return f"{removed} stale files removed" if removed else None


def jobs() -> list[Job]:
    """This area's periodic jobs, with the intervals the settings give now."""
    return [
        Job(
            "listings.views",
            settings.view_flush_seconds,
            write_views,
            help="Write the listing views noted in memory.",
        ),
        Job(
            "listings.pending_photos",
            3600,
            remove_stale_pending_photos,
            help="Remove photos kept for a sell form that was never submitted.",
            at_start=True,
        ),
    ]
