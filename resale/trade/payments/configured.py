"""The gateway this deployment takes payments with, chosen once from the settings."""

from __future__ import annotations

from functools import cache

from resale.core.config import settings
from resale.trade.payments.dev_gateway import DevGateway
from resale.trade.payments.gateway import PaymentGateway
from resale.trade.payments.stripe_gateway import StripeGateway


class DevGatewayRefused(RuntimeError):
    """Production without Stripe keys: buyers could approve their own payments."""

    def __init__(self) -> None:
        super().__init__(
            "RESALE_ENV=production refuses the development payment gateway, on which buyers "
            "approve their own payments. Set RESALE_STRIPE_SECRET_KEY, "
            "RESALE_STRIPE_PUBLISHABLE_KEY and RESALE_STRIPE_WEBHOOK_SECRET for real payments, "
            "or RESALE_ALLOW_DEV_GATEWAY=true for a staging site where no real money moves."
        )


@cache
def get_gateway() -> PaymentGateway:
    """Stripe when a secret key is configured, otherwise the development gateway, which
    production refuses unless explicitly allowed (raises ``DevGatewayRefused``)."""
    if settings.stripe_secret_key:
        return StripeGateway(
            secret_key=settings.stripe_secret_key,
            webhook_secret=settings.stripe_webhook_secret,
            api_base=settings.stripe_api_base or None,
        )
    if settings.env == "production" and not settings.allow_dev_gateway:
        raise DevGatewayRefused()
    return DevGateway()
