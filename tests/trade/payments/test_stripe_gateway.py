"""StripeGateway with the real SDK against localstripe: pay, decline, repeat, refund, read, cancel, webhooks."""

from __future__ import annotations

import json
import secrets
import time

import pytest
import stripe

from resale.trade.payments.gateway import GatewayError, Payment, PaymentStatus, SignatureError
from resale.trade.payments.stripe_gateway import StripeGateway
from tests.trade.payments.conftest import (
    CARD_DECLINED,
    CARD_OK,
    SECRET_KEY,
    WEBHOOK_SECRET,
    StripeFront,
    card,
    event_payload,
    free_port,
    pay_in_browser,
    sign,
)


def _key() -> str:
    return f"test-{secrets.token_hex(8)}"


def _pay(
    gateway: StripeGateway,
    method: str | None,
    *,
    key: str | None = None,
    amount: int = 12500,
    return_url: str | None = None,
) -> Payment:
    return gateway.create_payment(
        amount_cents=amount,
        currency="EUR",
        idempotency_key=key or _key(),
        description="resale order 41",
        metadata={"order_id": "41"},
        payment_method=method,
        return_url=return_url,
    )


def test_a_good_card_is_charged_at_once_and_the_money_stays_with_the_platform(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient, front: StripeFront
) -> None:
    key = _key()
    back = "http://127.0.0.1:8000/orders/41"
    payment = _pay(stripe_gateway, card(stripe_client, CARD_OK), key=key, return_url=back)

    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.ref.startswith("pi_")
    assert (payment.amount_cents, payment.currency) == (12500, "EUR")
    assert payment.failure_message is None
    [sent] = front.posts("/v1/payment_intents")
    assert sent.idempotency_key == key
    assert sent.form["amount"] == "12500"
    assert sent.form["currency"] == "eur"
    assert sent.form["capture_method"] == "automatic"
    assert sent.form["confirm"] == "true"
    assert sent.form["allowed_payment_method_types[0]"] == "card"
    assert sent.form["metadata[order_id]"] == "41"
    assert sent.form["return_url"] == back  # a 3-D Secure check could redirect, no JS needed
    # Held by the platform: no destination charge, no transfer at purchase.
    assert not any(name.startswith(("transfer_data", "on_behalf_of")) for name in sent.form)
    assert not front.posts("/v1/transfers")
    intent = stripe_client.v1.payment_intents.retrieve(payment.ref)
    assert intent.status == "succeeded" and intent.capture_method == "automatic"
    assert intent.metadata.to_dict() == {"order_id": "41", "description": "resale order 41"}


@pytest.mark.parametrize("number", [CARD_DECLINED])
def test_a_declined_card_is_a_failed_payment_not_an_error(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient, number: str
) -> None:
    payment = _pay(stripe_gateway, card(stripe_client, number))

    assert payment.status is PaymentStatus.FAILED
    assert payment.failure_message == "Your card was declined."
    assert payment.ref.startswith("pi_")  # the declined intent, found through its charge
    # Stripe's own view agrees: waiting for another card, with the decline on it.
    again = stripe_gateway.get_payment(ref=payment.ref)
    assert again.status is PaymentStatus.FAILED
    assert again.failure_message == "Your card was declined."


def test_the_same_idempotency_key_gives_the_same_payment(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient, front: StripeFront
) -> None:
    method = card(stripe_client, CARD_OK)
    key = _key()
    first = _pay(stripe_gateway, method, key=key)
    second = _pay(stripe_gateway, method, key=key)
    other = _pay(stripe_gateway, method)

    assert second.ref == first.ref and second.status is PaymentStatus.SUCCEEDED
    assert other.ref != first.ref
    sent = front.posts("/v1/payment_intents")
    assert [s.idempotency_key for s in sent[:2]] == [key, key]
    assert [s.replayed for s in sent] == [False, True, False]


def test_a_payment_without_a_card_waits_for_the_buyer_with_a_client_secret(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient, front: StripeFront
) -> None:
    payment = _pay(stripe_gateway, None)

    assert payment.status is PaymentStatus.REQUIRES_ACTION
    assert payment.client_secret and payment.client_secret.startswith(payment.ref)
    [sent] = front.posts("/v1/payment_intents")
    assert "confirm" not in sent.form
    assert stripe_gateway.get_payment(ref=payment.ref) == payment

    pay_in_browser(stripe_client, payment.ref, CARD_OK)
    paid = stripe_gateway.get_payment(ref=payment.ref)
    assert paid.status is PaymentStatus.SUCCEEDED
    assert paid.client_secret is None and paid.amount_cents == 12500


