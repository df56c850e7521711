"""The notifications' periodic job, e-mail, collected by the app (resale.app.jobs), which
hands it who takes e-mail (core knows no area)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from sqlalchemy import Engine

from resale.core.config import settings
from resale.core.db import utcnow, write_session
from resale.core.notifications import mail, service
from resale.core.notifications.service import Recipients
from resale.core.scheduler import Job

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 15
BATCH = 50
BATCHES_PER_RUN = 20

_said_off = False


def email_notifications(
    engine: Engine, *, recipients: Callable[[], Recipients], now: datetime | None = None
) -> str | None:
    """E-mail the notifications due, to the people ``recipients()`` names, in batches: each
    claimed in a short transaction, sent with no transaction open, and what failed put back
    for a later run. Without RESALE_SMTP_HOST it sends and marks nothing."""
    global _said_off
    if not settings.smtp_host:
        if not _said_off:
            log.info("notifications.email: RESALE_SMTP_HOST is not set, e-mail is off")
            _said_off = True
        return None
    sent = failed = 0
    for _batch in range(BATCHES_PER_RUN):
        moment = now or utcnow()
        with write_session(engine) as session:
            batch = service.claim_for_email(session, recipients(), now=moment, limit=BATCH)
            session.commit()
        if not batch:
            break
        delivery = mail.deliver(batch)
        sent += len(delivery.sent)
        if delivery.failed:
            failed += len(delivery.failed)
            with write_session(engine) as session:
                given_up = service.email_failed(
                    session, [outgoing for outgoing, _why in delivery.failed], now=moment
                )
                session.commit()
            for outgoing, why in delivery.failed:
                log.warning(
                    "notice %s to %s not e-mailed (try %s of %s): %s",
                    outgoing.notification.id,
                    outgoing.email,
                    outgoing.attempt,
                    service.EMAIL_ATTEMPTS,
                    why,
                )
            if given_up:
                log.error("gave up e-mailing notices %s; they stay in-app", given_up)
            break  # the server is in trouble: the rest wait for the next run
        if len(batch) < BATCH:
            break
    if not sent and not failed:
        return None
    return f"{sent} e-mailed" + (f", {failed} not sent" if failed else "")


def jobs(*, recipients: Callable[[], Recipients]) -> list[Job]:
    """This area's periodic jobs; ``recipients`` says who takes notifications by e-mail."""
    return [
        Job(
            "notifications.email",
            INTERVAL_SECONDS,
            partial(email_notifications, recipients=recipients),
            help="E-mail new notifications to those who take e-mail (RESALE_SMTP_HOST).",
        )
    ]
