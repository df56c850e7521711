"""Notifications by e-mail (notifications.email): a real SMTP server (aiosmtpd) on a loopback
port receives them, worded in each reader's language, once each, also with two jobs at
once; a server that is down leaves them to a later try; without a server nothing is sent
or marked. And the setting itself, on the profile page and in the API. Both databases."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from resale.app import jobs as all_jobs
from resale.core import scheduler
from resale.core.config import settings
from resale.core.db import make_engine, utcnow, writer
from resale.core.notifications import jobs as notification_jobs
from resale.core.notifications import service as notifications
from resale.core.notifications.models import Notification
from resale.trade.orders.payment_events import SOLD, SOLD_TO_SHIP
from resale.users.service import email_recipients
from tests.factories import api_headers, browser_login, csrf, make_user

SITE = "https://resale.test"
SOLD_ZH = "已卖出：“%(title)s”。买家已付款：请发货，并在订单页填写快递单号。"


@dataclass
class Inbox:
    """What the SMTP server received; it refuses the addresses in ``refuse``."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), mail))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [mail for rcpt, mail in self.received if rcpt == [address]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox(committed_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server on a free loopback port, and the settings pointing at it.

    The database is the module's: what an earlier test left to retry is given up on first."""
    with Session(writer(committed_engine)) as session:
        session.execute(
            sa.update(Notification)
            .where(col(Notification.emailed_at).is_(None))
            .values(email_attempts=notifications.EMAIL_ATTEMPTS)
        )
        session.commit()
    box = Inbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", port)
    monkeypatch.setattr(settings, "smtp_user", "")
    monkeypatch.setattr(settings, "smtp_starttls", None)  # plain: no user, so no STARTTLS
    monkeypatch.setattr(settings, "smtp_timeout_seconds", 5.0)
    monkeypatch.setattr(settings, "public_url", SITE + "/")
    try:
        yield box
    finally:
        controller.stop()


def run(engine: Engine, now: datetime | None = None) -> object:
    """The job as the app and `resale jobs run-once` have it."""
    (job,) = scheduler.pick(all_jobs(), ["notifications.email"])
    if now is None:
        return scheduler.run_once(job, engine)
    return notification_jobs.email_notifications(engine, recipients=email_recipients, now=now)


def sold(engine: Engine, *people: dict[str, Any], title: str = "Oak table") -> list[int]:
    """People, each told that their item sold; the notifications' ids."""
    ids = []
    with Session(writer(engine)) as session:
        for fields in people:
            user = make_user(session, **fields)
            assert user.id is not None
            notifications.tell(
                session,
                user.id,
                SOLD,
                SOLD_TO_SHIP,
                f"/orders/{user.id}",
                key=f"test:{user.id}",
                params={"title": title},
            )
            ids.append(
                session.exec(
                    select(Notification.id).where(Notification.recipient_id == user.id)
                ).one()
            )
        session.commit()
    return [i for i in ids if i is not None]


def stored(engine: Engine, notice_id: int) -> Notification:
    with Session(engine) as session:
        notice = session.get(Notification, notice_id)
        assert notice is not None
        return notice


def test_each_reader_gets_it_in_their_language_with_the_link(
    committed_engine: Engine, inbox: Inbox
) -> None:
    anna, mei, bob = sold(
        committed_engine,
        {"display_name": "Anna", "email": "anna@example.com"},
        {"display_name": "梅", "email": "mei@example.com", "language": "zh-CN"},
        {"display_name": "Bob", "email": "bob@example.com", "email_notifications": False},
    )
    assert run(committed_engine) == "2 e-mailed"
    assert len(inbox.received) == 2

    (english,) = inbox.to("anna@example.com")
    assert english["To"].addresses[0].display_name == "Anna"
    assert english["From"] == settings.smtp_from
    assert english["Auto-Submitted"] == "auto-generated"
    assert english["Subject"] == "resale: " + SOLD_TO_SHIP % {"title": "Oak table"}
    text = english.get_content().replace("\r\n", "\n")  # as sent: CRLF line ends
    assert text.startswith("Hello Anna,\n\n" + SOLD_TO_SHIP % {"title": "Oak table"})
    link = f"{SITE}{stored(committed_engine, anna).link}"
    assert f"See it on resale: {link}\n" in text
    assert f"{SITE}/profile" in text

    (chinese,) = inbox.to("mei@example.com")
    words = SOLD_ZH % {"title": "Oak table"}
    assert chinese["Subject"] == "resale：" + words
    body = chinese.get_content().replace("\r\n", "\n")
    assert words in body and "梅" in body
    assert f"{SITE}{stored(committed_engine, mei).link}" in body
    assert "Hello" not in body and "See it" not in body

    assert inbox.to("bob@example.com") == []  # he turned e-mail off
    assert stored(committed_engine, anna).emailed_at is not None
    assert stored(committed_engine, mei).email_attempts == 1
    assert stored(committed_engine, bob).emailed_at is None

    assert not run(committed_engine)  # a second run sends nothing twice
    assert len(inbox.received) == 2


