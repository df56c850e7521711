"""Request-size cap: 413 before the body is read, before authentication, per route."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from listings.models import Listing
from resale.core import limits
from resale.core.config import settings
from tests.e2e.conftest import start_server, stop_server
from tests.factories import api_headers, browser_login, csrf, jpeg_bytes, make_listing, make_user

MB = 1024 * 1024


def test_each_route_has_its_limit() -> None:
    photos = settings.max_photo_bytes * settings.max_photos_per_listing + limits.FORM_OVERHEAD_BYTES
    assert limits.limit_for("/api/v1/listings/12/photos").max_bytes() == photos
    assert limits.limit_for("/listings/12/photos").max_bytes() == photos
    assert limits.limit_for("/sell").max_bytes() == photos
    assert limits.limit_for("/api/v1/listings").max_bytes() == 1 * MB
    assert limits.limit_for("/api/v1/payments/stripe/webhook").max_bytes() == 1 * MB
    assert limits.limit_for("/login").max_bytes() == 1 * MB
    # Only the photo addresses take photos: a look-alike path gets the small limit.
    assert limits.limit_for("/listings/12/photos/3/delete").max_bytes() == 1 * MB
    assert limits.limit_for("/sell/extra").max_bytes() == 1 * MB


def test_photo_limit_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "max_photo_bytes", 2 * MB)
    monkeypatch.setattr(settings, "max_photos_per_listing", 3)
    assert limits.photo_request_bytes() == 6 * MB + limits.FORM_OVERHEAD_BYTES


def test_declared_too_large_json_is_refused_before_authentication(client: TestClient) -> None:
    # No token at all: the size is refused first, so nobody learns anything else.
    response = client.post(
        "/api/v1/listings",
        content=b"{" + b" " * (1 * MB),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert "at most 1 MB" in response.json()["detail"]
    assert response.headers["connection"] == "close"


def test_json_within_the_limit_goes_on_to_authentication(client: TestClient) -> None:
    response = client.post("/api/v1/listings", json={"title": "x" * 1000})
    assert response.status_code == 401


def test_streamed_json_past_the_limit_is_refused(client: TestClient, session: Session) -> None:
    user = make_user(session)

    def chunks() -> Iterator[bytes]:
        yield b'{"title": "'
        for _ in range(5):
            yield b"x" * (256 * 1024)
        yield b'"}'

    response = client.post(
        "/api/v1/listings",
        content=chunks(),  # no Content-Length: the bytes are counted as they arrive
        headers={**api_headers(session, user), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert "at most 1 MB" in response.json()["detail"]
    assert response.headers["connection"] == "close"
    assert session.exec(select(func.count()).select_from(Listing)).one() == 0


def test_page_form_too_large_gets_a_page_before_the_csrf_check(client: TestClient) -> None:
    response = client.post(
        "/login",
        content=b"email=a%40b.c&password=" + b"x" * (1 * MB),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "Too large" in response.text
    assert "at most 1 MB" in response.text


def test_streamed_sell_form_past_the_limit_gets_the_error_page(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    seller = make_user(session)
    browser_login(client, session, seller)
    token = csrf(client, "/sell")
    monkeypatch.setattr(settings, "max_photo_bytes", 64 * 1024)
    monkeypatch.setattr(settings, "max_photos_per_listing", 2)
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(20):  # 1.25 MB of "photo", past 2 x 64 KB + 1 MB
            yield b"\xff" * (64 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = client.post(
        "/sell",
        content=chunks(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "at most 2 photos of 64 KB each" in response.text
    assert session.exec(select(func.count()).select_from(Listing)).one() == 0


def test_photos_within_the_limit_are_not_refused_for_size(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session)
    listing = make_listing(session, seller, photos=0)
    # 3 MB of bytes that are not a picture: past the JSON limit, within the photo one.
    response = client.post(
        f"/api/v1/listings/{listing.id}/photos",
        headers=api_headers(session, seller),
        files=[("photos", ("big.jpg", b"\0" * (3 * MB), "image/jpeg"))],
    )
    assert response.status_code == 422
    assert "big.jpg" in json.dumps(response.json())


def test_upload_route_documents_413(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/listings/{listing_id}/photos"]
    assert "413" in operation["post"]["responses"]


# --- A real server on a loopback port ----------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    data_dir = tmp_path_factory.mktemp("limits-server")
    base, process = start_server(data_dir, data_dir / "server.log")
    host, port = base.removeprefix("http://").split(":")
    yield host, int(port)
    stop_server(process)


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read one response until the server closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return status, headers, body


def test_live_server_answers_a_500_mb_declaration_without_reading_it(
    server: tuple[str, int],
) -> None:
    host, port = server
    with socket.create_connection((host, port), timeout=20) as sock:
        sock.sendall(
            b"POST /api/v1/listings HTTP/1.1\r\n"
            + f"Host: {host}:{port}\r\n".encode()
            + b"Content-Type: application/json\r\n"
            + f"Content-Length: {500 * MB}\r\n\r\n".encode()
            + b'{"title": "'
        )
        # Only 11 of the 500 MB were sent: the answer can only come if nothing waits for them.
        status, headers, body = _read_response(sock)
    assert status == 413
    assert headers["connection"] == "close"
    assert "at most 1 MB" in json.loads(body)["detail"]


def test_live_server_page_upload_declared_too_large(server: tuple[str, int]) -> None:
    host, port = server
    with socket.create_connection((host, port), timeout=20) as sock:
        sock.sendall(
            b"POST /sell HTTP/1.1\r\n"
            + f"Host: {host}:{port}\r\n".encode()
            + b"Content-Type: multipart/form-data; boundary=x\r\n"
            + f"Content-Length: {500 * MB}\r\n\r\n--x\r\n".encode()
        )
        status, headers, body = _read_response(sock)
    assert status == 413
    assert headers["content-type"].startswith("text/html")
    assert b"at most 10 photos of 10 MB each" in body


def test_live_server_stops_a_chunked_body_at_the_limit(server: tuple[str, int]) -> None:
    host, port = server
    chunk = b"x" * (64 * 1024)
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    intended = 64 * MB
    sent = 0
    with socket.create_connection((host, port), timeout=20) as sock:
        sock.sendall(
            b"POST /api/v1/listings HTTP/1.1\r\n"
            + f"Host: {host}:{port}\r\n".encode()
            + b"Content-Type: application/json\r\n"
            + b"Transfer-Encoding: chunked\r\n\r\n"
        )
        try:
            while sent < intended:
                sock.sendall(framed)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: it reads no more
        status, headers, body = _read_response(sock)
    assert status == 413
    assert headers["connection"] == "close"
    assert "at most 1 MB" in json.loads(body)["detail"]
    # The server stopped reading after the first megabyte; what else went out sat in
    # socket buffers when it closed.
    assert sent < intended


def test_live_server_still_takes_a_small_body(server: tuple[str, int], tmp_path: Path) -> None:
    host, port = server
    with socket.create_connection((host, port), timeout=20) as sock:
        body = b'{"title": "A lamp"}'
        sock.sendall(
            b"POST /api/v1/listings HTTP/1.1\r\n"
            + f"Host: {host}:{port}\r\nConnection: close\r\n".encode()
            + b"Content-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        status, _, _ = _read_response(sock)
    assert status == 401  # past the size check, on to who is asking


def test_photo_over_the_pixel_budget_is_a_422_naming_photos(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "max_photo_pixels", 600 * 400)
    seller = make_user(session)
    listing = make_listing(session, seller, photos=0)
    response = client.post(
        f"/api/v1/listings/{listing.id}/photos",
        headers=api_headers(session, seller),
        files=[("photos", ("huge.jpg", jpeg_bytes(640, 480), "image/jpeg"))],
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "photos"]
    assert "huge.jpg has too many pixels (640×480, 0.3 megapixels)" in error["msg"]
    # In the sell form, the same message beside the photos field.
    browser_login(client, session, seller)
    page = client.post(
        "/sell",
        data={"csrf_token": csrf(client, "/sell"), "title": "A lamp", "action": "draft"},
        files=[("photos", ("huge.jpg", jpeg_bytes(640, 480), "image/jpeg"))],
    )
    assert page.status_code == 422
    assert 'id="photos-error"' in page.text
    assert "huge.jpg has too many pixels" in page.text
