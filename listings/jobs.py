"""The listings area's periodic jobs, collected by the app (resale.app.jobs)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from listings import photos, service
from resale.core.config import settings
from resale.core.db import utcnow, write_session
from resale.core.scheduler import Job


def write_views(engine: Engine) -> int:
    """Views of listings are noted in memory by the pages; write them in one batch."""
    return service.write_noted_views(engine=engine)


def remove_stale_pending_photos(_engine: Engine) -> str | None:
    """Photos the sell form kept for a submit that never came go after pending_photo_hours."""
    removed = photos.remove_stale_pending(older_than=timedelta(hours=settings.pending_photo_hours))
    return f"{removed} stale files removed" if removed else None


def lapse_reservations(engine: Engine) -> str | None:
    """Items kept for a buyer (an accepted offer) who did not buy in time go back on sale."""
    with write_session(engine) as session:
        lapsed = service.lapse_reservations(session=session, now=utcnow())
        session.commit()
    return f"{len(lapsed)} reservations lapsed" if lapsed else None


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
            "listings.reservations",
            60,
            lapse_reservations,
            help="Put back on sale the items kept for a buyer who did not buy in time.",
        ),
        Job(
            "listings.pending_photos",
            3600,
            remove_stale_pending_photos,
            help="Remove photos kept for a sell form that was never submitted.",
            at_start=True,
        ),
    ]
