"""The conversations area's periodic jobs, collected by the app (resale.app.jobs)."""

from __future__ import annotations

from sqlalchemy import Engine

from resale.conversations import service
from resale.core.db import write_session
from resale.core.scheduler import Job


def expire_offers(engine: Engine) -> str | None:
    """Open offers past their time are closed as expired."""
    with write_session(engine) as session:
        expired = service.expire_offers(session=session)
        session.commit()
    return f"{expired} offers expired" if expired else None


def jobs() -> list[Job]:
    return [
        Job("offers.expire", 300, expire_offers, help="Close the offers left unanswered too long."),
    ]
