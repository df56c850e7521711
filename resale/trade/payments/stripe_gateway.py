"""Stripe behind the PaymentGateway interface: the only module in the project that imports ``stripe``.

A PaymentIntent is captured at purchase, so the buyer's money is held on the platform's
balance (no destination charge); the seller's share leaves later as a Connect transfer.
Every mutating call carries the caller's idempotency key, so a repeat after a crash or a
timeout finds the first result instead of charging, refunding or paying twice.
"""

from __future__ import annotations

import json
from typing import Any

import stripe
from stripe.params import PaymentIntentCreateParams, TransferCreateParams

from resale.core.fields import MAX_AMOUNT_CENTS
from resale.core.i18n import N_
from resale.trade.payments.gateway import (
    GatewayError,
    MalformedWebhook,
    Payment,
    PaymentStatus,
    Refund,
    SignatureError,
    Transfer,
    WebhookEvent,
)

# Connect, then read: a hung provider must not hold a request (or the sweep) for long.
TIMEOUT_SECONDS = (5.0, 30.0)
# Safe to retry: every POST carries an idempotency key, GETs change nothing.
NETWORK_RETRIES = 2
# How old a signed webhook may be (Stripe's own default): older ones are replays.
WEBHOOK_TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE

_WAITING = frozenset({"requires_action", "requires_confirmation", "requires_payment_method"})


def _id(value: Any) -> str | None:
    """An expandable field's id, whether Stripe sent the id or the expanded object."""
    if value is None or isinstance(value, str):
        return value
    found = value.get("id") if isinstance(value, dict) else getattr(value, "id", None)
    return found if isinstance(found, str) else None


