"""After a completed trade both people review each other in their browsers: the buyer's
review stays hidden until the seller has written theirs, then both show on the two
profiles, the seller answers, and the seller's rating appears in the listing's seller card."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.people import login, member, sell, shots_of

pytestmark = pytest.mark.e2e


def test_both_review_after_a_trade_hidden_until_both_have_written(
    live_server: str, browser: Any, shots: Path
) -> None:
    seller_api = member(live_server, "nora.review@example.com", "Nora", "paris-bastille")
    buyer_api = member(live_server, "theo.review@example.com", "Théo", "paris-marais")
    listing_id = sell(seller_api, "Rattan armchair", 6000, None, category="decor")
    other_id = sell(seller_api, "Wicker basket", 1500, None, category="decor")
    seller_id = seller_api.get("/api/v1/me").json()["id"]
    buyer_id = buyer_api.get("/api/v1/me").json()["id"]

    buyer = login(browser, live_server, "theo.review@example.com", PHONE)
    seller = login(browser, live_server, "nora.review@example.com", DESKTOP)
    buyer.goto(f"{live_server}/listings/{listing_id}")
    buyer.get_by_role("link", name=re.compile(r"^Buy · ")).click()
    buyer.get_by_text("On foot or by bike", exact=True).click()
    buyer.get_by_role("button", name="Continue to payment").click()
    buyer.wait_for_url("**/payments/dev/devpay_*")
    buyer.get_by_role("button", name="Pay (succeeds)").click()
    buyer.wait_for_url(f"{live_server}/orders/*")
    order_url = buyer.url
    code = re.sub(r"\D", "", buyer.locator(".code-card__digits").inner_text())
    seller.goto(order_url)
    seller.fill("#code", code)
    seller.get_by_role("button", name="Complete the hand-over").click()
    seller.wait_for_url(order_url)

    # The buyer reviews from the order page; the form says what is missing, keeping the text.
    buyer.goto(order_url)
    buyer.get_by_role("link", name="Review Nora").click()
    buyer.fill("#text", "Comfortable chair, Nora was on time.")
    buyer.get_by_role("button", name="Send the review").click()
    assert buyer.locator("#stars-error").inner_text().endswith("Choose from 1 to 5 stars.")
    assert buyer.locator("#text").input_value() == "Comfortable chair, Nora was on time."
    shots_of(browser, buyer, shots, "01-review-form-error")
    buyer.locator("label[for=stars-5]").click()
    buyer.get_by_text("Yes", exact=True).click()
    buyer.get_by_role("button", name="Send the review").click()
    buyer.wait_for_url(order_url)
    assert buyer.get_by_text("You have reviewed Nora").is_visible()

    # Hidden until the seller has written theirs.
    seller.goto(f"{live_server}/u/{seller_id}")
    assert seller.get_by_text("No reviews to show yet.").is_visible()
    seller.goto(order_url)
    seller.get_by_role("link", name="Review Théo").click()
    seller.locator("label[for=stars-4]").click()
    seller.fill("#text", "Quick payment, friendly.")
    seller.get_by_role("button", name="Send the review").click()
    seller.wait_for_url(order_url)

    # Both shown now, on both profiles; the seller answers once.
    seller.goto(f"{live_server}/u/{seller_id}")
    assert seller.get_by_text("Comfortable chair, Nora was on time.").is_visible()
    seller.fill(".review__answer textarea", "Thank you, enjoy it!")
    seller.get_by_role("button", name="Publish the answer").click()
    seller.wait_for_url(re.compile(rf".*/u/{seller_id}.*"))
    assert seller.get_by_text("Thank you, enjoy it!").is_visible()
    assert seller.locator(".review__answer").count() == 0
    shots_of(browser, seller, shots, "02-seller-profile")
    buyer.goto(f"{live_server}/u/{buyer_id}")
    assert buyer.get_by_text("Quick payment, friendly.").is_visible()

    # The seller's other listing: the rating in the seller card, which links to the profile.
    buyer.goto(f"{live_server}/listings/{other_id}")
    card = buyer.locator("aside.seller")
    assert card.get_by_text("5.0 (1 review)").is_visible()
    card.get_by_role("link", name="See the profile").click()
    buyer.wait_for_url(f"{live_server}/u/{seller_id}")
    shots_of(browser, buyer, shots, "03-profile-from-listing")
