"""Security headers on every kind of response, one policy without 'unsafe-inline' that the
templates keep (no inline script, style or handler), and API docs served from our files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from resale.core import headers
from resale.core.web import STATIC_DIR, TEMPLATES_DIR

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


def assert_secured(response: httpx.Response, csp: str = PAGE_CSP) -> None:
    assert response.headers["content-security-policy"] == csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    permissions = response.headers["permissions-policy"]
    assert "camera=()" in permissions
    assert "geolocation=(self)" in permissions  # the location pickers (static/js/app.js)


def test_an_html_page(client: TestClient) -> None:
    response = client.get("/")
    assert response.headers["content-type"].startswith("text/html")
    assert_secured(response)
    assert "strict-transport-security" not in response.headers  # plain http, not production


def test_a_json_response(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert_secured(response)


def test_a_static_file(client: TestClient) -> None:
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert_secured(response)


@pytest.mark.parametrize("path", ["/no-such-page", "/api/v1/no-such-thing"])
def test_not_found(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert_secured(response)


def test_a_validation_error(client: TestClient) -> None:
    response = client.get("/api/v1/listings/search", params={"limit": "many"})
    assert response.status_code == 422
    assert_secured(response)


def test_a_body_refused_as_too_large(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/register",
        content=b"{}",
        headers={"content-type": "application/json", "content-length": str(50 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert_secured(response)


def test_a_server_error_page(app: FastAPI) -> None:
    """A 500 is sent from outside every middleware; it gets the headers all the same."""

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert_secured(response)


def test_hsts_over_https_only(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        response = client.get("/")
    assert response.headers["strict-transport-security"] == headers.HSTS
    assert_secured(response)


def test_a_response_that_sets_its_own_header_keeps_it(app: FastAPI) -> None:
    from fastapi.responses import PlainTextResponse

    @app.get("/framed")
    def framed() -> PlainTextResponse:
        return PlainTextResponse("ok", headers={"X-Frame-Options": "SAMEORIGIN"})

    with TestClient(app) as client:
        response = client.get("/framed")
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers["content-security-policy"] == PAGE_CSP


# --- what keeps the policy true ---------------------------------------------------------

INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "style block": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def _templates() -> Iterator[Path]:
    yield from sorted(TEMPLATES_DIR.rglob("*.html"))


@pytest.mark.parametrize("template", list(_templates()), ids=lambda p: str(p.name))
def test_templates_have_nothing_inline(template: Path) -> None:
    text = template.read_text()
    found = [kind for kind, pattern in INLINE.items() if pattern.search(text)]
    assert found == [], f"{template.relative_to(TEMPLATES_DIR)}: {found}"


def test_the_inline_check_finds_what_it_looks_for() -> None:
    for sample in (
        "<script>alert(1)</script>",
        "<style>p{}</style>",
        '<p style="color: red">',
        '<button onclick="go()">',
        '<a href="javascript:go()">',
    ):
        assert any(p.search(sample) for p in INLINE.values()), sample
    assert not any(
        p.search('<script src="/static/js/app.js" defer></script>') for p in INLINE.values()
    )


# --- the API docs -----------------------------------------------------------------------

ASSET = re.compile(r'\b(?:src|href|spec-url|data-openapi-url)="([^"]*)"')


@pytest.mark.parametrize(
    ("path", "csp"),
    [("/docs", PAGE_CSP), ("/redoc", headers.policy_text(headers.REDOC_POLICY))],
)
def test_the_docs_pages_use_only_our_own_files(client: TestClient, path: str, csp: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert_secured(response, csp)
    urls = ASSET.findall(response.text)
    assert urls, "the page should load its viewer"
    for url in urls:
        assert url.startswith(("/static/", "/openapi.json")), url
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url
    assert not INLINE["inline script"].search(response.text)


def test_the_docs_viewers_are_the_vendored_files() -> None:
    vendor = STATIC_DIR / "vendor"
    for name in (
        "swagger-ui/swagger-ui-bundle.js",
        "swagger-ui/swagger-ui.css",
        "swagger-ui/LICENSE",
        "redoc/redoc.standalone.js",
        "redoc/LICENSE",
    ):
        assert (vendor / name).stat().st_size > 0, name
    # Nothing in them fetched from a CDN at run time (ReDoc's logo was the one such URL).
    assert "cdn.redoc.ly" not in (vendor / "redoc/redoc.standalone.js").read_text()
