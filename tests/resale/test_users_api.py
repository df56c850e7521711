"""Accounts over the JSON API: register, OAuth2 token, me, profile, logout."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from resale.core import security
from resale.core.db import utcnow
from resale.core.geo import haversine_km, rounded_km
from resale.users.models import AuthToken, User
from resale.users.service import WRONG_CREDENTIALS
from tests.factories import PASSWORD, api_headers, browser_login, csrf, make_listing, make_user

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
ME = "/api/v1/me"


def registration(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": "alice@example.com",
        "password": "a long enough password",
        "display_name": "Alice",
        "place": "Lyon, Croix-Rousse",
        "lat": 45.7745,
        "lon": 4.8320,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def error_fields(response: Any) -> list[str]:
    """The field each error in a JSON ``detail`` list points at (its loc's last part)."""
    detail = response.json()["detail"]
    assert isinstance(detail, list), detail
    return [str(error["loc"][-1]) for error in detail]


def assert_names_field(response: Any, field: str) -> None:
    """A 4xx whose detail points at ``field``, by its loc or, for whole-object checks, its message."""
    assert 400 <= response.status_code < 500, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list), detail
    assert any(error["loc"][-1] == field or f"{field} " in error["msg"] for error in detail), detail


def user_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(User)).one()


def login(client: TestClient, email: str, password: str) -> Any:
    return client.post(TOKEN, data={"username": email, "password": password})


# --- registration -------------------------------------------------------------------------


def test_register(client: TestClient, session: Session) -> None:
    response = client.post(REGISTER, json=registration(display_name="  Alice   Martin "))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == "alice@example.com"
    assert body["display_name"] == "Alice Martin"  # trimmed and folded
    assert body["place"] == "Lyon, Croix-Rousse"
    assert (body["lat"], body["lon"]) == (45.7745, 4.8320)
    assert isinstance(body["id"], int)
    assert "password" not in body and "password_hash" not in body
    assert body["created_at"].endswith(("Z", "+00:00"))

    user = session.get(User, body["id"])
    assert user is not None
    assert user.password_hash.startswith("$argon2")
    assert security.verify_password("a long enough password", user.password_hash)


def test_register_lower_cases_the_email(client: TestClient, session: Session) -> None:
    response = client.post(REGISTER, json=registration(email="  Alice.Martin@Example.COM "))
    assert response.status_code == 201, response.text
    assert response.json()["email"] == "alice.martin@example.com"
    stored = session.exec(select(User.email).where(User.id == response.json()["id"])).one()
    assert stored == "alice.martin@example.com"


def test_register_without_location(client: TestClient) -> None:
    response = client.post(REGISTER, json=registration(place=..., lat=..., lon=...))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["place"], body["lat"], body["lon"]) == (None, None, None)


def test_register_point_without_place_name_gets_a_coarse_name(client: TestClient) -> None:
    response = client.post(REGISTER, json=registration(place=..., lat=48.8868, lon=2.3430))
    assert response.status_code == 201, response.text
    assert response.json()["place"] == "Paris, Montmartre"


def test_duplicate_email_in_other_case_is_409(client: TestClient, session: Session) -> None:
    assert client.post(REGISTER, json=registration()).status_code == 201
    before = user_count(session)
    response = client.post(
        REGISTER, json=registration(email="ALICE@example.COM", display_name="Other")
    )
    assert response.status_code == 409, response.text
    assert error_fields(response) == ["email"]
    assert "already" in response.json()["detail"][0]["msg"]
    assert user_count(session) == before


def test_duplicate_of_a_stored_mixed_case_lookup(client: TestClient, session: Session) -> None:
    make_user(session, email="bob@example.com")
    response = client.post(REGISTER, json=registration(email="Bob@Example.com"))
    assert response.status_code == 409
    assert error_fields(response) == ["email"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": ...}, "email"),
        ({"password": "short"}, "password"),
        ({"password": ...}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": "x" * 51}, "display_name"),
        ({"lat": 91}, "lat"),
        ({"lat": -90.5}, "lat"),
        ({"lon": 181}, "lon"),
        ({"lat": "north"}, "lat"),
        ({"place": "x" * 81}, "place"),
    ],
)
def test_bad_registration_is_422_naming_the_field(
    client: TestClient, session: Session, changes: dict[str, Any], field: str
) -> None:
    before = user_count(session)
    response = client.post(REGISTER, json=registration(**changes))
    assert response.status_code == 422, response.text
    assert field in error_fields(response)
    assert user_count(session) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lon": ..., "place": ...}, "lon"),  # lat without lon
        ({"lat": ..., "place": ...}, "lat"),  # lon without lat
        ({"lat": ..., "lon": ...}, "lat"),  # a place name without its point
    ],
)
def test_half_a_location_is_422_naming_the_missing_part(
    client: TestClient, session: Session, changes: dict[str, Any], field: str
) -> None:
    before = user_count(session)
    response = client.post(REGISTER, json=registration(**changes))
    assert response.status_code == 422, response.text
    assert_names_field(response, field)
    assert user_count(session) == before