def test_the_report_says_how_many(committed_engine: Engine, inbox: Inbox) -> None:
    sold(committed_engine, {}, {})
    (job,) = scheduler.pick(all_jobs(), ["notifications.email"])
    assert job.interval == 15
    assert job.run(committed_engine) == "2 e-mailed"
    assert job.run(committed_engine) is None


def test_a_server_that_is_down_leaves_it_to_try_again(
    committed_engine: Engine,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    live_port = settings.smtp_port
    monkeypatch.setattr(settings, "smtp_port", free_port())  # nobody listens there
    (notice,) = sold(committed_engine, {"email": "down@example.com"})
    now = utcnow()
    with caplog.at_level(logging.WARNING, logger="resale.core.notifications.jobs"):
        assert run(committed_engine, now) == "0 e-mailed, 1 not sent"
    assert "not e-mailed (try 1 of 5)" in caplog.text
    kept = stored(committed_engine, notice)
    assert kept.emailed_at is None and kept.email_attempts == 1
    assert kept.email_retry_at == now + notifications.EMAIL_RETRY_AFTER[0]

    monkeypatch.setattr(settings, "smtp_port", live_port)  # the server is back
    assert not run(committed_engine, now + timedelta(seconds=15))  # not due yet
    assert inbox.received == []
    assert run(committed_engine, now + timedelta(minutes=2)) == "1 e-mailed"
    assert len(inbox.to("down@example.com")) == 1
    kept = stored(committed_engine, notice)
    assert kept.emailed_at is not None and kept.email_attempts == 2
    assert not run(committed_engine, now + timedelta(hours=1))
    assert len(inbox.received) == 1


def test_after_a_few_tries_it_stays_in_app_only(
    committed_engine: Engine,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    live_port = settings.smtp_port
    monkeypatch.setattr(settings, "smtp_port", free_port())
    (notice,) = sold(committed_engine, {"email": "never@example.com"})
    now = utcnow()
    with caplog.at_level(logging.WARNING, logger="resale.core.notifications.jobs"):
        for attempt in range(notifications.EMAIL_ATTEMPTS):
            assert run(committed_engine, now + timedelta(hours=3 * attempt)), attempt
    assert f"gave up e-mailing notices [{notice}]" in caplog.text
    kept = stored(committed_engine, notice)
    assert kept.emailed_at is None and kept.email_attempts == notifications.EMAIL_ATTEMPTS
    monkeypatch.setattr(settings, "smtp_port", live_port)
    assert not run(committed_engine, now + timedelta(hours=16))
    assert inbox.received == []
    with Session(committed_engine) as session:  # still there to be read in-app
        assert notifications.unseen_count(session, kept.recipient_id) == 1


def test_a_refused_address_fails_alone(committed_engine: Engine, inbox: Inbox) -> None:
    inbox.refuse.add("gone@example.com")
    gone, here = sold(
        committed_engine, {"email": "gone@example.com"}, {"email": "here@example.com"}
    )
    assert run(committed_engine, utcnow()) == "1 e-mailed, 1 not sent"
    assert len(inbox.to("here@example.com")) == 1
    assert stored(committed_engine, gone).emailed_at is None
    assert stored(committed_engine, gone).email_attempts == 1
    assert stored(committed_engine, here).emailed_at is not None


def test_old_notifications_are_not_mailed(committed_engine: Engine, inbox: Inbox) -> None:
    (notice,) = sold(committed_engine, {"email": "late@example.com"})
    with Session(writer(committed_engine)) as session:
        session.execute(
            sa.update(Notification)
            .where(col(Notification.id) == notice)
            .values(created_at=utcnow() - timedelta(days=2))
        )
        session.commit()
    assert not run(committed_engine)
    assert inbox.received == []


def test_without_a_server_set_nothing_is_sent_or_marked(
    committed_engine: Engine,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(settings, "smtp_host", "")  # the server runs, but nobody says so
    monkeypatch.setattr(notification_jobs, "_said_off", False)
    (notice,) = sold(committed_engine, {"email": "quiet@example.com"})
    with caplog.at_level(logging.INFO, logger="resale.core.notifications.jobs"):
        assert not run(committed_engine)
        assert not run(committed_engine)
    assert caplog.text.count("e-mail is off") == 1  # said once
    assert inbox.received == []
    kept = stored(committed_engine, notice)
    assert kept.emailed_at is None and kept.email_attempts == 0 and kept.email_retry_at is None


def test_two_jobs_at_once_send_each_once(committed_engine: Engine, inbox: Inbox) -> None:
    """Two processes (each its own engine and pool) run the job at the same moment."""
    people = [{"email": f"many{n}@example.com"} for n in range(120)]
    ids = set(sold(committed_engine, *people))
    url = committed_engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url), make_engine(url)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def one(engine: Engine) -> None:
        barrier.wait()
        try:
            run(engine)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for engine in engines:
        engine.dispose()
    assert errors == []
    addresses = sorted(rcpt[0] for rcpt, _mail in inbox.received)
    assert addresses == sorted(p["email"] for p in people)  # each once, none twice
    with Session(committed_engine) as session:
        mailed = session.exec(select(Notification).where(col(Notification.id).in_(ids))).all()
        assert all(n.emailed_at is not None and n.email_attempts == 1 for n in mailed)


# --- The setting: the profile page and the API ---------------------------------------------


def test_the_profile_page_turns_email_off_and_on(client: TestClient, session: Session) -> None:
    user = make_user(session, display_name="Mei")
    browser_login(client, session, user)
    page = client.get("/profile").text
    assert "Also send my notifications by e-mail" in page
    assert 'name="email_notifications" value="1" checked' in page

    def allows() -> bool:
        session.refresh(user)
        return user.email_notifications

    def save(**box: str) -> Any:
        form = {"csrf_token": csrf(client), "display_name": "Mei", **box}
        return client.post("/profile", data=form, follow_redirects=False)

    assert save().status_code == 303  # the box unticked: not sent
    assert allows() is False
    assert 'name="email_notifications" value="1" aria' in client.get("/profile").text

    refused = save(email_notifications="1", display_name="")  # kept as ticked on a mistake
    assert refused.status_code == 422
    assert 'name="email_notifications" value="1" checked' in refused.text
    assert allows() is False

    assert save(email_notifications="1").status_code == 303
    assert allows() is True

    client.cookies.set("resale_lang", "zh-CN")
    page = client.get("/profile").text
    assert "Also send my notifications" not in page


def test_the_api_shows_and_changes_it(client: TestClient, session: Session) -> None:
    user = make_user(session, display_name="Ann")
    headers = api_headers(session, user)
    assert client.get("/api/v1/me", headers=headers).json()["email_notifications"] is True
    body = {"display_name": "Ann", "email_notifications": False}
    answer = client.put("/api/v1/me", json=body, headers=headers)
    assert answer.status_code == 200 and answer.json()["email_notifications"] is False
    # left out, it stays as it is
    answer = client.put("/api/v1/me", json={"display_name": "Ann"}, headers=headers)
    assert answer.json()["email_notifications"] is False
    bad = client.put(
        "/api/v1/me", json={"display_name": "Ann", "email_notifications": "maybe"}, headers=headers
    )
    assert bad.status_code == 422
    assert [e["loc"][-1] for e in bad.json()["detail"]] == ["email_notifications"]
    session.refresh(user)
    assert user.email_notifications is False


def test_a_message_in_a_conversation_reaches_the_seller_by_mail(
    committed_engine: Engine, inbox: Inbox
) -> None:
    from resale.conversations import service as conversations
    from tests.factories import make_listing

    with Session(writer(committed_engine)) as session:
        seller = make_user(session, display_name="Camille", email="camille.chat@example.com")
        buyer = make_user(session, display_name="Wei", email="wei.chat@example.com")
        listing = make_listing(session, seller, title="Brompton bike")
        talk, _ = conversations.start(session=session, buyer=buyer, listing_id=listing.id or 0)
        conversations.send_text(
            session=session, conversation=talk, sender=buyer, body="Still available?"
        )
        session.commit()
        link = f"{SITE}/messages/{talk.id}"
    run(committed_engine)
    (mail,) = inbox.to("camille.chat@example.com")
    assert mail["Subject"] == "resale: Wei about “Brompton bike”: Still available?"
    assert link in mail.get_content()
    assert inbox.to("wei.chat@example.com") == []  # the writer is not told of their own words
