"""Telling someone something, and what they have not seen yet.

Any area tells through ``tell``; the kinds in use are named where they are told (for
example "listing.match" in matching/notices.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from resale.core.db import insert_unless_present, lock_for_write, utcnow
from resale.core.i18n import gettext
from resale.core.notifications.models import Notification


def tell(
    session: Session,
    recipient_id: int,
    kind: str,
    text: str,
    link: str,
    key: str | None = None,
    params: Mapping[str, str] | None = None,
) -> bool:
    """Tell ``recipient_id``; True if this is new. With a ``key`` they hear of it once:
    the same key again (a re-run, fifty at once) adds nothing.

    ``text`` is the English message, marked for the catalogs where it is written
    (``N_("Sold: “%(title)s”...")``), with ``params`` to fill it: it is stored so and
    translated when it is read (``wording``), into the language of whoever reads it."""
    return insert_unless_present(
        session,
        Notification,
        {
            "recipient_id": recipient_id,
            "kind": kind,
            "text": text[:300],
            "params": dict(params) if params else None,
            "link": link,
            "key": key,
            "created_at": utcnow(),
        },
    )


def wording(notification: Notification) -> str:
    """A notification's text in the language being spoken, its values filled in."""
    text = gettext(notification.text)
    if not notification.params:
        return text
    try:
        return text % notification.params
    except (KeyError, ValueError, TypeError):  # a catalog out of step with a stored message
        return notification.text % notification.params


def recent(
    session: Session,
    recipient_id: int,
    limit: int,
    *,
    kind: str | None = None,
    other_than: str | None = None,
) -> Sequence[Notification]:
    """The recipient's notifications, newest first: of one ``kind``, or all but ``other_than``."""
    query = select(Notification).where(Notification.recipient_id == recipient_id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    if other_than is not None:
        query = query.where(Notification.kind != other_than)
    return session.exec(
        query.order_by(col(Notification.created_at).desc(), col(Notification.id).desc()).limit(
            limit
        )
    ).all()


def unseen_count(session: Session, recipient_id: int, *, kind: str | None = None) -> int:
    """How many notifications (of ``kind``, when given) the recipient has not looked at yet."""
    query = (
        select(sa.func.count())
        .select_from(Notification)
        .where(Notification.recipient_id == recipient_id, col(Notification.seen_at).is_(None))
    )
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return int(session.exec(query).one())


def mark_seen(session: Session, recipient_id: int) -> int:
    """The recipient has looked at their notifications; returns how many were new.

    Pages showing them are GETs that write, so it asks for the write lock first."""
    lock_for_write(session)
    result = session.execute(
        sa.update(Notification)
        .where(col(Notification.recipient_id) == recipient_id, col(Notification.seen_at).is_(None))
        .values(seen_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
