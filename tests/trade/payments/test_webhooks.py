"""The Stripe webhook on both databases: signed, stored once, moving the order.

In-process tests post payloads signed with Stripe's scheme through the test client; the
live tests let localstripe itself deliver its signed events over HTTP to the app served
by uvicorn, with real commits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2 as httpx
import pytest
import stripe
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from carbon.estimate import Fulfilment
from listings.models import Listing, ListingStatus
from resale.core import db
from resale.core.db import writer
from resale.trade.orders import service as orders_service
from resale.trade.orders import webhooks
from resale.trade.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from resale.trade.payments.dependencies import gateway_dependency
from resale.trade.payments.dev_gateway import DevGateway
from resale.trade.payments.gateway import PaymentStatus
from resale.trade.payments.models import PaymentEvent
from resale.trade.payments.stripe_gateway import StripeGateway
from resale.users.models import User
from tests.factories import make_listing, make_user
from tests.live import served
from tests.trade.payments.conftest import (
    CARD_DECLINED,
    CARD_OK,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    StripeFront,
    card,
    event_payload,
    free_port,
    pay_in_browser,
    sign,
)


def with_webhook(app: FastAPI, gateway: object) -> FastAPI:
    """The app with its gateway swapped for ``gateway`` (and the webhook route mounted)."""
    if not any(getattr(route, "path", None) == WEBHOOK_PATH for route in app.routes):
        app.include_router(webhooks.router)
    app.dependency_overrides[gateway_dependency] = lambda: gateway
    return app


@pytest.fixture
def stripe_app(app: FastAPI, stripe_gateway: StripeGateway) -> FastAPI:
    return with_webhook(app, stripe_gateway)


def _stripe_order(
    session: Session, gateway: StripeGateway, *, method: str | None = None
) -> tuple[Order, User]:
    """An order for a 120 € table, its payment started with Stripe (confirmed if ``method``)."""
    seller = make_user(session)
    buyer = make_user(session)
    listing = make_listing(session, seller, photos=0, price_cents=12000)
    assert listing.id is not None
    order, _ = orders_service.place_order(
        session=session,
        buyer=buyer,
        listing_id=listing.id,
        fulfilment=Fulfilment.PICKUP,
        gateway_name=gateway.name,
    )
    order, _ = orders_service.start_payment(
        session=session, order=order, buyer=buyer, gateway=gateway, payment_method=method
    )
    return order, buyer


def _post(client: TestClient, payload: bytes, signature: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post(WEBHOOK_PATH, content=payload, headers=headers)


def _events(session: Session, order: Order) -> list[OrderEventKind]:
    rows = session.exec(select(OrderEvent).where(OrderEvent.order_id == order.id)).all()
    return [row.kind for row in sorted(rows, key=lambda row: row.id or 0)]


def _stored(session: Session, event_id: str) -> int:
    return len(session.exec(select(PaymentEvent).where(PaymentEvent.event_id == event_id)).all())


def _event_id(payload: bytes) -> str:
    import json

    return str(json.loads(payload)["id"])


# --- In-process, on both databases ---------------------------------------------------------


def test_a_signed_payment_succeeded_event_marks_the_order_paid(
    stripe_app: FastAPI,
    client: TestClient,
    session: Session,
    stripe_gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
) -> None:
    order, _ = _stripe_order(session, stripe_gateway)
    assert order.status is OrderStatus.PENDING_PAYMENT and order.payment_ref
    intent = pay_in_browser(stripe_client, order.payment_ref, CARD_OK)
    payload = event_payload("payment_intent.succeeded", intent)

    answer = _post(client, payload, sign(payload))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"received": True, "duplicate": False}
    session.refresh(order)
    assert order.status is OrderStatus.PAID and order.paid_at is not None
    assert _events(session, order)[-1] is OrderEventKind.PAID
    [stored] = session.exec(
        select(PaymentEvent).where(PaymentEvent.event_id == _event_id(payload))
    ).all()
    assert (stored.gateway, stored.type, stored.payment_ref) == (
        "stripe",
        "payment_intent.succeeded",
        order.payment_ref,
    )


def test_a_yuan_order_is_charged_in_fen(
    session: Session,
    stripe_gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
    front: StripeFront,
) -> None:
    seller, buyer = make_user(session), make_user(session)
    bike = make_listing(session, seller, photos=0, price_cents=80_000, currency="CNY")
    assert bike.id is not None
    order, created, payment = orders_service.buy(
        session=session,
        buyer=buyer,
        listing_id=bike.id,
        fulfilment=Fulfilment.PICKUP,
        gateway=stripe_gateway,
        payment_method=card(stripe_client, CARD_OK),
    )
    assert created and payment.status is PaymentStatus.SUCCEEDED
    assert (order.total_cents, order.currency, order.status) == (80_000, "CNY", OrderStatus.PAID)
    [sent] = front.posts("/v1/payment_intents")
    assert (sent.form["amount"], sent.form["currency"]) == ("80000", "cny")  # ¥800.00 in fen
    intent = stripe_client.v1.payment_intents.retrieve(payment.ref)
    assert (intent.amount, intent.currency) == (80_000, "cny")


def test_a_replayed_webhook_is_answered_as_a_duplicate_and_changes_nothing(
    stripe_app: FastAPI,
    client: TestClient,
    session: Session,
    stripe_gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
) -> None:
    order, _ = _stripe_order(session, stripe_gateway)
    assert order.payment_ref
    intent = pay_in_browser(stripe_client, order.payment_ref, CARD_OK)
    payload = event_payload("payment_intent.succeeded", intent)
    signature = sign(payload)

    first = _post(client, payload, signature)
    session.refresh(order)
    paid_at, history = order.paid_at, _events(session, order)
    second = _post(client, payload, signature)

    assert first.json() == {"received": True, "duplicate": False}
    assert second.status_code == 200
    assert second.json() == {"received": True, "duplicate": True}
    session.refresh(order)
    assert order.status is OrderStatus.PAID and order.paid_at == paid_at
    assert _events(session, order) == history
    assert _stored(session, _event_id(payload)) == 1


def test_a_tampered_or_missing_signature_is_refused_and_nothing_is_stored(
    stripe_app: FastAPI,
    client: TestClient,
    session: Session,
    stripe_gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
) -> None:
    order, _ = _stripe_order(session, stripe_gateway)
    assert order.payment_ref
    intent = pay_in_browser(stripe_client, order.payment_ref, CARD_OK)
    payload = event_payload("payment_intent.succeeded", intent)
    signature = sign(payload)
    tampered = payload.replace(b'"amount": 12000', b'"amount": 1')
    assert tampered != payload

    for body, header in [
        (tampered, signature),
        (payload, sign(payload, secret="whsec_not_ours")),
        (payload, signature.replace("v1=", "v1=0")),
        (payload, None),
    ]:
        answer = _post(client, body, header)
        assert answer.status_code == 400, answer.text
        assert isinstance(answer.json()["detail"], str)

    assert _stored(session, _event_id(payload)) == 0
    session.refresh(order)
    assert order.status is OrderStatus.PENDING_PAYMENT and order.paid_at is None


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"not json at all", "not JSON"),
        (b"\xff\xfe not text", "not UTF-8"),
        (b"[1, 2, 3]", "not a Stripe event"),
        (b'{"type": "payment_intent.succeeded"}', "not a Stripe event"),
        (b'{"id": 12, "type": "payment_intent.succeeded"}', "not a Stripe event"),
        (b'{"id": "evt_1", "type": ["payment_intent.succeeded"]}', "not a Stripe event"),
        (
            b'{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": '
            b'{"id": "pi_1", "amount": 99999999999999999999999}}}',
            "amount",
        ),
        (
            b'{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": '
            b'{"id": "pi_1", "amount": "12000"}}}',
            "amount",
        ),
        (
            b'{"id": "evt_1", "type": "payment_intent.payment_failed", "data": {"object": '
            b'{"id": "pi_1", "last_payment_error": {"message": {"nested": 1}}}}}',
            "payment error",
        ),
    ],
)
def test_a_signed_but_malformed_body_is_a_400_and_nothing_is_stored(
    stripe_app: FastAPI, client: TestClient, session: Session, body: bytes, detail: str
) -> None:
    before = len(session.exec(select(PaymentEvent)).all())

    answer = _post(client, body, sign(body))

    assert answer.status_code == 400, answer.text
    assert detail in answer.json()["detail"]
    assert len(session.exec(select(PaymentEvent)).all()) == before


def test_an_order_id_too_large_for_the_database_in_the_metadata_is_ignored(
    stripe_app: FastAPI, client: TestClient, session: Session
) -> None:
    payload = event_payload(
        "payment_intent.succeeded",
        {"id": "pi_unknown", "amount": 100, "metadata": {"order_id": str(2**40)}},
    )

    answer = _post(client, payload, sign(payload))

    assert answer.status_code == 200, answer.text
    assert _stored(session, _event_id(payload)) == 1


def test_a_failed_card_leaves_the_order_waiting_for_payment(
    stripe_app: FastAPI,
    client: TestClient,
    session: Session,
    stripe_gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
) -> None:
    order, _ = _stripe_order(session, stripe_gateway)
    assert order.payment_ref
    intent = pay_in_browser(stripe_client, order.payment_ref, CARD_DECLINED)
    assert intent["status"] == "requires_payment_method"
    payload = event_payload("payment_intent.payment_failed", intent)

    answer = _post(client, payload, sign(payload))

    assert answer.json() == {"received": True, "duplicate": False}
    session.refresh(order)
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert order.payment_ref is None  # the buyer may try another card
    failed = session.exec(
        select(OrderEvent).where(
            OrderEvent.order_id == order.id, OrderEvent.kind == OrderEventKind.PAYMENT_FAILED
        )
    ).one()
    assert failed.note == "Your card was declined."
    listing = session.get(Listing, order.listing_id)
    assert listing is not None and listing.status is ListingStatus.RESERVED


def test_charge_refunded_moves_a_paid_order_to_refunded(
    stripe_app: FastAPI,
    client: TestClient,
    session: Session,
    stripe_gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
) -> None:
    order, _ = _stripe_order(session, stripe_gateway, method=card(stripe_client, CARD_OK))
    assert order.status is OrderStatus.PAID and order.payment_ref
    # Refunded from Stripe's dashboard: we learn it only from the webhook.
    refund = stripe_gateway.refund(
        payment_ref=order.payment_ref, amount_cents=12000, idempotency_key="dashboard-refund"
    )
    intent = stripe_client.v1.payment_intents.retrieve(order.payment_ref).to_dict()
    charge = stripe_client.v1.charges.retrieve(intent["latest_charge"]["id"]).to_dict()
    payload = event_payload("charge.refunded", charge)

    answer = _post(client, payload, sign(payload))

    assert answer.json() == {"received": True, "duplicate": False}
    session.refresh(order)
    assert order.status is OrderStatus.REFUNDED and order.refund_ref == refund.ref
    listing = session.get(Listing, order.listing_id)
    assert listing is not None and listing.status is ListingStatus.WITHDRAWN


def test_a_payment_whose_id_never_reached_the_database_is_found_by_its_metadata(
    stripe_app: FastAPI,
    client: TestClient,
    session: Session,
    stripe_gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
) -> None:
    """The process died after Stripe charged the card but before the order was saved."""
    seller, buyer = make_user(session), make_user(session)
    listing = make_listing(session, seller, photos=0, price_cents=4500)
    assert listing.id is not None
    order, _ = orders_service.place_order(
        session=session,
        buyer=buyer,
        listing_id=listing.id,
        fulfilment=Fulfilment.PICKUP,
        gateway_name="stripe",
    )
    payment = stripe_gateway.create_payment(
        amount_cents=4500,
        currency="EUR",
        idempotency_key=f"lost-{order.id}-{time.time_ns()}",
        description=f"resale order {order.id}",
        metadata={"order_id": str(order.id)},
        payment_method=card(stripe_client, CARD_OK),
    )
    assert order.payment_ref is None
    intent = stripe_client.v1.payment_intents.retrieve(payment.ref).to_dict()
    payload = event_payload("payment_intent.succeeded", intent)

    assert _post(client, payload, sign(payload)).json()["duplicate"] is False

    session.refresh(order)
    assert order.status is OrderStatus.PAID and order.payment_ref == payment.ref


def test_other_event_types_are_stored_once_and_ignored(
    stripe_app: FastAPI, client: TestClient, session: Session
) -> None:
    payload = event_payload("customer.created", {"id": "cus_1", "object": "customer"})

    first = _post(client, payload, sign(payload))
    second = _post(client, payload, sign(payload))

    assert first.json() == {"received": True, "duplicate": False}
    assert second.json() == {"received": True, "duplicate": True}
    assert _stored(session, _event_id(payload)) == 1


def test_the_stripe_webhook_is_not_found_when_stripe_is_not_the_gateway(
    app: FastAPI, client: TestClient, session: Session, tmp_path: Any
) -> None:
    with_webhook(app, DevGateway(tmp_path / "dev-payments.db"))
    payload = event_payload("customer.created", {"id": "cus_1", "object": "customer"})

    answer = _post(client, payload, sign(payload))

    assert answer.status_code == 404
    assert _stored(session, _event_id(payload)) == 0


# --- Live: localstripe delivers over HTTP, the app commits for real -----------------------


@pytest.fixture
def live_app(
    committed_engine: Engine, stripe_gateway: StripeGateway, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The real app (real sessions, real commits) served by uvicorn on a loopback port."""
    from resale.app import create_app

    monkeypatch.setattr(db, "_engine", committed_engine)
    with served(with_webhook(create_app(), stripe_gateway)) as base:
        yield base