def test_a_refund_goes_through_the_refund_api(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient, front: StripeFront
) -> None:
    payment = _pay(stripe_gateway, card(stripe_client, CARD_OK))
    key = _key()

    refund = stripe_gateway.refund(payment_ref=payment.ref, amount_cents=12500, idempotency_key=key)
    repeat = stripe_gateway.refund(payment_ref=payment.ref, amount_cents=12500, idempotency_key=key)

    assert refund.ref.startswith("re_") and repeat.ref == refund.ref
    assert (refund.payment_ref, refund.amount_cents, refund.status) == (
        payment.ref,
        12500,
        "succeeded",
    )
    sent = front.posts("/v1/refunds")
    assert [(s.form["payment_intent"], s.form["amount"], s.idempotency_key) for s in sent] == [
        (payment.ref, "12500", key)
    ] * 2
    intent = stripe_client.v1.payment_intents.retrieve(payment.ref)
    charge = stripe_client.v1.charges.retrieve(str(intent.to_dict()["latest_charge"]["id"]))
    assert charge.amount_refunded == 12500  # refunded once, not twice


def test_cancelling_an_unconfirmed_payment(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient, front: StripeFront
) -> None:
    waiting = _pay(stripe_gateway, None)
    key = _key()

    cancelled = stripe_gateway.cancel_payment(ref=waiting.ref, idempotency_key=key)
    assert cancelled.status is PaymentStatus.CANCELED
    assert stripe_gateway.get_payment(ref=waiting.ref).status is PaymentStatus.CANCELED
    [sent] = front.posts(f"/v1/payment_intents/{waiting.ref}/cancel")
    assert sent.idempotency_key == key
    # Cancelling again (another key, e.g. the sweep after a crash) reports the state.
    assert stripe_gateway.cancel_payment(ref=waiting.ref, idempotency_key=_key()).status is (
        PaymentStatus.CANCELED
    )


def test_cancelling_a_payment_that_already_succeeded_leaves_it_paid(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient
) -> None:
    paid = _pay(stripe_gateway, card(stripe_client, CARD_OK))

    answer = stripe_gateway.cancel_payment(ref=paid.ref, idempotency_key=_key())

    assert answer.status is PaymentStatus.SUCCEEDED
    assert stripe_client.v1.payment_intents.retrieve(paid.ref).status == "succeeded"


def test_an_unknown_payment_or_an_unreachable_provider_is_a_gateway_error(
    stripe_gateway: StripeGateway,
) -> None:
    with pytest.raises(GatewayError):
        stripe_gateway.get_payment(ref="pi_doesnotexist")
    nobody = StripeGateway(SECRET_KEY, WEBHOOK_SECRET, api_base=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(GatewayError):
        _pay(nobody, None)


# --- parse_webhook -------------------------------------------------------------------------


def test_a_signed_payment_intent_event_is_reduced_to_what_orders_need(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient
) -> None:
    waiting = _pay(stripe_gateway, None)
    failed = pay_in_browser(stripe_client, waiting.ref, CARD_DECLINED)
    payload = event_payload("payment_intent.payment_failed", failed, event_id="evt_failed_1")

    event = stripe_gateway.parse_webhook(payload=payload, signature=sign(payload))

    assert (event.id, event.type, event.payment_ref) == (
        "evt_failed_1",
        "payment_intent.payment_failed",
        waiting.ref,
    )
    assert event.amount_cents == 12500
    assert event.failure_message == "Your card was declined."
    assert event.data["metadata"]["order_id"] == "41"


def test_a_charge_refunded_event_names_the_intent_and_the_refund(
    stripe_gateway: StripeGateway, stripe_client: stripe.StripeClient
) -> None:
    paid = _pay(stripe_gateway, card(stripe_client, CARD_OK))
    refund = stripe_gateway.refund(payment_ref=paid.ref, amount_cents=2500, idempotency_key=_key())
    intent = stripe_client.v1.payment_intents.retrieve(paid.ref).to_dict()
    charge = stripe_client.v1.charges.retrieve(intent["latest_charge"]["id"]).to_dict()
    payload = event_payload("charge.refunded", charge)

    event = stripe_gateway.parse_webhook(payload=payload, signature=sign(payload))

    assert event.type == "charge.refunded"
    assert event.payment_ref == paid.ref
    assert event.amount_cents == 2500
    assert event.data["refund_ref"] == refund.ref


def test_a_webhook_that_does_not_verify_is_refused(stripe_gateway: StripeGateway) -> None:
    obj = {"id": "pi_1", "object": "payment_intent", "amount": 100, "metadata": {}}
    payload = event_payload("payment_intent.succeeded", obj)
    good = sign(payload)
    tampered = payload.replace(b'"amount": 100', b'"amount": 1')
    stale = sign(payload, at=int(time.time()) - 3600)  # a replay of an old capture

    for body, header in [
        (tampered, good),
        (payload, sign(payload, secret="whsec_someone_else")),
        (payload, None),
        (payload, ""),
        (payload, "t=1,v1=00"),
        (payload, stale),
    ]:
        with pytest.raises(SignatureError):
            stripe_gateway.parse_webhook(payload=body, signature=header)
    # Without a configured secret nothing verifies, not even a "signature" made with "".
    open_door = StripeGateway(SECRET_KEY, "", api_base="http://127.0.0.1:1")
    with pytest.raises(SignatureError):
        open_door.parse_webhook(payload=payload, signature=sign(payload, secret=""))
    assert json.loads(payload)["data"]["object"]["amount"] == 100
