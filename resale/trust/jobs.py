"""The trust area's periodic jobs, collected by the app (resale.app.jobs)."""

from __future__ import annotations

from sqlalchemy import Engine

from resale.core.db import write_session
from resale.core.scheduler import Job
from resale.trust import service


def tell_shown_reviews(engine: Engine) -> str | None:
    """Reviews shown when their window ended: their subjects are told, once."""
    with write_session(engine) as session:
        told = service.tell_shown(session=session)
        session.commit()
    return f"{told} reviews shown" if told else None


def jobs() -> list[Job]:
    return [
        Job(
            "reviews.shown",
            600,
            tell_shown_reviews,
            help="Tell people of reviews about them shown at the end of the review window.",
        ),
    ]
