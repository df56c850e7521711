"""Bad input is a 4xx naming the field, never a 500, on both databases, and stores nothing:
integers past what the databases hold, NUL bytes and lone surrogates in any text, and the
405's Allow header."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from listings.models import Listing, ListingPhoto, ListingStatus
from resale.core.fields import MAX_INT
from resale.users.models import User
from tests.factories import api_headers, csrf, jpeg_bytes, make_listing, make_user

TOO_LARGE = "99999999999999999999"  # past 2**63-1 (SQLite) and 2**31-1 (PostgreSQL)


def _users(session: Session) -> int:
    return session.exec(select(func.count()).select_from(User)).one()


def _field_error(answer: object, loc: list[object]) -> str:
    """The message of the error naming ``loc`` in a 422's detail."""
    assert answer.status_code == 422, answer.text  # type: ignore[attr-defined]
    detail = answer.json()["detail"]  # type: ignore[attr-defined]
    [message] = [error["msg"] for error in detail if error["loc"] == loc]
    return str(message)


@pytest.mark.parametrize(
    ("path", "loc"),
    [
        (f"/api/v1/listings/{TOO_LARGE}", ["path", "listing_id"]),
        (f"/api/v1/listings/{2**31}", ["path", "listing_id"]),
        (f"/api/v1/listings/{TOO_LARGE}/similar", ["path", "listing_id"]),
        (f"/api/v1/listings/search?seller={TOO_LARGE}", ["query", "seller"]),
        (f"/api/v1/listings/search?min_price={TOO_LARGE}", ["query", "min_price"]),
        (f"/api/v1/carbon/account/entries?offset={TOO_LARGE}", ["query", "offset"]),
        (f"/api/v1/orders/{TOO_LARGE}", ["path", "order_id"]),
        (f"/api/v1/me/searches/{TOO_LARGE}/seen", ["path", "search_id"]),
    ],
)
def test_an_integer_too_large_in_a_path_or_query_is_a_422_naming_it(
    client: TestClient, session: Session, path: str, loc: list[str]
) -> None:
    headers = api_headers(session, make_user(session))
    method = "POST" if path.endswith("/seen") else "GET"

    answer = client.request(method, path, headers=headers)

    assert "less than or equal to" in _field_error(answer, loc)


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        ("/api/v1/orders", {"listing_id": 2**40, "fulfilment": "pickup"}, ["body", "listing_id"]),
        ("/api/v1/orders", {"listing_id": True, "fulfilment": "pickup"}, ["body", "listing_id"]),
    ],
)
def test_an_integer_too_large_or_a_boolean_in_a_body_is_a_422_naming_it(
    client: TestClient, session: Session, path: str, body: dict[str, object], loc: list[str]
) -> None:
    headers = api_headers(session, make_user(session))

    answer = client.post(path, json=body, headers=headers)

    assert _field_error(answer, loc)


def test_the_largest_id_the_databases_hold_is_a_plain_404(
    client: TestClient, session: Session
) -> None:
    answer = client.get(f"/api/v1/listings/{MAX_INT}")
    assert answer.status_code == 404, answer.text


def test_a_page_with_an_id_too_large_is_the_not_found_page(client: TestClient) -> None:
    answer = client.get(f"/listings/{TOO_LARGE}")
    assert answer.status_code == 404
    assert "text/html" in answer.headers["content-type"]
    assert "We could not find that page." in answer.text


@pytest.mark.parametrize(
    ("text", "message"),
    [("Kim\x00Lee", "must not contain NUL characters"), ("Kim\ud800", "is not valid Unicode")],
)
def test_text_with_nul_or_a_lone_surrogate_in_a_json_body_is_a_422_and_stores_nothing(
    client: TestClient, session: Session, text: str, message: str
) -> None:
    before = _users(session)
    # As a client would send it: JSON escapes, which json.dumps writes for both.
    body = json.dumps(
        {"email": "kim@example.com", "password": "a good password", "display_name": text}
    )

    answer = client.post(
        "/api/v1/auth/register", content=body, headers={"Content-Type": "application/json"}
    )

    assert message in _field_error(answer, ["body", "display_name"])
    assert _users(session) == before


