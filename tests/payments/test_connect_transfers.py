"""Connect transfers of the seller's share, against the front's ``/v1/transfers``.

localstripe has no Connect transfers, so ``StripeFront`` (tests/payments/conftest.py)
implements ``POST /v1/transfers`` as Stripe does: it records the form and the
Idempotency-Key, and answers a repeated key with the first transfer. Everything else
(the PaymentIntent the transfer is tied to) is real localstripe.
"""

from __future__ import annotations

import pytest
import stripe
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from carbon.estimate import Fulfilment
from resale.core.db import writer
from resale.trade.orders import service as orders_service
from resale.trade.orders.models import Order, OrderStatus
from resale.trade.payments import service as payments_service
from resale.trade.payments.gateway import GatewayError, PaymentStatus, Transfer
from resale.trade.payments.models import Payout, PayoutMethod, PayoutStatus
from resale.trade.payments.stripe_gateway import StripeGateway
from tests.factories import make_listing, make_user
from tests.payments.conftest import CARD_OK, StripeFront, card


def _charge_of(client: stripe.StripeClient, payment_ref: str) -> str:
    intent = client.v1.payment_intents.retrieve(payment_ref).to_dict()
    return str(intent["latest_charge"]["id"])


def test_a_transfer_sends_destination_amount_currency_source_and_key(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient, front: StripeFront
) -> None:
    payment = stripe_gateway.create_payment(
        amount_cents=9000,
        currency="EUR",
        idempotency_key="order-7-payment-1",
        description="resale order 7",
        metadata={"order_id": "7"},
        payment_method=card(stripe_client, CARD_OK),
    )
    assert payment.status is PaymentStatus.SUCCEEDED

    def send() -> Transfer:
        return stripe_gateway.transfer(
            destination="acct_seller7",
            amount_cents=8500,
            currency="EUR",
            idempotency_key="payout-7",
            source_payment_ref=payment.ref,
            metadata={"order_id": "7", "payout_id": "3"},
        )

    first, again = send(), send()

    assert first == again  # the same key: the same transfer, not a second one
    assert len(front.transfers) == 1
    [made] = front.transfers.values()
    assert first.ref == made["id"] and first.ref.startswith("tr_")
    assert (first.destination, first.amount_cents, first.currency) == (
        "acct_seller7",
        8500,
        "EUR",
    )
    sent = front.posts("/v1/transfers")
    assert [s.idempotency_key for s in sent] == ["payout-7", "payout-7"]
    assert sent[0].form == {
        "destination": "acct_seller7",
        "amount": "8500",
        "currency": "eur",
        "source_transaction": _charge_of(stripe_client, payment.ref),
        "metadata[order_id]": "7",
        "metadata[payout_id]": "3",
    }


def test_a_refused_transfer_is_a_gateway_error(stripe_gateway: StripeGateway) -> None:
    with pytest.raises(GatewayError, match="acct_refused"):
        stripe_gateway.transfer(
            destination="acct_refused_1",
            amount_cents=100,
            currency="EUR",
            idempotency_key="payout-refused",
            source_payment_ref=None,
            metadata={},
        )


# --- run_pending_transfers, with real commits on both databases ---------------------------


def _completed_order(
    engine: Engine, gateway: StripeGateway, client: stripe.StripeClient, account: str
) -> tuple[int, str]:
    """A pickup paid by card through Stripe, handed over with the buyer's code: completed."""
    with Session(writer(engine)) as session:
        seller, buyer = make_user(session), make_user(session)
        payments_service.connect_account(session=session, user=seller, stripe_account_id=account)
        listing = make_listing(session, seller, photos=0, price_cents=6000)
        assert listing.id is not None
        order, _ = orders_service.place_order(
            session=session,
            buyer=buyer,
            listing_id=listing.id,
            fulfilment=Fulfilment.PICKUP,
            gateway_name=gateway.name,
        )
        order, _ = orders_service.start_payment(
            session=session,
            order=order,
            buyer=buyer,
            gateway=gateway,
            payment_method=card(client, CARD_OK),
        )
        assert order.status is OrderStatus.PAID and order.payment_ref
        order = orders_service.hand_over(
            session=session, order=order, seller=seller, code=order.handover_code, gateway=gateway
        )
        assert order.status is OrderStatus.COMPLETED
        session.commit()
        assert order.id is not None and order.payment_ref is not None
        return order.id, order.payment_ref


