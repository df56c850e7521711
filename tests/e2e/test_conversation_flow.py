"""Two strangers agree a trade on the platform, in two browsers: a question that arrives live,
an offer, a counter, the accepted price paid, a meeting agreed, the hand-over code, and the
system lines; then the same conversation in Chinese."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from resale.core.db import utcnow
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.people import login, member, sell

pytestmark = pytest.mark.e2e


def _both_shots(pages: dict[str, Any], folder: Path, name: str) -> None:
    for who, page in pages.items():
        page.screenshot(path=folder / f"{name}-{who}.png", full_page=True)


def _status(page: Any) -> str:
    return str(page.locator(".order-head .badge").inner_text()).strip().lower()


def test_ask_bargain_pay_the_agreed_price_meet_and_hand_over(
    live_server: str, browser: Any, shots: Path
) -> None:
    seller_api = member(live_server, "lea.chat@example.com", "Léa", "paris-bastille")
    member(live_server, "sam.chat@example.com", "Sam", "paris-marais")
    listing_id = sell(seller_api, "Teak sideboard, 1960s", 30000, None)

    buyer = login(browser, live_server, "sam.chat@example.com", PHONE)
    seller = login(browser, live_server, "lea.chat@example.com", DESKTOP)

    buyer.goto(f"{live_server}/listings/{listing_id}")
    buyer.get_by_role("button", name="Ask the seller").click()
    buyer.wait_for_url(re.compile(r".*/messages/\d+"))
    conversation = buyer.url.split("#")[0]
    seller.goto(conversation)  # the seller has the conversation open, empty so far
    assert seller.get_by_text("No messages yet").is_visible()

    buyer.fill("#body", "Hello! Is the sideboard still available? Any scratches?")
    buyer.get_by_role("button", name="Send", exact=True).click()
    buyer.wait_for_url(re.compile(r".*/messages/\d+.*"))
    # It arrives on the seller's open page without a reload.
    seller.get_by_text("Is the sideboard still available?").wait_for(timeout=10_000)
    assert seller.get_by_text("No messages yet").count() == 0

    # The buyer offers €240; the seller counters €270; the buyer accepts.
    buyer.get_by_text("Make an offer").click()
    buyer.fill("#amount", "240")
    buyer.get_by_role("button", name="Send offer").click()
    assert buyer.locator(".offer-card").last.get_by_text("Offer: €240.00").is_visible()
    seller.get_by_text("Offer: €240.00").wait_for(timeout=10_000)
    _both_shots({"buyer-phone": buyer, "seller-desktop": seller}, shots, "01-offer")
    card = seller.locator(".offer-card").last
    card.get_by_text("Counter", exact=True).click()
    card.get_by_placeholder("Your price (EUR)").fill("270")
    card.get_by_role("button", name="Send").click()
    seller.wait_for_url(re.compile(r".*/messages/\d+.*"))
    assert seller.get_by_text("Counter-offer: €270.00").is_visible()
    buyer.get_by_text("Counter-offer: €270.00").wait_for(timeout=10_000)
    buyer.reload()  # the live line came without its buttons' freshest state: take the page
    buyer.locator(".offer-card").last.get_by_role("button", name="Accept").click()
    buyer.wait_for_url(re.compile(r".*/messages/\d+.*"))
    assert buyer.get_by_text("The item is kept for you at the price you agreed").is_visible()
    _both_shots({"buyer-phone": buyer}, shots, "02-accepted")

    # They agree a meeting: the seller proposes, the buyer agrees.
    when = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT18:30")
    seller.reload()
    seller.get_by_text("Propose a time and place to meet").click()
    seller.fill("#meeting_at", when)
    seller.fill("#meeting_place", "Bastille metro, exit 3 (Rue de la Roquette)")
    seller.get_by_role("button", name="Propose").click()
    seller.wait_for_url(re.compile(r".*/messages/\d+.*"))
    buyer.get_by_text("Bastille metro, exit 3").wait_for(timeout=10_000)
    buyer.reload()
    buyer.locator(".meeting-card").last.get_by_role("button", name="Agree").click()
    buyer.wait_for_url(re.compile(r".*/messages/\d+.*"))
    assert buyer.get_by_text("Meeting agreed").first.is_visible()

    # The buyer pays the agreed price on the development gateway.
    buyer.get_by_role("link", name="Buy at the agreed price").click()
    buyer.wait_for_url(f"{live_server}/listings/{listing_id}/buy")
    assert buyer.get_by_text("The price you agreed with the seller").is_visible()
    assert buyer.locator(".buy-item__price").inner_text() == "€270.00"
    buyer.get_by_role("button", name="Continue to payment").click()
    buyer.wait_for_url("**/payments/dev/devpay_*")
    assert buyer.locator(".devpay__amount").inner_text() == "€270.00"
    buyer.get_by_role("button", name="Pay (succeeds)").click()
    buyer.wait_for_url(f"{live_server}/orders/*")
    order_url = buyer.url
    assert _status(buyer) == "paid"
    assert "You agreed to meet on" in buyer.locator(".meeting-box").inner_text()
    code = re.sub(r"\D", "", buyer.locator(".code-card__digits").inner_text())

    # The seller enters the code at the meeting.
    seller.goto(order_url)
    seller.fill("#code", code)
    seller.get_by_role("button", name="Complete the hand-over").click()
    seller.wait_for_url(order_url)
    assert _status(seller) == "completed"

    # Both see the system lines in their conversation.
    for page in (buyer, seller):
        page.goto(conversation)
        assert page.get_by_text("Paid. resale holds the money").is_visible()
        assert page.get_by_text("Completed: the seller is paid.").is_visible()
    _both_shots({"buyer-phone": buyer, "seller-desktop": seller}, shots, "03-conversation-done")
    buyer.goto(f"{live_server}/messages")
    _both_shots({"buyer-phone": buyer}, shots, "04-inbox")

    # The same conversation in Chinese, on both screens.
    for page in (buyer, seller):
        page.goto(conversation)
        page.locator("footer .language__choice[value='zh-CN']").click()
        page.wait_for_function("document.documentElement.lang === 'zh-CN'")
        assert page.get_by_text("交易完成：卖家已收到货款。").is_visible()
        assert page.get_by_text("见面时间已约定").first.is_visible()
    _both_shots({"buyer-phone": buyer, "seller-desktop": seller}, shots, "05-conversation-zh")
    buyer.context.close()
    seller.context.close()


def test_a_message_with_a_phone_number_is_delivered_with_a_warning(
    live_server: str, browser: Any, shots: Path
) -> None:
    seller_api = member(live_server, "ines.warn@example.com", "Inès", "paris-bastille")
    member(live_server, "max.warn@example.com", "Max", "paris-marais")
    listing_id = sell(seller_api, "Road bike, 54 cm", 25000, None)
    buyer = login(browser, live_server, "max.warn@example.com", PHONE)
    buyer.goto(f"{live_server}/listings/{listing_id}")
    buyer.get_by_role("button", name="Ask the seller").click()
    buyer.wait_for_url(re.compile(r".*/messages/\d+"))
    conversation = buyer.url.split("#")[0]
    buyer.fill("#body", "Text me on WhatsApp +33 6 12 34 56 78, I pay by bank transfer")
    buyer.get_by_role("button", name="Send", exact=True).click()
    buyer.wait_for_url(re.compile(r".*/messages/\d+.*"))
    assert buyer.locator(".chat__warning").count() == 0  # the writer is not shown it
    seller = login(browser, live_server, "ines.warn@example.com", PHONE)
    assert seller.locator("[data-unread]").first.inner_text() == "1"
    seller.goto(conversation)
    warning = seller.locator(".chat__warning")
    assert "Pay only on resale" in warning.inner_text()
    seller.screenshot(path=shots / "01-warning-phone.png", full_page=True)
    buyer.context.close()
    seller.context.close()
