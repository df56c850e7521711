"""Register -> sell an item with a photo -> publish -> see it on the home page and its own page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.e2e


def _photo() -> bytes:
    image = Image.new("RGB", (1200, 1500), "#d9c3a5")
    draw = ImageDraw.Draw(image)
    draw.rectangle((300, 500, 900, 1100), fill="#7b5a3c")
    draw.rectangle((340, 380, 860, 520), fill="#8d6a4a")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_register_sell_publish_and_find_it(live_server: str, browser: object, shots: Path) -> None:
    phone = browser.new_context(**PHONE)  # type: ignore[attr-defined]
    page = phone.new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{live_server}/")
    page.screenshot(path=shots / "01-home-visitor-phone.png", full_page=True)

    page.get_by_role("link", name="Join resale").click()
    page.fill("#display_name", "Léa M.")
    page.fill("#email", "lea@example.com")
    page.fill("#password", "a long enough password")
    page.select_option("#place_slug", "paris-bastille")
    page.screenshot(path=shots / "02-register-phone.png", full_page=True)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{live_server}/")
    assert page.get_by_text("Welcome to resale, Léa M.!").is_visible()

    page.get_by_role("link", name="Sell", exact=True).click()
    page.wait_for_url(f"{live_server}/sell")
    page.set_input_files(
        "#photos", files=[{"name": "chest.jpg", "mimeType": "image/jpeg", "buffer": _photo()}]
    )
    page.fill("#title", "Teak chest of drawers, 1960s")
    page.fill("#description", "Three deep drawers that run smoothly.\n\nPick up near Bastille.")
    page.select_option("#category", "wardrobes")
    page.get_by_text("Good", exact=True).click()
    page.fill("#price", "180")
    page.fill("#brand", "G-Plan")
    page.fill("#weight_kg", "32")
    page.screenshot(path=shots / "03-sell-form-phone.png", full_page=True)
    page.get_by_role("button", name="Publish").click()

    page.wait_for_url(f"{live_server}/listings/*")
    listing_url = page.url
    assert page.get_by_role("heading", name="Teak chest of drawers, 1960s").is_visible()
    assert page.get_by_text("Your item is on sale.").is_visible()
    assert page.locator(".detail__price").inner_text() == "€180.00"
    photo = page.locator(".gallery__slide img").first
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=shots / "04-listing-phone.png", full_page=True)

    page.goto(f"{live_server}/")
    card = page.locator(".card", has_text="Teak chest of drawers, 1960s")
    assert card.is_visible()
    assert "€180.00" in card.inner_text()
    assert "Paris, Bastille" in card.inner_text()
    page.screenshot(path=shots / "05-home-seller-phone.png", full_page=True)
    card.locator("a").first.click()
    page.wait_for_url(listing_url)

    desktop = browser.new_context(**DESKTOP)  # type: ignore[attr-defined]
    visitor = desktop.new_page()
    visitor.goto(f"{live_server}/")
    assert visitor.locator(".card", has_text="Teak chest of drawers").is_visible()
    visitor.screenshot(path=shots / "06-home-visitor-desktop.png", full_page=True)
    visitor.goto(listing_url)
    assert visitor.get_by_text("Log in to save this item").is_visible()
    assert visitor.get_by_text("Paris, Bastille").first.is_visible()
    visitor.screenshot(path=shots / "07-listing-visitor-desktop.png", full_page=True)
    phone.close()
    desktop.close()


def test_sell_form_shows_errors_beside_fields(
    live_server: str, browser: object, shots: Path
) -> None:
    context = browser.new_context(**PHONE)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{live_server}/register")
    page.fill("#display_name", "Omar")
    page.fill("#email", "omar@example.com")
    page.fill("#password", "another long password")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/sell")
    page.fill("#title", "TV")
    page.fill("#price", "abc")
    page.get_by_role("button", name="Publish").click()
    assert page.locator("#title-error").inner_text().endswith("Must be at least 3 characters")
    assert "number" in page.locator("#price-error").inner_text()
    assert page.locator("#title").input_value() == "TV"
    page.screenshot(path=shots / "sell-errors-phone.png", full_page=True)
    context.close()


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_sell_form_keeps_two_photos_through_a_wrong_price(
    live_server: str, browser: object, shots: Path, device: str
) -> None:
    context = browser.new_context(**(PHONE if device == "phone" else DESKTOP))  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server}/register")
    page.fill("#display_name", f"Inès ({device})")
    page.fill("#email", f"ines-{device}@example.com")
    page.fill("#password", "a long enough password")
    page.select_option("#place_slug", "paris-bastille")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/sell")
    page.set_input_files(
        "#photos",
        files=[
            {"name": "front.jpg", "mimeType": "image/jpeg", "buffer": _photo()},
            {"name": "side.jpg", "mimeType": "image/jpeg", "buffer": _photo()},
        ],
    )
    page.fill("#title", "Bentwood chair, pair")
    page.fill("#description", "Two chairs, solid, one small scratch on a leg.")
    page.select_option("#category", "chairs")
    page.get_by_text("Good", exact=True).click()
    page.fill("#price", "twelve")
    page.get_by_role("button", name="Publish").click()

    page.wait_for_selector("#price-error")
    assert "number" in page.locator("#price-error").inner_text()
    assert page.locator("#photos-error").count() == 0
    kept = page.locator(".kept-photo img")
    assert kept.count() == 2
    for i in range(2):
        assert kept.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("#title").input_value() == "Bentwood chair, pair"
    assert page.get_by_text("Add up to 8 more photos").is_visible()
    page.screenshot(path=shots / f"kept-photos-error-{device}.png", full_page=True)

    page.fill("#price", "35")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(f"{live_server}/listings/*")
    assert page.get_by_text("Your item is on sale.").is_visible()
    assert page.locator(".gallery__slide img").count() == 2
    page.screenshot(path=shots / f"kept-photos-listing-{device}.png", full_page=True)
    context.close()
