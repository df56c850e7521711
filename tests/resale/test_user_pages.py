"""Register, log in, log out and profile in the browser: cookies, CSRF, form errors."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from resale.core.security import SESSION_COOKIE
from resale.users.models import AuthToken, User
from tests.factories import PASSWORD, browser_login, csrf, make_user, page_csrf


def _register(client: TestClient, **fields: str) -> object:
    form = {
        "csrf_token": csrf(client, "/register"),
        "display_name": "Camille",
        "email": "camille@example.com",
        "password": "a good password",
        "place_slug": "lyon-croix-rousse",
        **fields,
    }
    return client.post("/register", data=form, follow_redirects=False)


def test_register_logs_in_with_a_safe_cookie(client: TestClient, session: Session) -> None:
    response = _register(client, email="Camille@Example.com")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert f"{SESSION_COOKIE}=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    user = session.exec(select(User).where(User.email == "camille@example.com")).one()
    assert (user.place_name, user.lat) == ("Lyon, Croix-Rousse", 45.7745)
    home = client.get("/")
    assert "Camille" in home.text


def test_register_errors_are_shown_beside_fields_and_input_is_kept(
    client: TestClient, session: Session
) -> None:
    response = _register(client, email="not-an-email", password="short", display_name="Kim")
    assert response.status_code == 422
    assert 'id="email-error"' in response.text
    assert 'id="password-error"' in response.text
    assert 'value="Kim"' in response.text  # what the person typed stays
    assert "short" not in response.text  # but never the password
    assert session.exec(select(User)).first() is None


def test_register_with_a_taken_email_says_so(client: TestClient, session: Session) -> None:
    make_user(session, email="taken@example.com")
    response = _register(client, email="TAKEN@example.com")
    assert response.status_code == 409
    assert "already exists" in response.text


def test_geolocation_is_named_after_the_nearest_place_not_coordinates(
    client: TestClient, session: Session
) -> None:
    response = _register(client, place_slug="geolocation", geo_lat="52.5190", geo_lon="13.4060")
    assert response.status_code == 303
    user = session.exec(select(User).where(User.email == "camille@example.com")).one()
    assert user.place_name == "Berlin, Mitte"
    assert user.lat == 52.519


def test_a_form_without_its_csrf_token_is_refused(client: TestClient, session: Session) -> None:
    client.get("/register")
    response = client.post(
        "/register",
        data={"display_name": "X", "email": "x@example.com", "password": "long enough pw"},
    )
    assert response.status_code == 403
    assert "reload the page" in response.text
    assert session.exec(select(User)).first() is None


def test_login_failures_do_not_say_which_part_was_wrong(
    client: TestClient, session: Session
) -> None:
    make_user(session, email="known@example.com")
    token = csrf(client, "/login")
    wrong_password = client.post(
        "/login", data={"csrf_token": token, "email": "known@example.com", "password": "nope nope"}
    )
    unknown_email = client.post(
        "/login", data={"csrf_token": token, "email": "who@example.com", "password": PASSWORD}
    )
    assert wrong_password.status_code == unknown_email.status_code == 400
    assert "Wrong email or password." in wrong_password.text
    assert "Wrong email or password." in unknown_email.text
    assert 'value="known@example.com"' in wrong_password.text


def test_login_then_logout_revokes_the_session(client: TestClient, session: Session) -> None:
    user = make_user(session, email="known@example.com", display_name="Noor")
    token = csrf(client, "/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": token,
            "email": "KNOWN@example.com",
            "password": PASSWORD,
            "next": "/me/listings",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/me/listings"
    session_token = client.cookies.get(SESSION_COOKIE)
    assert session_token
    signed_in = client.get("/me/listings").text
    assert "Noor" in signed_in
    logout = client.post(
        "/logout", data={"csrf_token": page_csrf(signed_in)}, follow_redirects=False
    )
    assert logout.status_code == 303
    assert session.exec(select(AuthToken).where(AuthToken.user_id == user.id)).first() is None
    client.cookies.set(SESSION_COOKIE, session_token)  # replaying the old cookie does not work
    again = client.get("/me/listings", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"].startswith("/login?next=/me/listings")


def test_login_redirect_refuses_other_sites(client: TestClient, session: Session) -> None:
    make_user(session, email="known@example.com")
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf(client, "/login"),
            "email": "known@example.com",
            "password": PASSWORD,
            "next": "//evil.example/steal",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_profile_needs_login_and_saves_changes(client: TestClient, session: Session) -> None:
    assert (
        client.get("/profile", follow_redirects=False).headers["location"] == "/login?next=/profile"
    )
    user = make_user(session, display_name="Old name")
    browser_login(client, session, user)
    page = client.get("/profile")
    assert 'value="Old name"' in page.text
    response = client.post(
        "/profile",
        data={
            "csrf_token": csrf(client),
            "display_name": "  New   name ",
            "place_slug": "london-hackney",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    session.refresh(user)
    assert user.display_name == "New name"
    assert (user.place_name, user.lon) == ("London, Hackney", -0.0553)


def test_profile_errors_keep_the_form(client: TestClient, session: Session) -> None:
    user = make_user(session, display_name="Keep me")
    browser_login(client, session, user)
    response = client.post(
        "/profile",
        data={
            "csrf_token": csrf(client),
            "display_name": "   ",
            "place_slug": "geolocation",
            "geo_lat": "95",
        },
    )
    assert response.status_code == 422
    assert 'id="display_name-error"' in response.text
    assert 'id="place_slug-error"' in response.text
    session.refresh(user)
    assert user.display_name == "Keep me"


def test_profile_language_is_stored_and_spoken_from_the_next_page(
    client: TestClient, session: Session
) -> None:
    user = make_user(session, display_name="Mei")
    browser_login(client, session, user)
    client.headers["Accept-Language"] = "en-GB,en;q=0.9"
    page = client.get("/profile").text
    assert '<select id="language" name="language">' in page
    assert '<option value="" selected>' in page  # the browser's choice, until one is made

    def save(language: str) -> Any:
        form = {"csrf_token": csrf(client), "display_name": "Mei", "language": language}
        return client.post("/profile", data=form, follow_redirects=False)

    response = save("zh-CN")
    assert response.status_code == 303
    session.refresh(user)
    assert user.language == "zh-CN"
    page = client.get("/profile").text  # the English Accept-Language is overruled
    assert '<html lang="zh-CN">' in page
    assert '<option value="zh-CN" lang="zh-CN" selected>' in page

    response = save("")  # back to the browser's choice
    assert response.status_code == 303
    session.refresh(user)
    assert user.language is None
    page = client.get("/profile").text
    assert '<html lang="en">' in page and '<option value="" selected>' in page

    refused = save("fr")
    assert refused.status_code == 422
    assert 'id="language-error"' in refused.text
    session.refresh(user)
    assert user.language is None