def _is_amount(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_AMOUNT_CENTS


def _message(exc: stripe.StripeError) -> str:
    return exc.user_message or str(exc) or type(exc).__name__


class StripeGateway:
    """The real provider; ``api_base`` points it at a local fake (localstripe) in tests."""

    name = "stripe"

    def __init__(self, secret_key: str, webhook_secret: str, api_base: str | None = None) -> None:
        self._webhook_secret = webhook_secret
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
        )

    # --- Payments -----------------------------------------------------------------------

    def create_payment(
        self,
        *,
        amount_cents: int,
        currency: str,
        idempotency_key: str,
        description: str,
        metadata: dict[str, str],
        payment_method: str | None = None,
        return_url: str | None = None,
    ) -> Payment:
        """A PaymentIntent captured at once; confirmed now when a payment method is given."""
        params: PaymentIntentCreateParams = {
            "amount": amount_cents,
            "currency": currency.lower(),
            "capture_method": "automatic",
            # In metadata (the Dashboard shows it there too): localstripe, used by the tests
            # and for local runs, refuses a top-level description on a PaymentIntent.
            "metadata": {"description": description[:500], **metadata},
        }
        if payment_method is not None:
            params["payment_method"] = payment_method
            # Cards only, so confirming here needs no return_url for redirect-based methods.
            # (Since API version 2026-09-30 Stripe refuses the older `payment_method_types`.)
            params["allowed_payment_method_types"] = ["card"]
            params["confirm"] = True
            if return_url:
                # Lets a 3-D Secure check redirect the buyer, so the page needs no JavaScript.
                params["return_url"] = return_url
        try:
            intent = self._client.v1.payment_intents.create(
                params, {"idempotency_key": idempotency_key}
            )
        except stripe.CardError as exc:
            return self._declined(exc, amount_cents=amount_cents, currency=currency)
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe refused the payment: {_message(exc)}") from exc
        return self._payment(intent)

    def get_payment(self, *, ref: str) -> Payment:
        """The PaymentIntent as Stripe sees it now."""
        return self._payment(self._retrieve(ref))

    def cancel_payment(self, *, ref: str, idempotency_key: str) -> Payment:
        """Cancel an unpaid PaymentIntent; one that already succeeded or ended is left as it is."""
        try:
            intent = self._client.v1.payment_intents.cancel(
                ref, options={"idempotency_key": idempotency_key}
            )
        except stripe.InvalidRequestError as exc:
            # Stripe refuses to cancel an intent that succeeded, is processing or is already
            # cancelled: report its state and let the caller decide.
            current = self._payment(self._retrieve(ref))
            if current.status in (
                PaymentStatus.SUCCEEDED,
                PaymentStatus.CANCELED,
                PaymentStatus.PROCESSING,
            ):
                return current
            raise GatewayError(f"Stripe did not cancel {ref}: {_message(exc)}") from exc
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe did not cancel {ref}: {_message(exc)}") from exc
        return self._payment(intent)

    def refund(self, *, payment_ref: str, amount_cents: int, idempotency_key: str) -> Refund:
        """Give money back through the Refund API."""
        try:
            refund = self._client.v1.refunds.create(
                {"payment_intent": payment_ref, "amount": amount_cents},
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe did not refund {payment_ref}: {_message(exc)}") from exc
        return Refund(
            ref=refund.id,
            payment_ref=payment_ref,
            amount_cents=refund.amount,
            status=refund.status or "pending",
        )

    # --- Connect --------------------------------------------------------------------------

    def transfer(
        self,
        *,
        destination: str,
        amount_cents: int,
        currency: str,
        idempotency_key: str,
        source_payment_ref: str | None,
        metadata: dict[str, str],
    ) -> Transfer:
        """A Connect transfer of the seller's share, tied to the buyer's charge when known."""
        params: TransferCreateParams = {
            "destination": destination,
            "amount": amount_cents,
            "currency": currency.lower(),
            "metadata": metadata,
        }
        if source_payment_ref:
            # Tied to the charge, the transfer can leave before the charge's funds are
            # available on the platform balance, and it is traceable to the trade.
            charge = _id(self._retrieve(source_payment_ref).latest_charge)
            if charge:
                params["source_transaction"] = charge
        try:
            transfer = self._client.v1.transfers.create(
                params, {"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise GatewayError(
                f"Stripe did not transfer to {destination}: {_message(exc)}"
            ) from exc
        return Transfer(
            ref=transfer.id,
            destination=_id(transfer.destination) or destination,
            amount_cents=transfer.amount,
            currency=transfer.currency.upper(),
        )

    # --- Webhooks -------------------------------------------------------------------------

    def parse_webhook(self, *, payload: bytes, signature: str | None) -> WebhookEvent:
        """Verify the ``Stripe-Signature`` header against the raw body, then reduce the event."""
        if not self._webhook_secret:
            # An empty secret would make any forged signature "verify".
            raise SignatureError("No Stripe webhook secret is configured.")
        if not signature:
            raise SignatureError("The Stripe-Signature header is missing.")
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"), signature, self._webhook_secret, WEBHOOK_TOLERANCE
            )
        except stripe.SignatureVerificationError as exc:
            raise SignatureError("The webhook signature does not match.") from exc
        except ValueError as exc:  # not UTF-8: nothing Stripe signs
            raise MalformedWebhook("The webhook body is not UTF-8 text.") from exc
        # Verified: read the very bytes that were signed. Signed is not well formed: a
        # body that is not a Stripe event is refused, whoever holds the secret.
        try:
            event = json.loads(payload)
        except ValueError as exc:
            raise MalformedWebhook("The webhook body is not JSON.") from exc
        if not isinstance(event, dict) or not all(
            isinstance(event.get(key), str) and event[key] for key in ("id", "type")
        ):
            raise MalformedWebhook("The webhook body is not a Stripe event (no id and type).")
        return _reduce(event)

    # --- Internals ------------------------------------------------------------------------

    def _retrieve(self, ref: str) -> stripe.PaymentIntent:
        try:
            return self._client.v1.payment_intents.retrieve(ref)
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe did not find {ref}: {_message(exc)}") from exc

    def _payment(self, intent: stripe.PaymentIntent) -> Payment:
        status = _status(intent.status, intent.last_payment_error is not None)
        received = getattr(intent, "amount_received", None)
        amount = received if status is PaymentStatus.SUCCEEDED and received else intent.amount
        next_url = None
        action = intent.next_action
        if action is not None and action.type == "redirect_to_url" and action.redirect_to_url:
            next_url = action.redirect_to_url.url
        error = intent.last_payment_error
        return Payment(
            ref=intent.id,
            status=status,
            amount_cents=amount,
            currency=intent.currency.upper(),
            next_action_url=next_url,
            client_secret=intent.client_secret if status is PaymentStatus.REQUIRES_ACTION else None,
            failure_message=(error.message or N_("The payment was declined."))
            if status is PaymentStatus.FAILED and error is not None
            else None,
        )

    def _declined(self, exc: stripe.CardError, *, amount_cents: int, currency: str) -> Payment:
        """A declined card is an answer, not an outage: the buyer may try another card."""
        error = exc.error
        intent = error.payment_intent if error is not None else None
        ref = intent.id if intent is not None else None
        if ref is None and error is not None and error.charge:
            # Some servers (localstripe) name only the charge; it names its intent.
            try:
                charge = self._client.v1.charges.retrieve(error.charge)
                ref = _id(charge.payment_intent)
            except stripe.StripeError:
                ref = None
        return Payment(
            ref=ref or "",
            status=PaymentStatus.FAILED,
            amount_cents=amount_cents,
            currency=currency.upper(),
            failure_message=_message(exc),
        )


def _status(status: str, has_error: bool) -> PaymentStatus:
    if status == "succeeded":
        return PaymentStatus.SUCCEEDED
    if status == "canceled":
        return PaymentStatus.CANCELED
    if status == "requires_payment_method" and has_error:
        # Stripe sends a declined intent back to "requires_payment_method" with the error.
        return PaymentStatus.FAILED
    if status in _WAITING:
        return PaymentStatus.REQUIRES_ACTION
    # "processing", and "requires_capture" (never asked for: capture is automatic).
    return PaymentStatus.PROCESSING


def _reduce(event: dict[str, Any]) -> WebhookEvent:
    """What the order service needs from an event: its id, type, intent, amount and metadata."""
    kind = str(event.get("type", ""))
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        obj = {}
    metadata = obj.get("metadata")
    extra: dict[str, Any] = {
        "metadata": dict(metadata) if isinstance(metadata, dict) else {},
        "object": obj.get("object"),
        "livemode": bool(event.get("livemode", False)),
    }
    payment_ref: str | None
    amount: int | None
    failure: str | None = None
    if kind.startswith("payment_intent."):
        payment_ref = _id(obj.get("id"))
        amount = obj.get("amount_received") or obj.get("amount")
        error = obj.get("last_payment_error")
        if isinstance(error, dict):
            failure = error.get("message") or error.get("code")
    elif kind.startswith("charge."):
        payment_ref = _id(obj.get("payment_intent"))
        amount = obj.get("amount_refunded") if kind == "charge.refunded" else obj.get("amount")
        refunds = obj.get("refunds")
        listed = refunds.get("data") if isinstance(refunds, dict) else None
        if kind == "charge.refunded" and isinstance(listed, list) and listed:
            # Stripe lists a charge's refunds newest first.
            extra["refund_ref"] = _id(listed[0])
    else:
        payment_ref = _id(obj.get("payment_intent"))
        amount = None
    if amount is not None and not _is_amount(amount):
        raise MalformedWebhook("The webhook event's amount is not a number of cents.")
    if failure is not None and not isinstance(failure, str):
        raise MalformedWebhook("The webhook event's payment error has no readable message.")
    return WebhookEvent(
        id=str(event["id"]),
        type=kind,
        payment_ref=payment_ref,
        amount_cents=amount,
        failure_message=failure,
        data=extra,
    )
