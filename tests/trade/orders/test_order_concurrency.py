"""What needs real commits and real threads: the race for one item, the sweep, the code lock."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx2 as httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from carbon.estimate import Fulfilment
from listings.models import Listing, ListingStatus
from resale.core import db
from resale.core.config import settings
from resale.core.db import utcnow, writer
from resale.core.errors import Conflict, InvalidInput
from resale.trade.orders import service
from resale.trade.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from resale.trade.payments.dev_gateway import DevGateway
from resale.trade.payments.models import Payout
from resale.users.models import TokenKind
from resale.users.service import issue_token
from tests.factories import delivery_address, make_listing, make_user

BUYERS = int(__import__("os").environ.get("RACE_BUYERS", "50"))


def test_fifty_buyers_race_for_one_item(live: str, committed_engine: Engine) -> None:
    with Session(committed_engine) as session:
        seller = make_user(session)
        listing = make_listing(session, seller, price_cents=9900)
        tokens = [
            issue_token(session=session, user=make_user(session), kind=TokenKind.API)[0]
            for _ in range(BUYERS)
        ]
        session.commit()
        listing_id = listing.id
    barrier = threading.Barrier(BUYERS)

    def buy(token: str) -> httpx.Response:
        with httpx.Client(base_url=live, timeout=60) as client:
            barrier.wait()
            return client.post(
                "/api/v1/orders",
                json={"listing_id": listing_id, "fulfilment": "pickup"},
                headers={"Authorization": f"Bearer {token}"},
            )

    with ThreadPoolExecutor(max_workers=BUYERS) as pool:
        answers = list(pool.map(buy, tokens))

    assert Counter(a.status_code for a in answers) == {201: 1, 409: BUYERS - 1}
    for answer in answers:
        if answer.status_code == 409:
            [detail] = answer.json()["detail"]
            assert detail["loc"] == ["body", "listing_id"]
            assert "no longer available" in detail["msg"]
    with Session(committed_engine) as session:
        orders = session.exec(select(Order).where(Order.listing_id == listing_id)).all()
        assert len(orders) == 1 and orders[0].status is OrderStatus.PENDING_PAYMENT
        stored = session.get(Listing, listing_id)
        assert stored is not None and stored.status is ListingStatus.RESERVED


def _committed_order(
    engine: Engine, gateway: DevGateway, *, fulfilment: Fulfilment = Fulfilment.PICKUP
) -> tuple[int, int, int, int]:
    with Session(writer(engine)) as session:
        seller = make_user(session)
        buyer = make_user(session)
        listing = make_listing(session, seller, shipping_cents=500)
        order, _ = service.place_order(
            session=session,
            buyer=buyer,
            listing_id=listing.id,
            fulfilment=fulfilment,
            gateway_name=gateway.name,
            delivery_address=delivery_address() if fulfilment is Fulfilment.SHIPPING else None,
        )
        session.commit()
        assert order.id and listing.id and seller.id and buyer.id
        return order.id, listing.id, seller.id, buyer.id


def _pay(engine: Engine, gateway: DevGateway, order_id: int, buyer_id: int) -> str:
    from resale.users.models import User

    with Session(writer(engine)) as session:
        order = session.get(Order, order_id)
        buyer = session.get(User, buyer_id)
        assert order and buyer
        _, payment = service.start_payment(
            session=session, order=order, buyer=buyer, gateway=gateway
        )
        session.commit()
        return payment.ref


def _order(engine: Engine, order_id: int) -> Order:
    with Session(engine) as session:
        order = session.get(Order, order_id)
        assert order is not None
        return order


def _listing_status(engine: Engine, listing_id: int) -> ListingStatus:
    with Session(engine) as session:
        listing = session.get(Listing, listing_id)
        assert listing is not None
        return listing.status


@pytest.fixture
def gateway() -> DevGateway:
    # The app's own (the race test's orders use it too): the sweep sees every order here.
    return DevGateway()


def test_the_sweep_releases_unpaid_holds(committed_engine: Engine, gateway: DevGateway) -> None:
    order_id, listing_id, _, buyer_id = _committed_order(committed_engine, gateway)
    ref = _pay(committed_engine, gateway, order_id, buyer_id)  # started, never finished
    early = service.sweep(engine=committed_engine, gateway=gateway)
    assert _order(committed_engine, order_id).status is OrderStatus.PENDING_PAYMENT
    assert early.expired == 0
    later = utcnow() + timedelta(minutes=settings.reservation_minutes + 1)
    report = service.sweep(engine=committed_engine, gateway=gateway, now=later)
    assert report.expired >= 1 and not report.errors
    assert _order(committed_engine, order_id).status is OrderStatus.CANCELLED
    assert _listing_status(committed_engine, listing_id) is ListingStatus.ACTIVE
    assert gateway.get_payment(ref=ref).status.value == "canceled"


def test_the_sweep_finds_a_payment_whose_webhook_was_lost(
    committed_engine: Engine, gateway: DevGateway
) -> None:
    order_id, listing_id, _, buyer_id = _committed_order(committed_engine, gateway)
    ref = _pay(committed_engine, gateway, order_id, buyer_id)
    gateway.decide(ref=ref, succeed=True)  # the money is held, but nobody told us
    later = utcnow() + timedelta(minutes=settings.reservation_minutes + 1)
    report = service.sweep(engine=committed_engine, gateway=gateway, now=later)
    assert report.reconciled >= 1
    order = _order(committed_engine, order_id)
    assert order.status is OrderStatus.PAID and order.payment_ref == ref
    assert _listing_status(committed_engine, listing_id) is ListingStatus.RESERVED


def test_orders_complete_when_protection_ends(
    committed_engine: Engine, gateway: DevGateway
) -> None:
    from resale.users.models import User

    order_id, listing_id, seller_id, buyer_id = _committed_order(
        committed_engine, gateway, fulfilment=Fulfilment.SHIPPING
    )
    ref = _pay(committed_engine, gateway, order_id, buyer_id)
    gateway.decide(ref=ref, succeed=True)
    with Session(writer(committed_engine)) as session:
        service.payment_succeeded(
            session=session, gateway=gateway, payment_ref=ref, amount_cents=None
        )
        order = session.get(Order, order_id)
        seller = session.get(User, seller_id)
        assert order and seller
        service.ship(session=session, order=order, seller=seller, tracking="UPS 1Z999")
        session.commit()
    shipped = _order(committed_engine, order_id)
    assert shipped.protection_ends_at is not None
    service.sweep(
        engine=committed_engine,
        gateway=gateway,
        now=shipped.protection_ends_at - timedelta(minutes=1),
    )
    assert _order(committed_engine, order_id).status is OrderStatus.SHIPPED

    # Two sweeps at once (cron and the app): the order completes once, one payout.
    after = shipped.protection_ends_at + timedelta(minutes=1)
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(
            pool.map(
                lambda _: service.sweep(engine=committed_engine, gateway=gateway, now=after),
                range(2),
            )
        )
    assert sum(r.completed for r in reports) >= 1
    assert not any(r.errors for r in reports)
    assert _order(committed_engine, order_id).status is OrderStatus.COMPLETED
    assert _listing_status(committed_engine, listing_id) is ListingStatus.SOLD
    with Session(committed_engine) as session:
        assert len(session.exec(select(Payout).where(Payout.order_id == order_id)).all()) == 1
        completed = session.exec(
            select(OrderEvent).where(
                OrderEvent.order_id == order_id, OrderEvent.kind == OrderEventKind.COMPLETED
            )
        ).all()
        assert len(completed) == 1


def test_wrong_codes_are_counted_and_lock_the_code(
    committed_engine: Engine, gateway: DevGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resale.users.models import User

    monkeypatch.setattr(settings, "handover_max_attempts", 3)
    order_id, _, seller_id, buyer_id = _committed_order(committed_engine, gateway)
    ref = _pay(committed_engine, gateway, order_id, buyer_id)
    gateway.decide(ref=ref, succeed=True)
    with Session(writer(committed_engine)) as session:
        service.payment_succeeded(
            session=session, gateway=gateway, payment_ref=ref, amount_cents=None
        )
        session.commit()
    code = _order(committed_engine, order_id).handover_code
    wrong = "000000" if code != "000000" else "999999"

    def attempt(entered: str) -> Exception | None:
        # As a request does: the error rolls the transaction back.
        with Session(writer(committed_engine)) as session:
            order = session.get(Order, order_id)
            seller = session.get(User, seller_id)
            assert order and seller
            try:
                service.hand_over(
                    session=session, order=order, seller=seller, code=entered, gateway=gateway
                )
                session.commit()
            except (InvalidInput, Conflict) as exc:
                # As get_session does: keep what the error asks to keep, else roll back.
                if exc.keep_changes:
                    session.commit()
                else:
                    session.rollback()
                return exc
        return None

    for _ in range(3):
        assert isinstance(attempt(wrong), InvalidInput)
    order = _order(committed_engine, order_id)
    assert order.handover_failures == 3 and order.status is OrderStatus.PAID
    # Locked: even the right code is refused now; the buyer confirms instead.
    assert isinstance(attempt(code), Conflict)
    with Session(committed_engine) as session:
        kinds = [
            e.kind
            for e in session.exec(select(OrderEvent).where(OrderEvent.order_id == order_id)).all()
        ]
    assert kinds.count(OrderEventKind.WRONG_CODE) == 3


def test_the_sweep_command_runs(committed_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from resale.cli import app as cli

    monkeypatch.setattr(db, "_engine", committed_engine)
    result = CliRunner().invoke(cli, ["orders", "sweep"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("order sweep: expired")


def test_error_pages_for_a_signed_in_user_render_after_the_rollback(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from resale.app import create_app
    from resale.core.security import SESSION_COOKIE

    monkeypatch.setattr(db, "_engine", committed_engine)
    with Session(committed_engine) as session:
        user = make_user(session)
        token, _ = issue_token(session=session, user=user, kind=TokenKind.SESSION)
        session.commit()
        name = user.display_name
    with TestClient(create_app()) as client:
        client.cookies.set(SESSION_COOKIE, token)
        for path in ("/orders/999999", "/listings/999999"):
            answer = client.get(path)
            assert answer.status_code == 404, path
            assert name in answer.text  # the header still knows who is signed in