def _payout(engine: Engine, order_id: int) -> Payout:
    with Session(engine) as session:
        return session.exec(select(Payout).where(Payout.order_id == order_id)).one()


def test_pending_transfers_are_paid_once_even_when_run_twice(
    committed_engine: Engine,
    stripe_gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
    front: StripeFront,
) -> None:
    order_id, payment_ref = _completed_order(
        committed_engine, stripe_gateway, stripe_client, "acct_seller_once"
    )
    queued = _payout(committed_engine, order_id)
    assert (queued.method, queued.status, queued.destination) == (
        PayoutMethod.TRANSFER,
        PayoutStatus.PENDING,
        "acct_seller_once",
    )

    first = payments_service.run_pending_transfers(engine=committed_engine, gateway=stripe_gateway)
    second = payments_service.run_pending_transfers(engine=committed_engine, gateway=stripe_gateway)

    assert (first, second) == ((1, 0), (0, 0))
    payout = _payout(committed_engine, order_id)
    assert payout.status is PayoutStatus.PAID and payout.paid_at is not None
    [made] = front.transfers.values()
    assert payout.transfer_ref == made["id"]
    assert (made["destination"], made["amount"], made["currency"]) == (
        "acct_seller_once",
        6000,
        "eur",
    )
    assert made["source_transaction"] == _charge_of(stripe_client, payment_ref)
    assert made["metadata"] == {"order_id": str(order_id), "payout_id": str(payout.id)}


def test_a_transfer_whose_result_was_lost_is_not_paid_again(
    committed_engine: Engine,
    stripe_gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
    front: StripeFront,
) -> None:
    """The process died after Stripe made the transfer, before the payout row was saved."""
    order_id, _ = _completed_order(
        committed_engine, stripe_gateway, stripe_client, "acct_seller_crash"
    )
    assert payments_service.run_pending_transfers(
        engine=committed_engine, gateway=stripe_gateway
    ) == (1, 0)
    made = _payout(committed_engine, order_id).transfer_ref
    with Session(writer(committed_engine)) as session:  # undo the lost commit
        payout = session.exec(select(Payout).where(Payout.order_id == order_id)).one()
        payout.status, payout.transfer_ref, payout.paid_at = PayoutStatus.PENDING, None, None
        session.add(payout)
        session.commit()

    assert payments_service.run_pending_transfers(
        engine=committed_engine, gateway=stripe_gateway
    ) == (1, 0)

    assert len(front.transfers) == 1  # Stripe found the first transfer by its key
    assert [s.replayed for s in front.posts("/v1/transfers")] == [False, True]
    payout = _payout(committed_engine, order_id)
    assert payout.status is PayoutStatus.PAID and payout.transfer_ref == made


def test_a_refused_transfer_stays_pending_and_counts_the_attempt(
    committed_engine: Engine,
    stripe_gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
    front: StripeFront,
) -> None:
    order_id, _ = _completed_order(
        committed_engine, stripe_gateway, stripe_client, "acct_refused_seller"
    )

    assert payments_service.run_pending_transfers(
        engine=committed_engine, gateway=stripe_gateway
    ) == (0, 1)

    payout = _payout(committed_engine, order_id)
    assert payout.status is PayoutStatus.PENDING and payout.attempts == 1
    assert payout.last_error and "acct_refused_seller" in payout.last_error
    assert not front.transfers
    with Session(committed_engine) as session:
        order = session.get(Order, order_id)
        assert order is not None and order.status is OrderStatus.COMPLETED
