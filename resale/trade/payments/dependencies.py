"""The payment gateway as a dependency, so tests can swap in localstripe or a fake."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from resale.trade.payments.configured import get_gateway
from resale.trade.payments.gateway import PaymentGateway


def gateway_dependency() -> PaymentGateway:
    return get_gateway()


GatewayDep = Annotated[PaymentGateway, Depends(gateway_dependency)]
