"""A buyer searches from the top bar, narrows by place and distance, opens a result, and
saves the search to hear about new matches."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from PIL import Image, ImageDraw

from resale.core.geo import PLACES_BY_SLUG
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.e2e

# A word no other browser test uses, so the results are exactly these listings.
ITEMS = (
    ("Glass terrarium, large", "paris-bastille", 4500, "#7fb08a"),  # 0.8 km from Le Marais
    ("Terrarium with sliding doors", "vincennes", 6000, "#9cc3a4"),  # 5.8 km
    ("Terrarium for reptiles", "versailles", 8000, "#c9a66b"),  # 18.7 km
    ("Mini terrarium kit", "lyon-presquile", 1500, "#6f9fb8"),  # 392 km
)


def _photo(color: str) -> bytes:
    image = Image.new("RGB", (900, 1125), color)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((220, 300, 680, 860), radius=40, outline="#ffffff", width=18)
    draw.ellipse((330, 560, 570, 800), fill="#3d6b48")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _seller(base: str, email: str) -> httpx.Client:
    """A seller registered through the API, with a client carrying their bearer token."""
    place = PLACES_BY_SLUG["paris-bastille"]
    registered = httpx.post(
        f"{base}/api/v1/auth/register",
        json={
            "email": email,
            "password": "a long enough password",
            "display_name": "Inès",
            "place": place.name,
            "lat": place.lat,
            "lon": place.lon,
        },
    )
    assert registered.status_code == 201, registered.text
    token = httpx.post(
        f"{base}/api/v1/auth/token",
        data={"username": email, "password": "a long enough password"},
    ).json()["access_token"]
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _sell(api: httpx.Client, title: str, slug: str, price_cents: int, color: str) -> int:
    place = PLACES_BY_SLUG[slug]
    created = api.post(
        "/api/v1/listings",
        json={
            "title": title,
            "description": "Clean, no cracks. Collect only.",
            "category": "decor",
            "condition": "good",
            "price_cents": price_cents,
            "currency": "EUR",
            "place": place.name,
            "lat": place.lat,
            "lon": place.lon,
        },
    )
    assert created.status_code == 201, created.text
    listing_id: int = created.json()["id"]
    photo = api.post(
        f"/api/v1/listings/{listing_id}/photos",
        files=[("photos", ("t.jpg", _photo(color), "image/jpeg"))],
    )
    assert photo.status_code == 201, photo.text
    assert api.post(f"/api/v1/listings/{listing_id}/publish").status_code == 200
    return listing_id


def _titles(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("[data-results] .card__title").all_inner_texts()]


def test_search_filter_by_distance_and_open_a_result(
    live_server: str, browser: object, shots: Path
) -> None:
    api = _seller(live_server, "ines.terrarium@example.com")
    ids = {title: _sell(api, title, slug, price, color) for title, slug, price, color in ITEMS}

    phone = browser.new_context(**PHONE)  # type: ignore[attr-defined]
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server}/")
    page.fill("#site-q", "terrarium")
    page.press("#site-q", "Enter")
    page.wait_for_url("**/search?q=terrarium*")
    assert page.get_by_role("heading", name="Results for “terrarium”").is_visible()
    assert sorted(_titles(page)) == sorted(title for title, *_ in ITEMS)
    page.screenshot(path=shots / "01-results-phone.png")

    # Filters: near Le Marais, within 10 km.
    page.get_by_text("Filters", exact=True).first.click()
    assert page.locator("#place").is_visible()
    page.select_option("#place", "paris-marais")
    page.select_option("#radius", "10")
    page.screenshot(path=shots / "02-filters-phone.png")
    page.get_by_role("button", name="Show results").click()
    page.wait_for_url("**radius=10*")
    assert "place=paris-marais" in page.url
    assert "min_price" not in page.url  # empty fields stay out of the address
    assert page.get_by_role(
        "heading", name="Results for “terrarium” within 10 km of Paris, Le Marais"
    ).is_visible()
    assert sorted(_titles(page)) == ["Glass terrarium, large", "Terrarium with sliding doors"]
    assert page.locator(".chip", has_text="Within 10 km").is_visible()

    # Nearest first: the sort applies as soon as it is chosen.
    page.select_option("#sort", "nearest")
    page.wait_for_url("**sort=nearest*")
    assert _titles(page) == ["Glass terrarium, large", "Terrarium with sliding doors"]
    first = page.locator("[data-results] .card").first
    assert "Paris, Bastille" in first.inner_text()
    # Listings sit on a ~1 km grid, so Bastille is "1 km" from Le Marais and Vincennes "6 km".
    distances = page.locator("[data-results] .card__place strong").all_inner_texts()
    assert distances == ["1 km", "6 km"]
    assert first.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=shots / "03-near-marais-phone.png", full_page=True)

    first.locator("a.card__link").click()
    page.wait_for_url(f"{live_server}/listings/{ids['Glass terrarium, large']}")
    assert page.get_by_role("heading", name="Glass terrarium, large").is_visible()
    page.screenshot(path=shots / "04-listing-phone.png")

    # Nothing that close: the page offers a wider radius, which finds the far one.
    page.goto(f"{live_server}/search?q=reptiles&place=paris-marais&radius=5")
    assert page.get_by_text("Nothing within 5 km of Paris, Le Marais").is_visible()
    page.screenshot(path=shots / "05-no-results-phone.png")
    page.get_by_role("link", name="Within 25 km").click()
    page.wait_for_url("**radius=25*")
    assert _titles(page) == ["Terrarium for reptiles"]
    phone.close()

    desktop = browser.new_context(**DESKTOP)  # type: ignore[attr-defined]
    visitor = desktop.new_page()
    visitor.set_default_timeout(15_000)
    visitor.goto(f"{live_server}/search?q=terrarium")
    assert visitor.locator("#place").is_visible()  # a sidebar: no need to open anything
    visitor.select_option("#place", "paris-marais")
    visitor.select_option("#radius", "5")
    visitor.get_by_role("button", name="Show results").click()
    visitor.wait_for_url("**radius=5*")
    assert _titles(visitor) == ["Glass terrarium, large"]
    visitor.screenshot(path=shots / "06-near-marais-desktop.png")
    desktop.close()


def test_a_saved_search_counts_new_matches(live_server: str, browser: object, shots: Path) -> None:
    api = _seller(live_server, "ines.lanterns@example.com")
    _sell(api, "Moroccan lantern, brass", "paris-bastille", 3500, "#c9a66b")

    context = browser.new_context(**DESKTOP)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server}/register")
    page.fill("#display_name", "Sam")
    page.fill("#email", "sam.lanterns@example.com")
    page.fill("#password", "another long password")
    page.select_option("#place_slug", "paris-marais")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{live_server}/")

    page.fill("#site-q", "lantern")
    page.press("#site-q", "Enter")
    page.wait_for_url("**/search?q=lantern*")
    assert page.locator("#place").input_value() == "home"  # near home by default
    page.select_option("#radius", "5")
    page.get_by_role("button", name="Show results").click()
    page.wait_for_url("**radius=5*")
    page.get_by_role("button", name="Save this search").click()
    assert page.get_by_text("Search saved.").is_visible()

    _sell(api, "Paper lantern, white", "paris-bastille", 1200, "#eeeeee")
    page.get_by_role("link", name="Searches").click()
    page.wait_for_url(f"{live_server}/me/searches")
    row = page.locator(".saved", has_text="lantern · within 5 km of home")
    assert row.locator(".badge--new").inner_text() == "1 new"
    page.screenshot(path=shots / "01-saved-searches-desktop.png")

    row.get_by_role("link", name="Open").click()
    page.wait_for_url("**/search?q=lantern*")
    assert "Paper lantern, white" in _titles(page)
    page.screenshot(path=shots / "02-opened-desktop.png")
    page.goto(f"{live_server}/me/searches")
    assert page.locator(".saved .badge--new").count() == 0

    page.set_viewport_size(PHONE["viewport"])  # type: ignore[arg-type]
    page.screenshot(path=shots / "03-saved-searches-phone.png")
    context.close()
