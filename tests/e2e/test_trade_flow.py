"""Whole trades in the browser with the development gateway: a pickup completed with the
hand-over code, and shipping with a confirmation, then a dispute refunded by an admin."""

from __future__ import annotations

import io
import re
import sqlite3
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from PIL import Image, ImageDraw

from resale.geo import PLACES_BY_SLUG
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.e2e

PASSWORD = "a long enough password"


def _photo(color: str) -> bytes:
    image = Image.new("RGB", (900, 1125), color)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((200, 320, 700, 900), radius=60, fill="#ffffff")
    draw.ellipse((330, 480, 570, 720), fill=color)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _member(base: str, email: str, name: str, slug: str) -> httpx.Client:
    """Someone registered through the API, with a client carrying their bearer token."""
    place = PLACES_BY_SLUG[slug]
    registered = httpx.post(
        f"{base}/api/v1/auth/register",
        json={
            "email": email,
            "password": PASSWORD,
            "display_name": name,
            "place": place.name,
            "lat": place.lat,
            "lon": place.lon,
        },
    )
    assert registered.status_code == 201, registered.text
    token = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": email, "password": PASSWORD}
    ).json()["access_token"]
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _sell(api: httpx.Client, title: str, price_cents: int, shipping_cents: int | None) -> int:
    place = PLACES_BY_SLUG["paris-bastille"]
    created = api.post(
        "/api/v1/listings",
        json={
            "title": title,
            "description": "Well kept, from a smoke-free home.",
            "category": "decor",
            "condition": "good",
            "price_cents": price_cents,
            "currency": "EUR",
            "shipping_cents": shipping_cents,
            "place": place.name,
            "lat": place.lat,
            "lon": place.lon,
        },
    )
    assert created.status_code == 201, created.text
    listing_id: int = created.json()["id"]
    photo = api.post(
        f"/api/v1/listings/{listing_id}/photos",
        files=[("photos", ("p.jpg", _photo("#b98b5e"), "image/jpeg"))],
    )
    assert photo.status_code == 201, photo.text
    assert api.post(f"/api/v1/listings/{listing_id}/publish").status_code == 200
    return listing_id


def _login(browser: Any, base: str, email: str, device: dict[str, Any]) -> Any:
    """A new browser context for this person, logged in through the form."""
    context = browser.new_context(**device)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())  # the "are you sure?" confirmations
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    return page


def _shots(browser: Any, page: Any, folder: Path, name: str) -> None:
    """The page as it is on the phone, and the same address on a desktop screen."""
    page.screenshot(path=folder / f"{name}-phone.png", full_page=True)
    context = browser.new_context(**DESKTOP, storage_state=page.context.storage_state())
    desktop = context.new_page()
    desktop.goto(page.url)
    desktop.screenshot(path=folder / f"{name}-desktop.png", full_page=True)
    context.close()


def _flash(page: Any) -> str:
    return str(page.locator(".flash").inner_text())


def _status(page: Any) -> str:
    return str(page.locator(".order-head .badge").inner_text()).strip().lower()


