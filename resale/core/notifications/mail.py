"""Notifications by e-mail: each a plain-text message in its reader's language, with a link
to the page it is about, handed to the SMTP server of the settings (RESALE_SMTP_*)."""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from resale.core import i18n
from resale.core.config import settings
from resale.core.i18n import N_
from resale.core.i18n import gettext as _
from resale.core.notifications.service import Outgoing, wording

log = logging.getLogger(__name__)

SUBJECT = N_("resale: %(text)s")
GREETING = N_("Hello %(name)s,")
SEE_IT = N_("See it on resale: %(link)s")
WHY = N_(
    "You get this e-mail because your notifications on resale also come by e-mail."
    " To stop them, untick the box on your profile: %(link)s"
)
SUBJECT_MAX = 150


def absolute(link: str) -> str:
    """A link of the site (a path such as /orders/3) as an address to open from a mailbox."""
    if link.startswith(("http://", "https://")):
        return link
    return settings.public_url.rstrip("/") + "/" + link.lstrip("/")


def message(outgoing: Outgoing) -> EmailMessage:
    """The e-mail telling ``outgoing``, worded in its recipient's language."""
    notification = outgoing.notification
    with i18n.speaking(outgoing.language or i18n.DEFAULT):
        text = wording(notification)
        one_line = " ".join(text.split())
        if len(one_line) > SUBJECT_MAX:
            one_line = one_line[: SUBJECT_MAX - 1] + "…"
        subject = _(SUBJECT) % {"text": one_line}
        body = "\n\n".join(
            [
                _(GREETING) % {"name": outgoing.name},
                text,
                _(SEE_IT) % {"link": absolute(notification.link)},
                "-- \n" + _(WHY) % {"link": absolute("/profile")},
            ]
        )
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = settings.smtp_from
    mail["To"] = Address(display_name=" ".join(outgoing.name.split()), addr_spec=outgoing.email)
    mail["Date"] = formatdate(usegmt=True)
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or None
    mail["Message-ID"] = make_msgid("notice." + str(notification.id), domain=domain)
    mail["Auto-Submitted"] = "auto-generated"  # no out-of-office answers, please
    mail.set_content(body + "\n", cte="quoted-printable")
    return mail


@dataclass
class Delivery:
    """What became of a batch: sent, and not sent with why."""

    sent: list[Outgoing] = field(default_factory=list)
    failed: list[tuple[Outgoing, str]] = field(default_factory=list)


def _connect() -> smtplib.SMTP:
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds
    smtp: smtplib.SMTP
    if port == 465:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if port != 465 and settings.smtp_uses_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def deliver(batch: Sequence[Outgoing]) -> Delivery:
    """Send each over one connection. A message the server refuses fails alone; when the
    server cannot be reached or goes away, that one and the rest fail (to try again later)."""
    done = Delivery()
    messages: list[tuple[Outgoing, EmailMessage]] = []
    for outgoing in batch:
        try:
            messages.append((outgoing, message(outgoing)))
        except Exception as exc:  # an address or a name no message can carry
            log.exception("notice %s: no e-mail could be made", outgoing.notification.id)
            done.failed.append((outgoing, f"{type(exc).__name__}: {exc}"))
    if not messages:
        return done
    try:
        smtp = _connect()
    except OSError as exc:  # smtplib's errors are OSErrors too
        reason = f"{type(exc).__name__}: {exc}"
        done.failed.extend((outgoing, reason) for outgoing, _mail in messages)
        return done
    try:
        for position, (outgoing, mail) in enumerate(messages):
            try:
                smtp.send_message(mail, to_addrs=[outgoing.email])
            except smtplib.SMTPServerDisconnected as exc:
                lost = f"{type(exc).__name__}: {exc}"
                done.failed.extend((o, lost) for o, _mail in messages[position:])
                break
            except smtplib.SMTPException as exc:  # this message refused; the next may go
                done.failed.append((outgoing, f"{type(exc).__name__}: {exc}"))
            except OSError as exc:  # the connection broke
                lost = f"{type(exc).__name__}: {exc}"
                done.failed.extend((o, lost) for o, _mail in messages[position:])
                break
            else:
                done.sent.append(outgoing)
    finally:
        with contextlib.suppress(OSError):
            smtp.quit()
        smtp.close()
    return done