@pytest.fixture
def delivered_to(localstripe: str, live_app: str) -> Iterator[str]:
    """localstripe sends its signed events to the live app for the length of one test."""

    def register(url: str) -> None:
        answer = httpx.post(
            f"{localstripe}/_config/webhooks/resale-tests",
            data={
                "url": url,
                "secret": WEBHOOK_SECRET,
                "events[0]": "payment_intent.succeeded",
                "events[1]": "payment_intent.payment_failed",
                "events[2]": "charge.refunded",
            },
        )
        assert answer.status_code == 200, answer.text

    register(live_app + WEBHOOK_PATH)
    yield live_app
    # Later tests' payments must not be delivered to a server that is gone.
    register(f"http://127.0.0.1:{free_port()}/nowhere")


def _started_order(engine: Engine, gateway: StripeGateway) -> tuple[int, str]:
    with Session(writer(engine)) as session:
        order, _ = _stripe_order(session, gateway)
        session.commit()
        assert order.id is not None and order.payment_ref is not None
        return order.id, order.payment_ref


def _wait_for(engine: Engine, check: Callable[[Session], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with Session(engine) as session:
            if check(session):
                return
        assert time.monotonic() < deadline, "localstripe's webhook did not arrive in time"
        time.sleep(0.2)


def test_localstripe_delivers_a_signed_payment_succeeded_that_marks_the_order_paid(
    delivered_to: str,
    committed_engine: Engine,
    stripe_gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
) -> None:
    order_id, ref = _started_order(committed_engine, stripe_gateway)
    with Session(committed_engine) as session:
        assert session.get(Order, order_id).status is OrderStatus.PENDING_PAYMENT  # type: ignore[union-attr]

    pay_in_browser(stripe_client, ref, CARD_OK)  # localstripe then posts the webhook

    def paid(session: Session) -> bool:
        order = session.get(Order, order_id)
        return order is not None and order.status is OrderStatus.PAID

    _wait_for(committed_engine, paid)
    with Session(committed_engine) as session:
        [stored] = session.exec(select(PaymentEvent).where(PaymentEvent.payment_ref == ref)).all()
        assert stored.type == "payment_intent.succeeded" and stored.event_id.startswith("evt_")
        listing_id = session.get(Order, order_id).listing_id  # type: ignore[union-attr]
        listing = session.get(Listing, listing_id)
        assert listing is not None and listing.status is ListingStatus.RESERVED


def test_localstripe_delivers_a_declined_card_and_the_order_keeps_waiting(
    delivered_to: str,
    committed_engine: Engine,
    stripe_gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
) -> None:
    order_id, ref = _started_order(committed_engine, stripe_gateway)

    pay_in_browser(stripe_client, ref, CARD_DECLINED)

    def failed(session: Session) -> bool:
        return (
            session.exec(
                select(OrderEvent).where(
                    OrderEvent.order_id == order_id,
                    col(OrderEvent.kind) == OrderEventKind.PAYMENT_FAILED,
                )
            ).first()
            is not None
        )

    _wait_for(committed_engine, failed)
    with Session(committed_engine) as session:
        order = session.get(Order, order_id)
        assert order is not None
        assert order.status is OrderStatus.PENDING_PAYMENT and order.payment_ref is None
        [stored] = session.exec(select(PaymentEvent).where(PaymentEvent.payment_ref == ref)).all()
        assert stored.type == "payment_intent.payment_failed"


def test_two_copies_of_one_event_arriving_at_once_are_acted_on_once(
    live_app: str,
    committed_engine: Engine,
    stripe_gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
) -> None:
    order_id, ref = _started_order(committed_engine, stripe_gateway)
    intent = pay_in_browser(stripe_client, ref, CARD_OK)
    payload = event_payload("payment_intent.succeeded", intent)
    headers = {"Content-Type": "application/json", "Stripe-Signature": sign(payload)}
    copies = 4
    barrier = threading.Barrier(copies)

    def deliver(_: int) -> httpx.Response:
        with httpx.Client(base_url=live_app, timeout=30) as http:
            barrier.wait()
            return http.post(WEBHOOK_PATH, content=payload, headers=headers)

    with ThreadPoolExecutor(max_workers=copies) as pool:
        answers = list(pool.map(deliver, range(copies)))

    assert [a.status_code for a in answers] == [200] * copies, [a.text for a in answers]
    assert sorted(a.json()["duplicate"] for a in answers) == [False] + [True] * (copies - 1)
    with Session(committed_engine) as session:
        order = session.get(Order, order_id)
        assert order is not None and order.status is OrderStatus.PAID
        kinds = session.exec(select(OrderEvent.kind).where(OrderEvent.order_id == order_id)).all()
        assert list(kinds).count(OrderEventKind.PAID) == 1
        assert _stored(session, _event_id(payload)) == 1