# --- token -------------------------------------------------------------------------------


def test_token_flow(client: TestClient, session: Session) -> None:
    assert client.post(REGISTER, json=registration()).status_code == 201
    response = login(client, "Alice@Example.com", "a long enough password")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7 * 24 * 3600
    token = body["access_token"]
    assert len(token) >= 40

    # Only a digest is stored, never the token itself.
    hashes = session.exec(select(AuthToken.token_hash)).all()
    assert security.token_digest(token) in hashes
    assert token not in hashes

    me = client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    assert me.json()["email"] == "alice@example.com"
    assert me.json()["display_name"] == "Alice"


def test_each_login_gets_its_own_token(client: TestClient, session: Session) -> None:
    user = make_user(session)
    first = login(client, user.email, PASSWORD).json()["access_token"]
    second = login(client, user.email, PASSWORD).json()["access_token"]
    assert first != second
    for token in (first, second):
        assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_wrong_password_and_unknown_email_look_the_same(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    wrong_password = login(client, user.email, "not the password")
    unknown_email = login(client, "nobody@example.com", PASSWORD)
    empty_password = login(client, user.email, "")
    for response in (wrong_password, unknown_email):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert "access_token" not in response.json()
    assert wrong_password.json() == unknown_email.json() == {"detail": WRONG_CREDENTIALS}
    assert "wrong email or password" in WRONG_CREDENTIALS.lower()
    assert empty_password.status_code in (401, 422)
    assert login(client, user.email, PASSWORD).status_code == 200


def test_token_needs_form_fields(client: TestClient) -> None:
    response = client.post(TOKEN, json={"username": "a@example.com", "password": "x" * 10})
    assert response.status_code == 422


# --- me ----------------------------------------------------------------------------------


def test_me_without_token_is_401(client: TestClient) -> None:
    response = client.get(ME)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("header", ["Bearer not-a-real-token", "Bearer ", "Basic abc"])
def test_me_with_a_bad_token_is_401(client: TestClient, header: str) -> None:
    assert client.get(ME, headers={"Authorization": header}).status_code == 401


def test_me_returns_the_callers_own_account(client: TestClient, session: Session) -> None:
    alice = make_user(session, display_name="Alice")
    bob = make_user(session, display_name="Bob")
    body = client.get(ME, headers=api_headers(session, bob)).json()
    assert body["id"] == bob.id != alice.id
    assert body["email"] == bob.email
    assert (body["lat"], body["lon"]) == (bob.lat, bob.lon)


def test_expired_token_is_refused(client: TestClient, session: Session) -> None:
    user = make_user(session)
    headers = api_headers(session, user)
    assert client.get(ME, headers=headers).status_code == 200
    session.execute(
        sa.update(AuthToken)
        .where(col(AuthToken.user_id) == user.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    session.flush()
    response = client.get(ME, headers=headers)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_the_clean_up_job_removes_expired_logins_only(client: TestClient, session: Session) -> None:
    from resale.users.service import remove_expired_tokens

    user = make_user(session)
    live, ended = api_headers(session, user), api_headers(session, user)
    session.execute(
        sa.update(AuthToken)
        .where(col(AuthToken.token_hash) == security.token_digest(ended["Authorization"][7:]))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    before = session.exec(select(func.count()).select_from(AuthToken)).one()
    assert remove_expired_tokens(session=session) == 1
    assert remove_expired_tokens(session=session) == 0
    assert session.exec(select(func.count()).select_from(AuthToken)).one() == before - 1
    assert client.get(ME, headers=live).status_code == 200
    assert client.get(ME, headers=ended).status_code == 401


def test_session_cookie_token_is_not_an_api_token(client: TestClient, session: Session) -> None:
    from resale.users.models import TokenKind
    from resale.users.service import issue_token

    user = make_user(session)
    cookie_token, _ = issue_token(session=session, user=user, kind=TokenKind.SESSION)
    response = client.get(ME, headers={"Authorization": f"Bearer {cookie_token}"})
    assert response.status_code == 401


def test_logout_revokes_the_token(client: TestClient, session: Session) -> None:
    user = make_user(session)
    headers = api_headers(session, user)
    other = api_headers(session, user)  # a second device stays logged in
    response = client.delete(TOKEN, headers=headers)
    assert response.status_code == 204
    assert client.get(ME, headers=headers).status_code == 401
    assert client.delete(TOKEN, headers=headers).status_code == 401
    assert client.get(ME, headers=other).status_code == 200


def test_logout_needs_a_token(client: TestClient) -> None:
    assert client.delete(TOKEN).status_code == 401


# --- profile -----------------------------------------------------------------------------


def test_update_profile(client: TestClient, session: Session) -> None:
    user = make_user(session, display_name="Before")
    response = client.put(
        ME,
        headers=api_headers(session, user),
        json={"display_name": " After ", "place": "Lyon, Part-Dieu", "lat": 45.7606, "lon": 4.859},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["display_name"] == "After"
    assert (body["place"], body["lat"], body["lon"]) == ("Lyon, Part-Dieu", 45.7606, 4.859)
    session.refresh(user)
    assert (user.display_name, user.place_name, user.lat, user.lon) == (
        "After",
        "Lyon, Part-Dieu",
        45.7606,
        4.859,
    )


def test_update_profile_can_clear_the_location(client: TestClient, session: Session) -> None:
    user = make_user(session)
    assert user.lat is not None
    response = client.put(ME, headers=api_headers(session, user), json={"display_name": "X"})
    assert response.status_code == 200, response.text
    assert (response.json()["place"], response.json()["lat"], response.json()["lon"]) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": ""}, "display_name"),
        ({"display_name": "X", "lat": 91, "lon": 0}, "lat"),
        ({"display_name": "X", "lat": 45.0}, "lon"),
        ({}, "display_name"),
    ],
)
def test_bad_profile_update_changes_nothing(
    client: TestClient, session: Session, body: dict[str, Any], field: str
) -> None:
    user = make_user(session, display_name="Kept")
    before = (user.display_name, user.place_name, user.lat, user.lon)
    response = client.put(ME, headers=api_headers(session, user), json=body)
    assert response.status_code == 422
    assert_names_field(response, field)
    session.refresh(user)
    assert (user.display_name, user.place_name, user.lat, user.lon) == before


def test_update_profile_needs_login(client: TestClient) -> None:
    assert client.put(ME, json={"display_name": "X"}).status_code == 401


def test_api_with_session_cookie_needs_the_csrf_header(
    client: TestClient, session: Session
) -> None:
    """Our own pages' scripts may call the API with the cookie; a forged form post may not."""
    user = make_user(session, display_name="Kept")
    browser_login(client, session, user)
    assert client.get(ME).status_code == 200  # reading needs no CSRF token
    forged = client.put(ME, json={"display_name": "Hacked"})
    assert forged.status_code == 403
    # Nor with a token of the visitor's own making, or from another session.
    client.cookies.set(security.CSRF_COOKIE, "csrf-value-123")
    made_up = client.put(
        ME, json={"display_name": "Hacked"}, headers={security.CSRF_HEADER: "csrf-value-123"}
    )
    assert made_up.status_code == 403
    session.refresh(user)
    assert user.display_name == "Kept"
    token = csrf(client)  # what the page's meta tag gives its scripts
    ok = client.put(ME, json={"display_name": "Mine"}, headers={security.CSRF_HEADER: token})
    assert ok.status_code == 200, ok.text
    assert ok.json()["display_name"] == "Mine"


# --- what others see ---------------------------------------------------------------------


def walk(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every (key path, leaf value) in a JSON document."""
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in walk(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in walk(v, f"{path}[{i}]")]
    return [(path, value)]


def test_public_views_never_expose_email_or_exact_point(
    client: TestClient, session: Session
) -> None:
    seller = make_user(
        session,
        email="seller.private@example.com",
        place_name="Paris, Montmartre",
        lat=48.886712,
        lon=2.343134,
    )
    viewer = make_user(session, **{"place_name": "Lyon", "lat": 45.76, "lon": 4.834})
    listing = make_listing(session, seller)
    seen_by = {
        "anonymous": client.get(f"/api/v1/listings/{listing.id}"),
        "other user": client.get(
            f"/api/v1/listings/{listing.id}", headers=api_headers(session, viewer)
        ),
    }
    for who, response in seen_by.items():
        assert response.status_code == 200, (who, response.text)
        body = response.json()
        assert body["seller"]["display_name"] == seller.display_name
        assert body["seller"]["place"] == "Paris, Montmartre"
        assert body["place"] == "Paris, Montmartre"
        for path, value in walk(body):
            last = path.rsplit(".", 1)[-1]
            assert last not in {"lat", "lon", "email", "password_hash"}, (who, path)
            if isinstance(value, str):
                assert "seller.private" not in value, (who, path)
            if isinstance(value, float):
                assert value not in (48.886712, 2.343134), (who, path)
        assert "seller.private" not in response.text
        assert "48.886712" not in response.text and "2.343134" not in response.text
    # Other viewers get a rounded distance instead of the point.
    exact = haversine_km(45.76, 4.834, 48.886712, 2.343134)
    shown = seen_by["other user"].json()["distance_km"]
    assert shown == rounded_km(exact) == 400.0
    assert shown != exact
    assert seen_by["anonymous"].json()["distance_km"] is None
