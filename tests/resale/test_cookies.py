"""Our cookies (session, CSRF visitor id, flash): HttpOnly, SameSite=Lax, and Secure by
default in production or when RESALE_SECURE_COOKIES says so."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session

from resale.core.config import Settings, settings
from tests.factories import PASSWORD, csrf, make_user, page_csrf

GOOD_KEY = "k" * 48


def make(**values: object) -> Settings:
    return Settings(_env_file=None, secret_key=GOOD_KEY, **values)  # type: ignore[call-arg]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("RESALE_"):
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize(
    ("env", "given", "secure"),
    [
        ("production", None, True),
        ("development", None, False),
        ("test", None, False),
        ("production", False, False),  # e.g. a staging site on plain http
        ("development", True, True),
    ],
)
def test_secure_by_default_only_in_production(env: str, given: bool | None, secure: bool) -> None:
    values: dict[str, object] = {"env": env}
    if given is not None:
        values["secure_cookies"] = given
    assert make(**values).cookies_secure is secure


@pytest.mark.usefixtures("clean_env")
def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESALE_ENV", "production")
    monkeypatch.setenv("RESALE_SECURE_COOKIES", "false")
    assert make().cookies_secure is False
    monkeypatch.setenv("RESALE_SECURE_COOKIES", "maybe")
    with pytest.raises(ValidationError):
        make()


def _set_cookies(response: object) -> dict[str, str]:
    """Each Set-Cookie header of a response, by cookie name."""
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return {header.split("=", 1)[0]: header.lower() for header in headers}


@pytest.mark.parametrize("secure", [True, False])
def test_every_cookie_we_set_follows_the_setting(
    app: FastAPI, session: Session, monkeypatch: pytest.MonkeyPatch, secure: bool
) -> None:
    monkeypatch.setattr(settings, "secure_cookies", secure)
    make_user(session, email="noor@example.com")
    # A browser sends Secure cookies back only over HTTPS.
    base_url = f"{'https' if secure else 'http'}://testserver"
    with TestClient(app, base_url=base_url) as client:
        first = client.get("/login")
        login = client.post(
            "/login",
            data={
                "csrf_token": page_csrf(first.text),
                "email": "noor@example.com",
                "password": PASSWORD,
            },
            follow_redirects=False,
        )
        assert login.status_code == 303
        logout = client.post("/logout", data={"csrf_token": csrf(client)}, follow_redirects=False)
        assert logout.status_code == 303
    cookies = {
        "resale_csrf": _set_cookies(first)["resale_csrf"],
        "resale_session": _set_cookies(login)["resale_session"],
        "resale_flash": _set_cookies(logout)["resale_flash"],  # "You are logged out."
    }
    for name, header in cookies.items():
        assert "httponly" in header, name
        assert "samesite=lax" in header, name
        assert ("; secure" in header) is secure, name
