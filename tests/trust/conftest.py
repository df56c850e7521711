from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from resale.trade.payments.dependencies import gateway_dependency
from resale.trade.payments.dev_gateway import DevGateway


@pytest.fixture
def gateway(app: FastAPI, tmp_path: Path) -> DevGateway:
    dev = DevGateway(tmp_path / "dev-payments.db")
    app.dependency_overrides[gateway_dependency] = lambda: dev
    return dev
