"""Carbon figures where people shop: the listing API, result cards, the listing and buy pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from carbon.estimate import estimate
from listings import carbon as listing_carbon
from listings.models import Listing
from resale.core.web import format_co2
from resale.trade.orders.models import Order
from resale.trade.payments.dependencies import gateway_dependency
from resale.trade.payments.dev_gateway import DevGateway
from resale.users.models import User
from tests.factories import (
    api_headers,
    browser_login,
    csrf,
    make_completed_order,
    make_listing,
    make_user,
    point_at,
)


@pytest.fixture
def gateway(app: FastAPI, tmp_path: Path) -> DevGateway:
    dev = DevGateway(path=tmp_path / "dev-payments.db")
    app.dependency_overrides[gateway_dependency] = lambda: dev
    return dev


def _jeans(session: Session, **fields: Any) -> tuple[Any, Any, Listing]:
    seller = make_user(session, lat=48.8590, lon=2.3620)
    lat, lon = point_at(48.8590, 2.3620, 2.0)
    buyer = make_user(session, lat=lat, lon=lon)
    values = {"category": "men-jeans", "price_cents": 2000, "shipping_cents": 400, **fields}
    return seller, buyer, make_listing(session, seller, **values)


def test_the_listing_api_gives_the_figure_with_its_range_and_every_way(
    client: TestClient, session: Session
) -> None:
    _, buyer, listing = _jeans(session)
    body = client.get(f"/api/v1/listings/{listing.id}", headers=api_headers(session, buyer)).json()
    carbon = body["carbon"]
    assert carbon["low"] <= carbon["central"] <= carbon["high"]
    assert carbon["unit"] == "kg CO2e" and carbon["methodology_version"]
    ways = {(o["fulfilment"], o["mode"]): o for o in carbon["options"]}
    assert set(ways) == {
        ("pickup", "walk_bike"),
        ("pickup", "public_transport"),
        ("pickup", "car"),
        ("shipping", None),
    }
    on_foot = estimate(
        category="men-jeans",
        price_cents=2000,
        currency="EUR",
        weight_kg=None,
        fulfilment="pickup",
        mode="walk_bike",
        distance_km=2.0,
    )
    # The buyer's real distance (2 km) is used, not the default.
    assert ways[("pickup", "walk_bike")]["central"] == pytest.approx(on_foot.central, abs=0.02)
    assert ways[("pickup", "car")]["central"] < ways[("pickup", "walk_bike")]["central"]
    # The headline is the better of the ways offered, with the method's default mode.
    assert carbon["central"] == max(
        ways[("pickup", "car")]["central"], ways[("shipping", None)]["central"]
    )
    assert "shipped" in carbon["comparison"]


def test_a_pickup_only_listing_has_no_shipping_figure(client: TestClient, session: Session) -> None:
    _, _, listing = _jeans(session, shipping_cents=None)
    carbon = client.get(f"/api/v1/listings/{listing.id}").json()["carbon"]
    assert {o["fulfilment"] for o in carbon["options"]} == {"pickup"}
    assert carbon["comparison"] is None and carbon["fulfilment"] == "pickup"


def test_the_listing_page_shows_the_figure_each_way_and_the_comparison(
    client: TestClient, session: Session
) -> None:
    _, buyer, listing = _jeans(session)
    browser_login(client, session, buyer)
    page = client.get(f"/listings/{listing.id}").text
    figures = listing_carbon.listing_carbon(listing, buyer)
    assert figures is not None
    assert "Buying this second-hand avoids about" in page
    assert format_co2(figures.headline.central) in page
    for label in ("on foot or by bike", "by public transport", "by car", "Have it shipped"):
        assert label in page
    assert figures.comparison is not None and figures.comparison in page
    assert f"/carbon/methodology?category={listing.category}" in page


def test_a_net_cost_is_said_plainly(client: TestClient, session: Session) -> None:
    seller = make_user(session)
    book = make_listing(session, seller, category="books", price_cents=400, shipping_cents=300)
    page = client.get(f"/listings/{book.id}").text
    figures = listing_carbon.listing_carbon(book, None)
    assert figures is not None and not figures.headline.is_net_saving
    assert "avoids about" not in page.split('id="carbon-title"')[1].split("</p>")[0]
    assert figures.headline.statement in page.replace("&#39;", "'")


def test_search_cards_show_the_avoided_carbon(client: TestClient, session: Session) -> None:
    _, _, listing = _jeans(session, title="Selvedge jeans")
    page = client.get("/search?q=selvedge").text
    card = page.split(f'href="/listings/{listing.id}"')[1].split("</article>")[0]
    assert re.search(r"≈ [\d.,]+ (kg|g) CO<sub>2</sub>e avoided", card), card


def test_the_buy_page_offers_travel_modes_with_their_figures(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    _, buyer, listing = _jeans(session)
    browser_login(client, session, buyer)
    page = client.get(f"/listings/{listing.id}/buy").text
    assert 'name="travel_mode" value="walk_bike"' in page
    assert "Shipped, it avoids about" in page
    # A made-up mode is refused beside its field, and nothing is bought.
    response = client.post(
        f"/listings/{listing.id}/buy",
        data={"csrf_token": csrf(client), "fulfilment": "pickup", "travel_mode": "rocket"},
    )
    assert response.status_code == 422
    assert "Choose on foot or by bike, public transport or car." in response.text
    assert session.exec(select(Order).where(Order.listing_id == listing.id)).first() is None
    # The chosen mode and the real distance are kept on the order.
    response = client.post(
        f"/listings/{listing.id}/buy",
        data={"csrf_token": csrf(client), "fulfilment": "pickup", "travel_mode": "walk_bike"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    session.expire_all()
    order = session.exec(select(Order).where(Order.listing_id == listing.id)).one()
    assert order.travel_mode == "walk_bike"
    assert order.distance_km == pytest.approx(2.0, abs=0.01)


def test_the_orders_api_takes_a_travel_mode_and_names_a_bad_one(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    _, buyer, listing = _jeans(session)
    headers = api_headers(session, buyer)
    bad = client.post(
        "/api/v1/orders",
        json={"listing_id": listing.id, "fulfilment": "pickup", "travel_mode": "rocket"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "travel_mode"]
    good = client.post(
        "/api/v1/orders",
        json={"listing_id": listing.id, "fulfilment": "pickup", "travel_mode": "car"},
        headers=headers,
    )
    assert good.status_code == 201, good.text
    body = good.json()
    assert body["travel_mode"] == "car"
    order = client.get(f"/api/v1/orders/{body['id']}", headers=headers).json()
    assert order["carbon"]["credited_kg"] is None  # not completed yet
    assert order["carbon"]["low"] <= order["carbon"]["central"] <= order["carbon"]["high"]


def test_a_completed_order_shows_each_party_their_credited_share(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    order = make_completed_order(session, gateway, category="sofas", travel_mode="walk_bike")
    buyer = session.get(User, order.buyer_id)
    seller = session.get(User, order.seller_id)
    assert buyer is not None and seller is not None
    shares = []
    for person in (buyer, seller):
        body = client.get(f"/api/v1/orders/{order.id}", headers=api_headers(session, person)).json()
        shares.append(body["carbon"]["credited_kg"])
        assert body["carbon"]["credited_kg"] > 0
    assert sum(shares) == pytest.approx(body["carbon"]["central"], abs=0.002)
    browser_login(client, session, buyer)
    page = client.get(f"/orders/{order.id}").text
    assert 'is in <a href="/me/carbon">your carbon account</a>' in page
    assert format_co2(shares[0]) in page


def test_the_figure_links_to_the_form_that_re_derives_it(
    client: TestClient, session: Session
) -> None:
    _, buyer, listing = _jeans(session, weight_kg=0.8)
    browser_login(client, session, buyer)
    page = client.get(f"/listings/{listing.id}").text
    [href] = re.findall(r'href="(/carbon/methodology\?[^"]+)">How we worked this out', page)
    url = href.replace("&amp;", "&")
    assert "weight=0.8" in url and "price=20.00" in url and "fulfilment=" in url
    worked = client.get(url)
    assert worked.status_code == 200
    figures = listing_carbon.listing_carbon(listing, buyer)
    assert figures is not None
    api = client.get(
        "/api/v1/carbon/estimate?"
        + url.split("?", 1)[1]
        .split("#")[0]
        .replace("price=20.00", "price_cents=2000")
        .replace("weight=", "weight_kg=")
    ).json()
    assert api["central"] == figures.headline.central
