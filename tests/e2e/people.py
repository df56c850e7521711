"""People for browser tests: members registered through the API, items for sale, logins, screenshots."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx2 as httpx
from PIL import Image, ImageDraw

from resale.core.geo import PLACES_BY_SLUG
from tests.e2e.conftest import DESKTOP

PASSWORD = "a long enough password"


def photo(color: str) -> bytes:
    image = Image.new("RGB", (900, 1125), color)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((200, 320, 700, 900), radius=60, fill="#ffffff")
    draw.ellipse((330, 480, 570, 720), fill=color)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def member(base: str, email: str, name: str, slug: str) -> httpx.Client:
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


def sell(
    api: httpx.Client,
    title: str,
    price_cents: int,
    shipping_cents: int | None,
    category: str = "decor",
) -> int:
    place = PLACES_BY_SLUG["paris-bastille"]
    created = api.post(
        "/api/v1/listings",
        json={
            "title": title,
            "description": "Well kept, from a smoke-free home.",
            "category": category,
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
    uploaded = api.post(
        f"/api/v1/listings/{listing_id}/photos",
        files=[("photos", ("p.jpg", photo("#b98b5e"), "image/jpeg"))],
    )
    assert uploaded.status_code == 201, uploaded.text
    assert api.post(f"/api/v1/listings/{listing_id}/publish").status_code == 200
    return listing_id


def login(
    browser: Any, base: str, email: str, device: dict[str, Any], password: str = PASSWORD
) -> Any:
    """A new browser context for this person, logged in through the form."""
    context = browser.new_context(**device)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())  # the "are you sure?" confirmations
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    return page


def shots_of(browser: Any, page: Any, folder: Path, name: str) -> None:
    """The page as it is on the phone, and the same address on a desktop screen."""
    page.screenshot(path=folder / f"{name}-phone.png", full_page=True)
    context = browser.new_context(
        **DESKTOP,
        storage_state=page.context.storage_state(),
        locale=page.evaluate("navigator.language"),  # the same Accept-Language
    )
    desktop = context.new_page()
    desktop.goto(page.url)
    desktop.screenshot(path=folder / f"{name}-desktop.png", full_page=True)
    context.close()
