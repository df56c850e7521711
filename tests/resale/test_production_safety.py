"""Production takes no payments on the development gateway unless told to (a staging site),
which every page then says; the gateway's pages exist only while it is the one in use."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from resale.core.config import settings
from resale.trade.payments.configured import DevGatewayRefused, get_gateway
from resale.trade.payments.dependencies import gateway_dependency
from tests.factories import browser_login, csrf, make_user
from tests.live import app_command, app_environment, free_port, start_server, stop_server

PRODUCTION = {"RESALE_ENV": "production", "RESALE_SWEEP_INTERVAL_SECONDS": "0"}
BANNER = "no real money moves on this site"


@pytest.fixture
def fresh_gateway() -> Iterator[None]:
    """The gateway is chosen again from the settings this test sets, and again after it."""
    get_gateway.cache_clear()
    yield
    get_gateway.cache_clear()


def test_production_refuses_to_start_with_the_development_gateway(tmp_path: Path) -> None:
    started = subprocess.run(
        app_command(free_port()),
        env=app_environment(tmp_path, **PRODUCTION),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    said = started.stdout + started.stderr
    assert "DevGatewayRefused" in said
    for setting in ("RESALE_STRIPE_SECRET_KEY", "RESALE_ALLOW_DEV_GATEWAY=true"):
        assert setting in said


def test_create_app_refuses_it_in_production_in_process_too(
    monkeypatch: pytest.MonkeyPatch, fresh_gateway: None
) -> None:
    from resale.app import create_app

    monkeypatch.setattr(settings, "env", "production")
    with pytest.raises(DevGatewayRefused, match="RESALE_ALLOW_DEV_GATEWAY"):
        create_app()
    monkeypatch.setattr(settings, "stripe_secret_key", "sk_test_not_a_real_key")
    get_gateway.cache_clear()
    assert create_app() is not None
    assert get_gateway().name == "stripe"


def test_an_allowed_staging_site_runs_and_every_page_says_test_payments(
    tmp_path: Path,
) -> None:
    base, process = start_server(
        tmp_path, tmp_path / "server.log", **PRODUCTION, RESALE_ALLOW_DEV_GATEWAY="true"
    )
    try:
        for path in ("/", "/login", "/search?q=lamp", "/impact", "/no-such-page"):
            page = httpx.get(base + path)
            assert BANNER in page.text, path
        # Production defaults: cookies only over HTTPS, and HSTS.
        login = httpx.get(base + "/login")
        assert "secure" in login.headers["set-cookie"].lower()
        assert login.headers["strict-transport-security"].startswith("max-age=")
    finally:
        stop_server(process)


def test_no_banner_where_it_goes_without_saying(client: TestClient) -> None:
    """In development and tests the development gateway is expected: no banner."""
    assert get_gateway().name == "dev"
    assert BANNER not in client.get("/").text


def test_the_dev_gateway_pages_are_not_there_with_another_gateway(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    class NotDev:
        name = "stripe"

    app.dependency_overrides[gateway_dependency] = NotDev
    # Not there for anyone: before any login redirect or CSRF refusal.
    for path in ("/payments/dev/devpay_0123/succeed", "/payments/dev/devpay_0123/fail"):
        assert client.post(path, follow_redirects=False).status_code == 404
    assert client.get("/payments/dev/devpay_0123", follow_redirects=False).status_code == 404
    browser_login(client, session, make_user(session))
    token = csrf(client)
    for path in ("/payments/dev/devpay_0123/succeed", "/payments/dev/devpay_0123/fail"):
        assert client.post(path, data={"csrf_token": token}).status_code == 404
