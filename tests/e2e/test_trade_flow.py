"""Whole trades in the browser with the development gateway: a pickup completed with the
hand-over code, and shipping with a confirmation, then a dispute refunded by an admin."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.people import login, member, sell, shots_of

pytestmark = pytest.mark.e2e


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
    seller_api = member(live_server, "nadia.pickup@example.com", "Nadia", "paris-bastille")
    member(live_server, "theo.pickup@example.com", "Théo", "paris-marais")
    listing_id = sell(seller_api, "Rattan armchair, 1970s", 8500, None)

    buyer = login(browser, live_server, "theo.pickup@example.com", PHONE)
    buyer.goto(f"{live_server}/listings/{listing_id}")
    assert buyer.get_by_text("Pickup only").is_visible()
    shots_of(browser, buyer, shots, "00-listing")
    buyer.get_by_role("link", name="Buy · €85.00").click()
    buyer.wait_for_url(f"{live_server}/listings/{listing_id}/buy")
    assert buyer.get_by_label("Pick it up").is_checked()
    assert buyer.get_by_text("Paris, Bastille").first.is_visible()
    assert buyer.get_by_text("Buyer protection: we hold your money").is_visible()
    shots_of(browser, buyer, shots, "01-buy")

    buyer.get_by_role("button", name="Continue to payment").click()
    buyer.wait_for_url("**/payments/dev/devpay_*")
    assert buyer.get_by_text("no real money moves").is_visible()
    assert buyer.locator(".devpay__amount").inner_text() == "€85.00"
    shots_of(browser, buyer, shots, "02-dev-pay")

    buyer.get_by_role("button", name="Pay (succeeds)").click()
    buyer.wait_for_url(f"{live_server}/orders/*")
    order_url = buyer.url
    assert "Payment received" in _flash(buyer)
    assert _status(buyer) == "paid"
    code = re.sub(r"\D", "", buyer.locator(".code-card__digits").inner_text())
    assert len(code) == 6
    shots_of(browser, buyer, shots, "03-order-buyer-code")

    seller = login(browser, live_server, "nadia.pickup@example.com", PHONE)
    # the seller is told: the bell counts it, the notifications page says it and links the order
    assert seller.locator(".bell__count").inner_text() == "1"
    seller.locator("a.bell").click()
    told = seller.locator(".news__item--new")
    assert "Sold: “Rattan armchair, 1970s”" in told.inner_text()
    shots_of(browser, seller, shots, "035-seller-told-sold")
    told.get_by_role("link").click()
    seller.wait_for_url(order_url)
    assert seller.locator("#code").get_attribute("autocomplete") == "one-time-code"
    assert seller.locator(".code-card").count() == 0
    shots_of(browser, seller, shots, "04-order-seller-code-entry")
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
    shots_of(browser, buyer, shots, "06-purchases")

    seller.goto(f"{live_server}/me/sales")
    assert seller.get_by_text("Your payable balance: €85.00").is_visible()
    shots_of(browser, seller, shots, "07-sales")
    buyer.context.close()
    seller.context.close()


def _buy_shipped_and_pay(buyer: Any, base: str, listing_id: int) -> str:
    buyer.goto(f"{base}/listings/{listing_id}/buy")
    address = buyer.locator("[data-address]")
    assert not address.is_visible()  # a pickup is chosen: no address asked
    buyer.get_by_text("Have it shipped").click()
    assert address.is_visible()
    # The buyer lives in Lyon: the country and the city are filled in already.
    assert buyer.locator("#country").input_value() == "FR"
    assert buyer.locator("#city").input_value() == "Lyon"
    buyer.fill("#full_name", "Joe Bloggs")
    buyer.fill("#line1", "8 quai Saint-Antoine")
    buyer.fill("#postcode", "69002")
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
    seller_api = member(live_server, "ana.ship@example.com", "Ana", "paris-bastille")
    member(live_server, "joe.ship@example.com", "Joe", "lyon-presquile")
    member(live_server, "admin.ship@example.com", "Support", "paris-marais")
    with sqlite3.connect(live_db) as db:
        db.execute("UPDATE users SET is_admin = 1 WHERE email = ?", ("admin.ship@example.com",))
    records = sell(seller_api, "Vinyl records, 30 LPs", 6000, 850)
    lantern = sell(seller_api, "Camping lantern, brass", 2500, 400)

    buyer = login(browser, live_server, "joe.ship@example.com", PHONE)
    seller = login(browser, live_server, "ana.ship@example.com", PHONE)

    # Shipped, then confirmed by the buyer.
    buyer.goto(f"{live_server}/listings/{records}/buy")
    assert buyer.get_by_text("+ €8.50").is_visible()
    first = _buy_shipped_and_pay(buyer, live_server, records)
    seller.goto(first)
    posted_to = seller.locator(".address-card").inner_text()
    assert "Joe Bloggs" in posted_to and "69002 Lyon" in posted_to and "France" in posted_to
    seller.get_by_role("button", name="Mark as shipped").click()
    assert seller.locator("#tracking-error").is_visible()  # empty tracking: said beside it
    seller.screenshot(path=shots / "01-tracking-error-phone.png", full_page=True)
    _ship(seller, first, "La Poste 6A12345678901")
    buyer.goto(first)
    assert "La Poste 6A12345678901" in buyer.locator(".step__tracking").inner_text()
    shots_of(browser, buyer, shots, "02-order-buyer-shipped")
    assert "Delivering to Lyon" in buyer.locator(".buy-item").inner_text()
    assert buyer.locator(".address-card").count() == 0  # the seller's alone
    buyer.get_by_role("button", name="Confirm I received it").click()
    buyer.wait_for_url(first)
    assert _status(buyer) == "completed"
    seller.goto(first)
    assert seller.locator(".address-card").count() == 0  # ended: the address is gone

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

    admin = login(browser, live_server, "admin.ship@example.com", DESKTOP)
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
    shots_of(browser, buyer, shots, "05-purchases")
    seller.goto(f"{live_server}/listings/{lantern}")
    assert "You withdrew this listing" in seller.locator(".notice").inner_text()
    seller.goto(f"{live_server}/me/sales")
    assert seller.get_by_text("Your payable balance: €68.50").is_visible()
    for page in (buyer, seller, admin):
        page.context.close()
