"""Every main page, signed out and signed in, and the API docs, hold under the site's
Content-Security-Policy: no violation reported, no CSP complaint on the console, and no
request leaving the server's loopback address (the docs viewers are our own copies)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.people import login, member, sell

pytestmark = pytest.mark.e2e

# Registered before any of the page's own scripts run; CDP-injected, so the policy allows it.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + (e.sourceFile || e.documentURI) + ":" + e.lineNumber);
});
"""


class Watch:
    """What went wrong on a page: CSP violations, CSP console errors, requests elsewhere."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.console: list[str] = []
        self.elsewhere: list[str] = []
        self.errors: list[str] = []
        page.add_init_script(WATCH_CSP)
        page.on("console", self._on_console)
        page.on("request", self._on_request)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _on_console(self, message: Any) -> None:
        if "content security policy" in message.text.lower():
            self.console.append(message.text)

    def _on_request(self, request: Any) -> None:
        url = request.url
        if not url.startswith((self.base + "/", "data:", "blob:")):
            self.elsewhere.append(url)

    def visit(self, path: str, wait_for: str | None = None) -> list[str]:
        """Open ``path``; everything that went wrong there."""
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, path
        assert response.headers.get("content-security-policy"), path
        if wait_for:
            self.page.wait_for_selector(wait_for)
        self.page.wait_for_load_state("networkidle")
        seen = self.page.evaluate("window.__cspViolations || []")
        problems = [f"{path}: {line}" for line in [*seen, *self.console, *self.errors]]
        problems += [f"{path}: request to {url}" for url in self.elsewhere]
        self.console.clear()
        self.elsewhere.clear()
        self.errors.clear()
        return problems


@pytest.fixture(scope="module")
def market(live_server: str) -> dict[str, Any]:
    """A seller with one item and a buyer who ordered it (so there is an order page)."""
    seller = member(live_server, "csp-seller@example.com", "Sam", "paris-bastille")
    buyer = member(live_server, "csp-buyer@example.com", "Bea", "paris-marais")
    listing_id = sell(seller, "Brass table lamp", 4500, 600)
    other_id = sell(seller, "Linen curtains", 3000, None, category="decor")
    ordered = buyer.post("/api/v1/orders", json={"listing_id": other_id, "fulfilment": "pickup"})
    assert ordered.status_code == 201, ordered.text
    pay_page = ordered.json()["payment"]["next_action_url"]  # the dev gateway's pay page
    assert pay_page
    return {"listing": listing_id, "order": ordered.json()["id"], "pay_page": pay_page}


@pytest.fixture
def anonymous(browser: Any, live_server: str) -> Iterator[Watch]:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield Watch(page, live_server)
    context.close()


def test_pages_for_visitors_hold_under_the_policy(anonymous: Watch, market: dict[str, Any]) -> None:
    problems: list[str] = []
    for path in (
        "/",
        "/search?q=lamp",
        f"/listings/{market['listing']}",
        "/login",
        "/register",
        "/impact",
        "/carbon/methodology",
    ):
        problems += anonymous.visit(path)
    assert problems == []


def test_pages_for_members_hold_under_the_policy(
    browser: Any, live_server: str, market: dict[str, Any]
) -> None:
    problems: list[str] = []
    for email, paths in (
        (
            "csp-buyer@example.com",
            (
                "/",
                "/search?q=lamp&place=paris-le-marais",
                f"/listings/{market['listing']}",
                f"/listings/{market['listing']}/buy",
                f"/orders/{market['order']}",
                market["pay_page"],
                "/me/purchases",
                "/me/carbon",
                "/me/favorites",
                "/me/searches",
                "/profile",
            ),
        ),
        (
            "csp-seller@example.com",
            (
                "/sell",
                f"/listings/{market['listing']}",  # with "buyers who may want this"
                f"/listings/{market['listing']}/edit",
                "/me/listings",
                "/me/sales",
                f"/orders/{market['order']}",
            ),
        ),
    ):
        page = login(browser, live_server, email, DESKTOP)
        watch = Watch(page, live_server)
        for path in paths:
            problems += watch.visit(path)
        page.context.close()
    assert problems == []


def test_the_api_docs_render_from_our_own_files(anonymous: Watch) -> None:
    assert anonymous.visit("/docs", wait_for=".opblock") == []
    assert anonymous.page.locator(".opblock").count() > 10
    assert anonymous.visit("/redoc", wait_for="[data-section-id]") == []
    assert anonymous.page.locator("[data-section-id]").count() > 10