@pytest.fixture
def live_db(live_server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The live server's SQLite database (the e2e conftest puts it in an e2e-data folder)."""
    # One folder, and pytest's "current" link to it.
    (path,) = {p.resolve() for p in tmp_path_factory.getbasetemp().glob("e2e-data*/resale.db")}
    return path


def test_pickup_paid_then_completed_with_the_hand_over_code(
    live_server: str, browser: Any, shots: Path
) -> None:
    seller_api = _member(live_server, "nadia.pickup@example.com", "Nadia", "paris-bastille")
    _member(live_server, "theo.pickup@example.com", "Théo", "paris-marais")
    listing_id = _sell(seller_api, "Rattan armchair, 1970s", 8500, None)

    buyer = _login(browser, live_server, "theo.pickup@example.com", PHONE)
    buyer.goto(f"{live_server}/listings/{listing_id}")
    assert buyer.get_by_text("Pickup only").is_visible()
    _shots(browser, buyer, shots, "00-listing")
    buyer.get_by_role("link", name="Buy · €85").click()
    buyer.wait_for_url(f"{live_server}/listings/{listing_id}/buy")
    assert buyer.get_by_label("Pick it up").is_checked()
    assert buyer.get_by_text("Paris, Bastille").first.is_visible()
    assert buyer.get_by_text("Buyer protection: we hold your money").is_visible()
    _shots(browser, buyer, shots, "01-buy")

    buyer.get_by_role("button", name="Continue to payment").click()
    buyer.wait_for_url("**/payments/dev/devpay_*")
    assert buyer.get_by_text("no real money moves").is_visible()
    assert buyer.locator(".devpay__amount").inner_text() == "€85"
    _shots(browser, buyer, shots, "02-dev-pay")

    buyer.get_by_role("button", name="Pay (succeeds)").click()
    buyer.wait_for_url(f"{live_server}/orders/*")
    order_url = buyer.url
    assert "Payment received" in _flash(buyer)
    assert _status(buyer) == "paid"
    code = re.sub(r"\D", "", buyer.locator(".code-card__digits").inner_text())
    assert len(code) == 6
    _shots(browser, buyer, shots, "03-order-buyer-code")

    seller = _login(browser, live_server, "nadia.pickup@example.com", PHONE)
    seller.goto(order_url)
    assert seller.locator("#code").get_attribute("autocomplete") == "one-time-code"
    assert seller.locator(".code-card").count() == 0
    _shots(browser, seller, shots, "04-order-seller-code-entry")
    wrong = "000000" if code != "000000" else "999999"
    seller.fill("#code", wrong)
    seller.get_by_role("button", name="Complete the hand-over").click()
    assert "That is not the buyer's code." in seller.locator("#code-error").inner_text()
    assert seller.locator("#code").input_value() == wrong
    seller.screenshot(path=shots / "05-wrong-code-phone.png", full_page=True)
    seller.fill("#code", code)
    seller.get_by_role("button", name="Complete the hand-over").click()
    seller.wait_for_url(order_url)
    assert "Code accepted" in _flash(seller)
    assert _status(seller) == "completed"

    buyer.reload()
    assert _status(buyer) == "completed"
    buyer.goto(f"{live_server}/listings/{listing_id}")
    assert buyer.locator(".notice").inner_text().strip() == "Sold."
    buyer.get_by_role("link", name="My purchases").click()
    buyer.wait_for_url(f"{live_server}/me/purchases")
    row = buyer.locator(".order-row", has_text="Rattan armchair, 1970s")
    assert row.locator(".badge").inner_text().strip().lower() == "completed"
    _shots(browser, buyer, shots, "06-purchases")

    seller.goto(f"{live_server}/me/sales")
    assert seller.get_by_text("Your payable balance: €85").is_visible()
    _shots(browser, seller, shots, "07-sales")
    buyer.context.close()
    seller.context.close()


def _buy_shipped_and_pay(buyer: Any, base: str, listing_id: int) -> str:
    buyer.goto(f"{base}/listings/{listing_id}/buy")
    buyer.get_by_text("Have it shipped").click()
    buyer.get_by_role("button", name="Continue to payment").click()
    buyer.wait_for_url("**/payments/dev/devpay_*")
    buyer.get_by_role("button", name="Pay (succeeds)").click()
    buyer.wait_for_url(f"{base}/orders/*")
    assert _status(buyer) == "paid"
    return str(buyer.url)


def _ship(seller: Any, order_url: str, tracking: str) -> None:
    seller.goto(order_url)
    seller.fill("#tracking", tracking)
    seller.get_by_role("button", name="Mark as shipped").click()
    seller.wait_for_url(order_url)
    assert _status(seller) == "shipped"


def test_shipping_confirmed_then_a_dispute_refunded(
    live_server: str, browser: Any, shots: Path, live_db: Path
) -> None:
    seller_api = _member(live_server, "ana.ship@example.com", "Ana", "paris-bastille")
    _member(live_server, "joe.ship@example.com", "Joe", "lyon-presquile")
    _member(live_server, "admin.ship@example.com", "Support", "paris-marais")
    with sqlite3.connect(live_db) as db:
        db.execute("UPDATE users SET is_admin = 1 WHERE email = ?", ("admin.ship@example.com",))
    records = _sell(seller_api, "Vinyl records, 30 LPs", 6000, 850)
    lantern = _sell(seller_api, "Camping lantern, brass", 2500, 400)

    buyer = _login(browser, live_server, "joe.ship@example.com", PHONE)
    seller = _login(browser, live_server, "ana.ship@example.com", PHONE)

    # Shipped, then confirmed by the buyer.
    buyer.goto(f"{live_server}/listings/{records}/buy")
    assert buyer.get_by_text("+ €8.50").is_visible()
    first = _buy_shipped_and_pay(buyer, live_server, records)
    seller.goto(first)
    seller.get_by_role("button", name="Mark as shipped").click()
    assert seller.locator("#tracking-error").is_visible()  # empty tracking: said beside it
    seller.screenshot(path=shots / "01-tracking-error-phone.png", full_page=True)
    _ship(seller, first, "La Poste 6A12345678901")
    buyer.goto(first)
    assert "La Poste 6A12345678901" in buyer.locator(".step__tracking").inner_text()
    _shots(browser, buyer, shots, "02-order-buyer-shipped")
    buyer.get_by_role("button", name="Confirm I received it").click()
    buyer.wait_for_url(first)
    assert _status(buyer) == "completed"

    # Shipped, then a problem reported, and an admin refunds the buyer.
    second = _buy_shipped_and_pay(buyer, live_server, lantern)
    _ship(seller, second, "Colissimo 8R0012")
    buyer.goto(second)
    buyer.get_by_text("Report a problem").click()
    buyer.fill("#reason", "The glass arrived shattered.")
    buyer.screenshot(path=shots / "03-dispute-phone.png", full_page=True)
    buyer.get_by_role("button", name="Send to our team").click()
    buyer.wait_for_url(second)
    assert _status(buyer) == "in dispute"

    admin = _login(browser, live_server, "admin.ship@example.com", DESKTOP)
    admin.goto(second)
    assert admin.locator(".timeline__note", has_text="The glass arrived shattered.").is_visible()
    admin.screenshot(path=shots / "04-order-admin-desktop.png", full_page=True)
    admin.get_by_role("button", name="Refund the buyer").click()
    admin.wait_for_url(second)
    assert _status(admin) == "refunded"
    buyer.reload()
    assert _status(buyer) == "refunded"
    buyer.goto(f"{live_server}/me/purchases")
    assert buyer.locator(".order-row").count() == 2
    _shots(browser, buyer, shots, "05-purchases")
    seller.goto(f"{live_server}/listings/{lantern}")
    assert "You withdrew this listing" in seller.locator(".notice").inner_text()
    seller.goto(f"{live_server}/me/sales")
    assert seller.get_by_text("Your payable balance: €68.50").is_visible()
    for page in (buyer, seller, admin):
        page.context.close()
