"""The users area's periodic job, collected by the app (resale.app.jobs)."""

from __future__ import annotations

from sqlalchemy import Engine

from resale.core.db import write_session
from resale.core.scheduler import Job
from resale.users import service


def remove_expired_tokens(engine: Engine) -> str | None:
    """Delete the browser sessions and API tokens whose lifetime is over."""
    with write_session(engine) as session:
        removed = service.remove_expired_tokens(session=session)
        session.commit()
    return f"{removed} expired logins removed" if removed else None


def jobs() -> list[Job]:
    """This area's periodic jobs."""
    return [
        Job(
            "users.expired_tokens",
            3600,
            remove_expired_tokens,
            help="Delete browser sessions and API tokens past their end.",
        )
    ]
