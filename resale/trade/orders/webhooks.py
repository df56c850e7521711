"""Provider webhooks: verify the signature, store the event id once, then move the order.

The event row is inserted first, in a SAVEPOINT: a repeated delivery (Stripe resends
until it gets a 2xx, and anyone may replay a captured request) hits the unique
constraint on (gateway, event_id) and stops there, even when two copies arrive at the
same moment. The row and the order change commit together, so a failure part-way
leaves nothing recorded and the provider's next delivery tries again.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from resale.core.db import SessionDep, lock_for_write
from resale.core.errors import NotFound, ResaleError
from resale.core.fields import MAX_INT
from resale.trade.orders import service as orders_service
from resale.trade.payments.dependencies import GatewayDep
from resale.trade.payments.gateway import (
    GatewayError,
    MalformedWebhook,
    PaymentGateway,
    SignatureError,
    WebhookEvent,
)
from resale.trade.payments.models import PaymentEvent

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/payments", tags=["payments"])


class BadWebhook(ResaleError):
    """A webhook whose signature does not verify, or whose signed body is not an event we
    can read: refused, nothing stored."""

    status_code = 400


class WebhookNotHandled(ResaleError):
    """The provider could not be reached while acting on an event; it will deliver it again."""

    status_code = 503


def _order_id(metadata: Any) -> int | None:
    if not isinstance(metadata, dict):
        return None
    try:
        order_id = int(metadata["order_id"])
    except (KeyError, TypeError, ValueError):
        return None
    return order_id if 1 <= order_id <= MAX_INT else None


def handle_event(*, session: Session, gateway: PaymentGateway, event: WebhookEvent) -> bool:
    """Record a verified event once and act on it; False when it had been seen before."""
    # The event row and the order change are one write transaction (SQLite: take the
    # write lock before the first write, as the order service's row locks expect).
    lock_for_write(session)
    try:
        with session.begin_nested():
            session.add(
                PaymentEvent(
                    gateway=gateway.name,
                    event_id=event.id[:100],
                    type=event.type[:100],
                    payment_ref=event.payment_ref[:100] if event.payment_ref else None,
                )
            )
    except IntegrityError:
        log.info("%s event %s delivered again; ignored", gateway.name, event.id)
        return False
    if event.payment_ref is None:
        return True
    order_id = _order_id(event.data.get("metadata"))
    if event.type == "payment_intent.succeeded":
        orders_service.payment_succeeded(
            session=session,
            gateway=gateway,
            payment_ref=event.payment_ref,
            amount_cents=event.amount_cents,
            order_id=order_id,
        )
    elif event.type == "payment_intent.payment_failed":
        orders_service.payment_failed(
            session=session,
            payment_ref=event.payment_ref,
            message=event.failure_message,
            order_id=order_id,
        )
    elif event.type == "charge.refunded":
        orders_service.payment_refunded(
            session=session,
            payment_ref=event.payment_ref,
            refund_ref=event.data.get("refund_ref"),
            amount_cents=event.amount_cents,
        )
    # Any other type is stored (so a repeat is still recognised) and otherwise ignored.
    return True


async def raw_body(request: Request) -> bytes:
    """The body exactly as sent: the signature covers these bytes, not a re-encoding."""
    return await request.body()


@router.post("/stripe/webhook")
def stripe_webhook(
    payload: Annotated[bytes, Depends(raw_body)],
    session: SessionDep,
    gateway: GatewayDep,
    stripe_signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> dict[str, bool]:
    """Stripe's events: verified against the raw body, stored once, then acted on."""
    if gateway.name != "stripe":
        raise NotFound("Stripe is not the payment provider here.")
    try:
        event = gateway.parse_webhook(payload=payload, signature=stripe_signature)
    except (SignatureError, MalformedWebhook) as exc:
        raise BadWebhook(str(exc)) from exc
    try:
        new = handle_event(session=session, gateway=gateway, event=event)
    except GatewayError as exc:
        # Only a late payment's automatic refund calls out; a 5xx makes Stripe retry later.
        log.warning("stripe event %s not handled: %s", event.id, exc)
        raise WebhookNotHandled("The payment provider could not be reached; retry.") from exc
    return {"received": True, "duplicate": not new}
