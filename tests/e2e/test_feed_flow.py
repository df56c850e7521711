"""The "For you" feed on a seeded, trained marketplace: it changes after the buyer saves a few
items of one kind; similar items show on a listing page; the seller sees interested buyers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from resale.core import taxonomy
from resale.seed import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.conftest import PHONE, start_server, stop_server
from tests.e2e.people import login, shots_of

pytestmark = pytest.mark.e2e

# The demo account likes furniture, home and bikes; it will save electronics.
NEW_TASTE = "electronics"


def _resale(data_dir: Path, *args: str) -> str:
    env = {**os.environ, "RESALE_DATA_DIR": str(data_dir), "RESALE_ENV": "test"}
    env.pop("RESALE_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", "from resale.cli import app; app()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo marketplace seeded and trained with the real commands, then served."""
    data_dir = tmp_path_factory.mktemp("e2e-market")
    _resale(data_dir, "db", "upgrade")
    # A third of the demo people live in China: 180 keeps 120 in Europe, as the feed was tuned on.
    _resale(data_dir, "seed", "--users", "180", "--listings", "2250")
    trained = _resale(data_dir, "train")
    assert (data_dir / "models" / "matching.json").exists(), trained
    base, process = start_server(data_dir, tmp_path_factory.getbasetemp() / "e2e-market.log")
    yield base
    stop_server(process)


def _group(slug: str) -> str:
    category = taxonomy.get(slug)
    parent = taxonomy.parent_of(category) if category else None
    return parent.slug if parent else slug


def _token_client(base: str) -> httpx.Client:
    token = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": DEMO_EMAIL, "password": DEMO_PASSWORD}
    ).json()["access_token"]
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=20)


def _feed_ids(api: httpx.Client) -> list[int]:
    body = api.get("/api/v1/recommendations/feed?limit=10").json()
    assert body["model"]["source"] == "model", body["model"]
    return [item["id"] for item in body["items"]]


def test_the_feed_follows_what_the_buyer_saves(market: str, browser: Any, shots: Path) -> None:
    api = _token_client(market)
    before_ids = _feed_ids(api)
    assert before_ids, "the demo account gets a feed"

    page = login(browser, market, DEMO_EMAIL, PHONE, DEMO_PASSWORD)
    feed = page.locator("section.mx-section").first
    assert feed.get_by_role("heading", name="For you").is_visible()
    titles_before = feed.locator(".card__title").all_inner_texts()
    assert len(titles_before) == len(before_ids)
    assert feed.locator(".mx-why").count() >= 1  # every pick says why
    shots_of(browser, page, shots, "00-home-for-you-before")

    # Save four electronics items near home, through the hearts on the search results.
    page.goto(f"{market}/search?category={NEW_TASTE}&place=home&sort=nearest")
    hearts = page.locator("form.card__fav button[aria-pressed='false']")
    for _ in range(4):
        hearts.first.click()
        page.wait_for_load_state("load")
    saved = api.get("/api/v1/me/favorites").json()
    assert sum(_group(item["category"]) == NEW_TASTE for item in saved) >= 4

    after_ids = _feed_ids(api)
    assert after_ids != before_ids
    # The saved items themselves are not offered again; every pick says why and how far.
    body = api.get("/api/v1/recommendations/feed?limit=10").json()
    assert not {item["id"] for item in saved} & set(after_ids)
    assert all(i["reasons"] and i["distance_km"] is not None for i in body["items"])
    assert any(
        "saved" in reason or "looked at" in reason or "similar taste" in reason
        for i in body["items"]
        for reason in i["reasons"]
    ), body["items"]

    page.goto(f"{market}/")
    titles_after = (
        page.locator("section.mx-section").first.locator(".card__title").all_inner_texts()
    )
    assert titles_after != titles_before
    shots_of(browser, page, shots, "01-home-for-you-after")

    # A listing page shows similar items nearby.
    page.goto(f"{market}/listings/{after_ids[0]}")
    similar = page.get_by_role("heading", name="Similar items nearby")
    assert similar.is_visible()
    shots_of(browser, page, shots, "02-listing-similar")
    page.context.close()


def test_a_seller_sees_how_many_buyers_nearby_may_want_the_item(
    market: str, browser: Any, shots: Path
) -> None:
    api = _token_client(market)
    mine = [item for item in api.get("/api/v1/me/listings").json() if item["status"] == "active"]
    assert mine, "the demo account sells something"
    audience = api.get(f"/api/v1/listings/{mine[0]['id']}/interested-buyers").json()
    assert [b["count"] >= 0 for b in audience["bands"]], audience
    page = login(browser, market, DEMO_EMAIL, PHONE, DEMO_PASSWORD)
    page.goto(f"{market}/listings/{mine[0]['id']}")
    assert page.get_by_role("heading", name="Buyers who may want this").is_visible()
    shots_of(browser, page, shots, "00-seller-interested-buyers")
    page.context.close()
