"""The blocks matching adds to listings' pages: For you, similar items, buyers who may want it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from listings.models import ListingStatus
from matching import pages, serving
from matching.serving import ModelHolder
from matching.training import fit_artifact, load_market
from resale.core import web
from tests.factories import browser_login, make_listing, make_user
from tests.matching.market import CITIES, SMALL, make_market


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    """The blocks registered as create_app will; the registry put back afterwards."""
    before = {slot: list(providers) for slot, providers in web._SECTIONS.items()}
    pages.register()
    pages.register()  # twice is the same as once
    assert web._SECTIONS["home"].count(pages.for_you) == 1
    yield
    web._SECTIONS.clear()
    web._SECTIONS.update(before)


@pytest.fixture(autouse=True)
def no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelHolder:
    holder = ModelHolder(tmp_path / "matching.joblib")
    monkeypatch.setattr(serving, "holder", holder)
    return holder


def test_home_page_has_for_you_for_a_signed_in_buyer(client: TestClient, session: Session) -> None:
    market = make_market(session, buyers=4)
    assert "For you" not in client.get("/").text  # visitors get the page without it

    buyer = make_user(session, **CITIES["paris"])
    browser_login(client, session, buyer)
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert 'aria-labelledby="mx-for-you"' in html and 'data-model="fallback"' in html
    assert "Popular near you for now" in html
    assert 'class="mx-why"' in html and "Popular nearby" in html
    paris = [item for item in market.listings if market.city_of[item.id or 0] == "paris"]
    assert f'href="/listings/{paris[0].id}"' in html
    assert " km</strong>" in html  # the rounded distance on each card


def test_for_you_says_when_a_model_serves(
    client: TestClient, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    market = make_market(session)
    artifact = fit_artifact(load_market(session=session), config=SMALL, with_validation=False)
    artifact.save(tmp_path / "trained.joblib")
    holder = ModelHolder(tmp_path / "trained.joblib")
    holder.load()
    monkeypatch.setattr(serving, "holder", holder)
    browser_login(client, session, market.buyers[0])
    html = client.get("/").text
    assert 'data-model="model"' in html and "Popular near you for now" not in html


def test_listing_page_shows_similar_items_and_only_the_seller_sees_buyers(
    client: TestClient, session: Session
) -> None:
    market = make_market(session, buyers=8)
    listing = market.listings[0]
    seller = market.sellers[0]

    html = client.get(f"/listings/{listing.id}").text
    assert "Similar items nearby" in html and "Distances from this item" in html
    assert "Buyers who may want this" not in html

    browser_login(client, session, market.buyers[1])
    html = client.get(f"/listings/{listing.id}").text
    assert "Similar items nearby" in html and "Distances from your home" in html
    assert "Buyers who may want this" not in html

    browser_login(client, session, seller)
    html = client.get(f"/listings/{listing.id}").text
    assert "Buyers who may want this" in html
    assert "Under 2 km" in html and "10–30 km" in html
    assert "buyers within 30 km" in html or "buyer within 30 km" in html
    for buyer in market.buyers:
        assert buyer.display_name not in html


def test_similar_block_escapes_titles_and_skips_empty_lists(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session, **CITIES["lyon"])
    lonely = make_listing(session, seller, photos=0, category="phones")
    assert "Similar items nearby" not in client.get(f"/listings/{lonely.id}").text

    other = make_user(session, **CITIES["lyon"])
    make_listing(
        session, other, photos=0, category="phones", title="<script>alert(1)</script> phone"
    )
    html = client.get(f"/listings/{lonely.id}").text
    assert "Similar items nearby" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_a_failing_block_does_not_take_the_page_down(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    seller = make_user(session)
    listing = make_listing(session, seller, photos=0, status=ListingStatus.ACTIVE)

    def broken(**_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("matching.service.similar", broken)
    response = client.get(f"/listings/{listing.id}")
    assert response.status_code == 200 and "Similar items nearby" not in response.text
