"""Telling someone something, and what they have not seen yet.

Any area tells through ``tell``; the kinds in use are named where they are told (for
example "listing.match" in matching/notices.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from resale.core.db import insert_unless_present, lock_for_write, utcnow
from resale.core.i18n import gettext
from resale.core.live import wake_after_commit
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
    wake_after_commit(session, [recipient_id])  # their open pages update (resale.core.live)
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


def mark_seen(session: Session, recipient_id: int, *, link: str | None = None) -> int:
    """The recipient has looked at their notifications (or at the page ``link`` that those
    about it lead to); returns how many were new.

    Pages showing them are GETs that write, so it asks for the write lock first."""
    query = (
        select(sa.func.count())
        .select_from(Notification)
        .where(Notification.recipient_id == recipient_id, col(Notification.seen_at).is_(None))
    )
    if link is not None:
        query = query.where(Notification.link == link)
    if not session.exec(query).one():
        return 0  # nothing new: no write lock taken for nothing
    lock_for_write(session)
    update = sa.update(Notification).where(
        col(Notification.recipient_id) == recipient_id, col(Notification.seen_at).is_(None)
    )
    if link is not None:
        update = update.where(col(Notification.link) == link)
    result = session.execute(update.values(seen_at=utcnow()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- E-mail --------------------------------------------------------------------------------
# A notification is e-mailed at most once, only within EMAIL_WITHIN of being told (an old
# one is news no longer, and an upgrade must not mail every notice ever told), in at most
# EMAIL_ATTEMPTS tries, each failure waiting longer before the next.
EMAIL_WITHIN = timedelta(days=1)
EMAIL_ATTEMPTS = 5
EMAIL_RETRY_AFTER = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)

# Who takes notifications by e-mail: a query of (id, email, name, language), labelled so,
# handed over by the caller (core knows no area: users.service.email_recipients).
Recipients = sa.Select[tuple[int, str, str, str | None]]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A notification claimed for e-mail, with where it goes; ``attempt`` counts from 1."""

    notification: Notification
    email: str
    name: str
    language: str | None
    attempt: int


def claim_for_email(
    session: Session, recipients: Recipients, *, now: datetime, limit: int
) -> list[Outgoing]:
    """Take up to ``limit`` notifications due for e-mail to people in ``recipients``, marked
    as e-mailed at once: the caller commits, then sends, then reports what failed
    (``email_failed``). Two jobs at once never take the same one: PostgreSQL skips the rows
    another has locked, SQLite lets one writer in at a time, and the UPDATE takes only
    what is still not e-mailed."""
    lock_for_write(session)
    who = recipients.subquery("recipients")
    due = session.execute(
        sa.select(Notification, who.c.email, who.c.name, who.c.language)
        .join(who, who.c.id == col(Notification.recipient_id))
        .where(
            col(Notification.emailed_at).is_(None),
            col(Notification.email_attempts) < EMAIL_ATTEMPTS,
            sa.or_(
                col(Notification.email_retry_at).is_(None),
                col(Notification.email_retry_at) <= now,
            ),
            col(Notification.created_at) >= now - EMAIL_WITHIN,
        )
        .order_by(col(Notification.id))
        .limit(limit)
        .with_for_update(of=Notification, skip_locked=True)
    ).all()
    if not due:
        return []
    claimed = set(
        session.execute(
            sa.update(Notification)
            .where(
                col(Notification.id).in_([row[0].id for row in due]),
                col(Notification.emailed_at).is_(None),
            )
            .values(emailed_at=now, email_attempts=col(Notification.email_attempts) + 1)
            .returning(col(Notification.id))
            .execution_options(synchronize_session=False)
        ).scalars()
    )
    return [
        Outgoing(notification, email, name, language, notification.email_attempts + 1)
        for notification, email, name, language in due
        if notification.id in claimed
    ]


def email_failed(session: Session, failed: Sequence[Outgoing], *, now: datetime) -> list[int]:
    """These claimed e-mails did not go: each is tried again later, unless that was its last
    try (it stays in-app only). Returns the ids given up on."""
    lock_for_write(session)
    given_up = []
    for outgoing in failed:
        if outgoing.attempt >= EMAIL_ATTEMPTS:
            retry_at = None
            given_up.append(outgoing.notification.id)
        else:
            wait = EMAIL_RETRY_AFTER[min(outgoing.attempt, len(EMAIL_RETRY_AFTER)) - 1]
            retry_at = now + wait
        session.execute(
            sa.update(Notification)
            .where(col(Notification.id) == outgoing.notification.id)
            .values(emailed_at=None, email_retry_at=retry_at)
            .execution_options(synchronize_session=False)
        )
    return [i for i in given_up if i is not None]
