"""The payment gateway interface the order service talks to, and the choice of gateway.

Two implementations: ``stripe_gateway.StripeGateway`` (the only module that imports
``stripe``) and ``dev_gateway.DevGateway`` (a clearly labelled local gateway used when no
Stripe key is configured). Every mutating call takes an idempotency key, so the order
service can repeat any call after a crash or a timeout without charging or paying twice.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol


class PaymentStatus(enum.StrEnum):
    SUCCEEDED = "succeeded"  # the money is held by the platform
    PROCESSING = "processing"  # the provider will tell us by webhook
    REQUIRES_ACTION = "requires_action"  # the buyer must act (3-D Secure, the dev pay page)
    FAILED = "failed"  # declined; the buyer may try again
    CANCELED = "canceled"


@dataclass(frozen=True)
class Payment:
    """What the provider says about one payment (a Stripe PaymentIntent)."""

    ref: str  # the provider's id, e.g. "pi_..." or "devpay_..."
    status: PaymentStatus
    amount_cents: int
    currency: str
    # Where to send the buyer when status is REQUIRES_ACTION (a URL), or a client secret.
    next_action_url: str | None = None
    client_secret: str | None = None
    failure_message: str | None = None


@dataclass(frozen=True)
class Refund:
    ref: str
    payment_ref: str
    amount_cents: int
    status: str  # "succeeded", "pending", "failed"


@dataclass(frozen=True)
class Transfer:
    ref: str
    destination: str
    amount_cents: int
    currency: str


@dataclass(frozen=True)
class WebhookEvent:
    """A verified provider event, reduced to what the order service needs."""

    id: str  # unique per event; stored once, so a repeated delivery does nothing
    type: str  # e.g. "payment_intent.succeeded"
    payment_ref: str | None  # the PaymentIntent the event is about, if any
    amount_cents: int | None = None
    failure_message: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class GatewayError(Exception):
    """The provider could not be reached or refused the call (not a card decline)."""


class SignatureError(GatewayError):
    """A webhook whose signature does not verify against the raw body."""


class MalformedWebhook(GatewayError):
    """A webhook whose signature verifies but whose body is not an event we can read."""


class PaymentGateway(Protocol):
    name: str  # "stripe" or "dev"

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
        """Create (and, with a payment method, confirm) a payment captured at once."""
        ...

    def get_payment(self, *, ref: str) -> Payment:
        """The provider's current view of a payment (used to reconcile lost webhooks)."""
        ...

    def cancel_payment(self, *, ref: str, idempotency_key: str) -> Payment:
        """Cancel a payment that has not succeeded (an expired reservation)."""
        ...

    def refund(self, *, payment_ref: str, amount_cents: int, idempotency_key: str) -> Refund:
        """Give the buyer their money back through the provider's refund API."""
        ...

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
        """Pay a seller's share to their connected account."""
        ...

    def parse_webhook(self, *, payload: bytes, signature: str | None) -> WebhookEvent:
        """Verify a webhook against the raw body and reduce it; raises SignatureError."""
        ...
