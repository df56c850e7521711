"""The core's notifications: told once per key, also fifty at once, on both databases; and
migration 0009 moves matching's notices into them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from carbon.estimate import Fulfilment
from resale.core.db import write_session, writer
from resale.core.notifications import service as notifications
from resale.core.notifications.models import Notification
from resale.migrations import alembic_config, upgrade
from tests.factories import browser_login, delivery_address, make_listing, make_user
from tests.resale.test_migrations import scratch_url  # noqa: F401  (the fixture)


def test_told_once_per_key_and_seen(session: Session) -> None:
    anna = make_user(session)
    bob = make_user(session)
    assert anna.id is not None and bob.id is not None
    tell = notifications.tell
    assert tell(session, anna.id, "listing.match", "A sofa", "/listings/1", key="listing:1")
    assert not tell(session, anna.id, "listing.match", "Again", "/listings/1", key="listing:1")
    assert tell(session, bob.id, "listing.match", "A sofa", "/listings/1", key="listing:1")
    assert tell(session, anna.id, "order.sold", "Sold", "/orders/3")  # no key: always told
    assert tell(session, anna.id, "order.sold", "Sold", "/orders/3")
    assert notifications.unseen_count(session, anna.id) == 3
    newest = notifications.recent(session, anna.id, 2)
    assert [n.kind for n in newest] == ["order.sold", "order.sold"]
    matches = notifications.recent(session, anna.id, 10, kind="listing.match")
    assert [(n.text, n.link) for n in matches] == [("A sofa", "/listings/1")]
    assert notifications.mark_seen(session, anna.id) == 3
    assert notifications.mark_seen(session, anna.id) == 0
    assert notifications.unseen_count(session, anna.id) == 0
    assert notifications.unseen_count(session, bob.id) == 1


def test_fifty_at_once_tell_one(committed_engine: Engine) -> None:
    with Session(writer(committed_engine)) as session:
        user = make_user(session)
        session.commit()
        user_id = user.id
    assert user_id is not None
    barrier = threading.Barrier(50)

    def one(_i: int) -> bool:
        barrier.wait()
        with write_session(committed_engine) as session:
            told = notifications.tell(
                session, user_id, "listing.match", "A lamp", "/listings/9", key="listing:9"
            )
            session.commit()
        return told

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(one, range(50)))
    assert answers.count(True) == 1
    with Session(committed_engine) as session:
        rows = session.exec(select(Notification).where(Notification.recipient_id == user_id))
        assert [n.key for n in rows] == ["listing:9"]


def test_migration_0009_moves_the_matching_notices(scratch_url: str) -> None:  # noqa: F811
    config = alembic_config(scratch_url)
    command.upgrade(config, "0008")
    scratch = sa.create_engine(scratch_url)
    try:
        with scratch.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, display_name, email, password_hash, is_admin, created_at)"
                    " VALUES (7, 'A', 'a@example.com', 'x', false, CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO listings (id, seller_id, title, description, category,"
                    " condition, price_cents, currency, status, created_at, updated_at)"
                    " VALUES (12, 7, 'Sofa', '', 'sofas', 'good', 100, 'EUR', 'active',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO notifications (user_id, listing_id, reason, created_at, seen_at)"
                    " VALUES (7, 12, 'matches your saved search', CURRENT_TIMESTAMP, NULL)"
                )
            )
        upgrade(scratch_url)
        moved = "SELECT recipient_id, kind, link, key, text, seen_at FROM notices"
        with scratch.connect() as connection:
            assert "notifications" not in sa.inspect(connection).get_table_names()
            assert [tuple(row) for row in connection.execute(sa.text(moved))] == [
                (
                    7,
                    "listing.match",
                    "/listings/12",
                    "listing:12",
                    "matches your saved search",
                    None,
                )
            ]
        command.downgrade(config, "0008")
        back = "SELECT user_id, listing_id, reason FROM notifications"
        with scratch.connect() as connection:
            assert "notices" not in sa.inspect(connection).get_table_names()
            assert [tuple(row) for row in connection.execute(sa.text(back))] == [
                (7, 12, "matches your saved search")
            ]
    finally:
        scratch.dispose()


def test_the_bell_shows_the_unseen_count_and_opens_the_page(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    assert user.id is not None
    for n in (1, 2):
        notifications.tell(session, user.id, "order.sold", "Sold", f"/orders/{n}", key=f"o:{n}")
    session.flush()
    browser_login(client, session, user)
    page = client.get("/me/favorites")
    assert page.status_code == 200
    assert 'href="/me/notifications" title="Notifications (2 new)"' in page.text
    assert 'data-unseen="2">2</span>' in page.text
    listed = client.get("/me/notifications")  # looking lists them and marks them seen
    assert listed.status_code == 200
    assert listed.text.count('<strong class="news__new">New</strong> Sold') == 2
    assert 'href="/orders/1"' in listed.text and 'href="/orders/2"' in listed.text
    seen = client.get("/me/notifications").text
    assert 'href="/orders/1"' in seen and "news__new" not in seen and "news__item--new" not in seen
    again = client.get("/me/favorites")
    assert 'title="Notifications"' in again.text and "data-unseen" not in again.text


def test_a_seller_is_told_once_when_the_item_sells(session: Session, tmp_path: Path) -> None:
    from resale.trade.orders import service as orders
    from resale.trade.payments.dev_gateway import DevGateway

    gateway = DevGateway(tmp_path / "dev-payments.db")
    seller, buyer = make_user(session), make_user(session)
    listing = make_listing(session, seller, title="Oak bookcase", shipping_cents=450)
    assert seller.id is not None and buyer.id is not None and listing.id is not None
    order, _ = orders.place_order(
        session=session,
        buyer=buyer,
        listing_id=listing.id,
        fulfilment=Fulfilment.SHIPPING,
        gateway_name=gateway.name,
        delivery_address=delivery_address(),
    )
    _, payment = orders.start_payment(session=session, order=order, buyer=buyer, gateway=gateway)
    assert notifications.unseen_count(session, seller.id) == 0  # not before the money is held
    paid = gateway.decide(ref=payment.ref, succeed=True)
    for _ in range(2):  # the provider says so twice: one notification
        orders.payment_succeeded(
            session=session, gateway=gateway, payment_ref=paid.ref, amount_cents=paid.amount_cents
        )
    told = notifications.recent(session, seller.id, 10)
    assert [(n.kind, n.link) for n in told] == [("order.sold", f"/orders/{order.id}")]
    said = notifications.wording(told[0])
    assert "Oak bookcase" in said and "ship it" in said
    assert told[0].params == {"title": "Oak bookcase"}  # worded when read, in their language
    assert notifications.unseen_count(session, buyer.id) == 0