def test_text_refused_anywhere_in_a_json_body_names_where(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    listing = make_listing(session, user)
    body = json.dumps({"title": "Oak table", "brand": "Ok", "extra": {"deep": ["\x00"]}})

    answer = client.patch(
        f"/api/v1/listings/{listing.id}",
        content=body,
        headers={**api_headers(session, user), "Content-Type": "application/json"},
    )

    assert "NUL" in _field_error(answer, ["body", "extra", "deep", 0])
    session.refresh(listing)
    assert listing.title != "Oak table"


@pytest.mark.parametrize(
    ("query", "message"),
    [("q=sofa%00", "must not contain NUL characters"), ("q=%00&seller=1", "NUL")],
)
def test_text_with_nul_in_a_query_is_a_422_naming_it(
    client: TestClient, query: str, message: str
) -> None:
    answer = client.get(f"/api/v1/listings/search?{query}")
    assert message in _field_error(answer, ["query", "q"])


def test_a_login_form_with_nul_is_a_422_naming_the_field(
    client: TestClient, session: Session
) -> None:
    make_user(session, email="kim@example.com")
    answer = client.post(
        "/api/v1/auth/token", data={"username": "kim@example.com\x00", "password": "x" * 10}
    )
    assert "NUL" in _field_error(answer, ["body", "username"])


def test_a_photo_whose_file_name_holds_nul_is_a_422_naming_the_field(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    listing = make_listing(session, user, status=ListingStatus.DRAFT, photos=0)

    body = (
        b'--b\r\nContent-Disposition: form-data; name="photos"; filename="table\x00.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + jpeg_bytes() + b"\r\n--b--\r\n"
    )  # written out: a client library would escape the NUL in the name
    answer = client.post(
        f"/api/v1/listings/{listing.id}/photos",
        content=body,
        headers={**api_headers(session, user), "Content-Type": "multipart/form-data; boundary=b"},
    )

    assert "NUL" in _field_error(answer, ["body", "photos"])
    assert session.exec(select(func.count()).select_from(ListingPhoto)).one() == 0


def test_a_page_form_with_nul_names_the_field_and_stores_nothing(
    client: TestClient, session: Session
) -> None:
    before = _users(session)
    form = {
        "csrf_token": csrf(client, "/register"),
        "display_name": "Kim\x00",
        "email": "kim@example.com",
        "password": "a good password",
        "place_slug": "lyon-croix-rousse",
    }

    answer = client.post("/register", data=form, follow_redirects=False)

    assert answer.status_code == 422
    assert "text/html" in answer.headers["content-type"]
    assert "display_name" in answer.text and "must not contain NUL characters" in answer.text
    assert _users(session) == before


def test_a_page_query_with_nul_is_refused_before_the_search_runs(client: TestClient) -> None:
    answer = client.get("/search?q=sofa%00")
    assert answer.status_code == 422
    assert "must not contain NUL characters" in answer.text


def test_a_listing_titled_with_nul_through_the_api_is_never_stored(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    listing = {
        "title": "Oak\x00table",
        "description": "Solid oak.",
        "category": "tables",
        "condition": "good",
        "price_cents": 12000,
    }

    answer = client.post("/api/v1/listings", json=listing, headers=api_headers(session, user))

    assert "NUL" in _field_error(answer, ["body", "title"])
    assert session.exec(select(func.count()).select_from(Listing)).one() == 0


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/api/v1/listings/1", "GET, PATCH"),
        ("DELETE", "/api/v1/auth/register", "POST"),
        ("PUT", "/api/v1/auth/token", "DELETE, POST"),
        ("OPTIONS", "/api/v1/listings/search", "GET"),
        ("PUT", "/listings/1/edit", "GET, POST"),
    ],
)
def test_a_405_allows_every_method_of_the_path(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    answer = client.request(method, path)
    assert answer.status_code == 405
    assert answer.headers["allow"] == allow


def test_every_route_with_an_id_answers_a_too_large_one_without_a_server_error(
    app: object, client: TestClient, session: Session
) -> None:
    """Walks the app: every path parameter named like an id, in every method, API and pages."""
    from fastapi.routing import iter_route_contexts

    user = make_user(session)
    headers = api_headers(session, user)
    token = csrf(client)
    tried = []
    for route in iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        path = route.path or ""
        if "_id" not in path:
            continue
        for name in ("listing_id", "photo_id", "search_id", "order_id"):
            path = path.replace(f"{{{name}:int}}", TOO_LARGE).replace(f"{{{name}}}", TOO_LARGE)
        for method in sorted(route.methods or ()):
            answer = client.request(
                method,
                path,
                headers=headers,
                data={"csrf_token": token} if method != "GET" else None,
            )
            tried.append((method, path, answer.status_code))
            assert 400 <= answer.status_code < 500, (method, path, answer.text[:300])
    assert len(tried) >= 40  # the API and the pages, about forty in all
