"""The delivery address of a shipped order: asked on the buy page and by the API, kept
with the order, shown to its seller alone once paid, and erased when the order ends — on
SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from listings.models import Listing, ListingStatus
from resale.core.geo import PLACES_BY_SLUG
from resale.trade.orders import service
from resale.trade.orders.models import Order, OrderAddress, OrderStatus
from resale.trade.payments.dependencies import gateway_dependency
from resale.trade.payments.dev_gateway import DevGateway
from resale.users.models import User
from tests.factories import (
    ADDRESS,
    api_headers,
    browser_login,
    csrf,
    make_listing,
    make_paid_order,
    make_user,
)

STREET = ADDRESS["line1"]


@pytest.fixture
def gateway(app: FastAPI, tmp_path: Path) -> DevGateway:
    """The development gateway, with its books in this test's own file."""
    dev = DevGateway(path=tmp_path / "dev-payments.db")
    app.dependency_overrides[gateway_dependency] = lambda: dev
    return dev


def _post(client: TestClient, path: str, **data: str) -> Any:
    return client.post(path, data={"csrf_token": csrf(client), **data}, follow_redirects=False)


def _order_of(session: Session, listing: Listing) -> Order | None:
    session.expire_all()
    return session.exec(select(Order).where(Order.listing_id == listing.id)).first()


def _stored(session: Session, order: Order) -> OrderAddress | None:
    session.expire_all()
    return session.get(OrderAddress, order.id)


def _paid_parcel(session: Session, gateway: DevGateway, **fields: Any) -> tuple[User, User, Order]:
    seller, buyer = make_user(session), make_user(session)
    order = make_paid_order(
        session, gateway, seller=seller, buyer=buyer, fulfilment="shipping", **fields
    )
    return seller, buyer, order


# --- The buy page ----------------------------------------------------------------------


def test_the_buy_page_asks_where_to_post_it_starting_from_the_buyers_home(
    client: TestClient, session: Session
) -> None:
    seller, buyer = make_user(session), make_user(session)  # both in Paris, Le Marais
    listing = make_listing(session, seller, shipping_cents=500)
    browser_login(client, session, buyer)
    page = client.get(f"/listings/{listing.id}/buy").text
    assert "data-address" in page and "Delivery address" in page
    for name in ("full_name", "line1", "line2", "postcode", "city", "country", "phone"):
        assert f'name="{name}"' in page, name
    assert 'autocomplete="shipping postal-code"' in page
    # The countries of the places people live in, and the buyer's own chosen.
    for code in ("FR", "GB", "DE", "ES", "IT", "NL", "BE", "CH", "CN"):
        assert f'<option value="{code}"' in page, code
    assert '<option value="FR" selected>France</option>' in page
    assert 'id="city" name="city" type="text" value="Paris"' in page
    # Without scripts it is always there: it says it is only for a parcel.
    assert "Only needed if the item is posted to you." in page


def test_a_shanghai_buyer_starts_from_china_and_a_pickup_only_item_asks_no_address(
    client: TestClient, session: Session
) -> None:
    home = PLACES_BY_SLUG["shanghai-jingan"]
    where = {"place_name": home.name, "lat": home.lat, "lon": home.lon}
    seller, buyer = make_user(session, **where), make_user(session, **where)
    parcel = make_listing(session, seller, shipping_cents=1500, currency="CNY")
    browser_login(client, session, buyer)
    assert '<option value="CN" selected>' in client.get(f"/listings/{parcel.id}/buy").text
    pickup_only = make_listing(session, seller)
    assert "data-address" not in client.get(f"/listings/{pickup_only.id}/buy").text


def test_a_wrong_address_is_said_beside_its_field_keeping_what_was_typed(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    listing = make_listing(session, make_user(session), shipping_cents=500)
    browser_login(client, session, make_user(session))
    typed = {**ADDRESS, "postcode": "  ", "phone": "call me maybe", "line2": "Bâtiment B"}
    page = _post(client, f"/listings/{listing.id}/buy", fulfilment="shipping", **typed)
    assert page.status_code == 422
    assert 'id="postcode-error"' in page.text and "Give the postcode" in page.text
    assert 'id="phone-error"' in page.text
    assert 'id="full_name-error"' not in page.text
    assert 'aria-invalid="true" aria-describedby="postcode-error"' in page.text
    # Everything typed comes back, the way to get it too.
    assert 'value="Camille Martin"' in page.text and 'value="Bâtiment B"' in page.text
    assert 'value="call me maybe"' in page.text
    assert 'value="shipping" checked' in page.text
    assert _order_of(session, listing) is None
    session.refresh(listing)
    assert listing.status is ListingStatus.ACTIVE

    missing = _post(client, f"/listings/{listing.id}/buy", fulfilment="shipping")
    assert missing.status_code == 422
    for name in ("full_name", "line1", "city", "country"):
        assert f'id="{name}-error"' in missing.text, name
    too_long = _post(
        client,
        f"/listings/{listing.id}/buy",
        fulfilment="shipping",
        **{**ADDRESS, "city": "x" * 81},
    )
    assert too_long.status_code == 422 and 'id="city-error"' in too_long.text
    foreign = _post(
        client, f"/listings/{listing.id}/buy", fulfilment="shipping", **{**ADDRESS, "country": "ZZ"}
    )
    assert foreign.status_code == 422 and 'id="country-error"' in foreign.text
    nul = _post(
        client,
        f"/listings/{listing.id}/buy",
        fulfilment="shipping",
        **{**ADDRESS, "full_name": "Ca\x00mille"},
    )
    assert nul.status_code == 422
    assert _order_of(session, listing) is None


def test_a_good_address_is_stored_with_the_order_and_hong_kong_needs_no_postcode(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    listing = make_listing(session, make_user(session), shipping_cents=500)
    browser_login(client, session, make_user(session))
    hong_kong = {**ADDRESS, "country": "HK", "postcode": "", "city": "Hong Kong", "line2": ""}
    page = _post(client, f"/listings/{listing.id}/buy", fulfilment="shipping", **hong_kong)
    assert page.status_code == 303, page.text
    order = _order_of(session, listing)
    assert order is not None
    stored = _stored(session, order)
    assert stored is not None
    assert (stored.full_name, stored.country, stored.postcode, stored.line2) == (
        "Camille Martin",
        "HK",
        None,
        None,
    )
    assert stored.phone == "+33 6 12 34 56 78"


def test_a_pickup_leaves_the_address_fields_alone(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    listing = make_listing(session, make_user(session), shipping_cents=500)
    browser_login(client, session, make_user(session))
    # Without scripts the address is on the page: half filled in, and ignored for a pickup.
    page = _post(
        client,
        f"/listings/{listing.id}/buy",
        fulfilment="pickup",
        full_name="x",
        postcode="",
        country="FR",
        city="Paris",
    )
    assert page.status_code == 303, page.text
    order = _order_of(session, listing)
    assert order is not None and order.fulfilment.value == "pickup"
    assert _stored(session, order) is None


# --- The API ---------------------------------------------------------------------------


def _api_buy(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post("/api/v1/orders", json=body, headers=headers)


def test_the_api_names_the_address_field_it_refuses(client: TestClient, session: Session) -> None:
    listing = make_listing(session, make_user(session), shipping_cents=500)
    buyer = api_headers(session, make_user(session))
    parcel = {"listing_id": listing.id, "fulfilment": "shipping"}
    cases: list[tuple[dict[str, Any], list[str]]] = [
        (parcel, ["body", "delivery_address"]),
        ({**parcel, "delivery_address": None}, ["body", "delivery_address"]),
        (
            {**parcel, "delivery_address": {**ADDRESS, "postcode": None}},
            ["body", "delivery_address", "postcode"],
        ),
        (
            {**parcel, "delivery_address": {k: v for k, v in ADDRESS.items() if k != "postcode"}},
            ["body", "delivery_address", "postcode"],
        ),
        (
            {**parcel, "delivery_address": {**ADDRESS, "country": "XX"}},
            ["body", "delivery_address", "country"],
        ),
        (
            {**parcel, "delivery_address": {**ADDRESS, "line1": "y" * 121}},
            ["body", "delivery_address", "line1"],
        ),
        (
            {**parcel, "delivery_address": {**ADDRESS, "phone": "12"}},
            ["body", "delivery_address", "phone"],
        ),
        (
            {**parcel, "delivery_address": {**ADDRESS, "city": "Pa\x00ris"}},
            ["body", "delivery_address", "city"],
        ),
        (
            {**parcel, "delivery_address": {**ADDRESS, "full_name": 42}},
            ["body", "delivery_address", "full_name"],
        ),
        ({**parcel, "delivery_address": "12 rue des Rosiers"}, ["body", "delivery_address"]),
        # Refused for a pickup: nobody posts anything.
        (
            {"listing_id": listing.id, "fulfilment": "pickup", "delivery_address": ADDRESS},
            ["body", "delivery_address"],
        ),
    ]
    for body, loc in cases:
        answer = _api_buy(client, buyer, body)
        assert answer.status_code == 422, (body, answer.text)
        assert [e["loc"] for e in answer.json()["detail"]] == [loc], (body, answer.text)
    assert session.exec(select(Order)).first() is None


def test_the_openapi_document_states_the_rule(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    rule = schemas["OrderCreate"]["anyOf"]
    assert rule[0]["required"] == ["delivery_address"]
    assert (
        "refused for a pickup"
        in schemas["OrderCreate"]["properties"]["delivery_address"]["description"]
    )
    address = schemas["DeliveryAddressIn"]
    assert {"FR", "GB", "CN", "CH", "BE"} <= set(address["properties"]["country"]["enum"])
    assert address["properties"]["line1"]["maxLength"] == 120
    assert address["anyOf"][1]["required"] == ["postcode"]


def test_only_the_seller_sees_the_address_once_paid_through_the_api(
    client: TestClient, session: Session
) -> None:
    seller_user, buyer_user = make_user(session), make_user(session)
    seller, buyer = api_headers(session, seller_user), api_headers(session, buyer_user)
    admin = api_headers(session, make_user(session, is_admin=True))
    stranger = api_headers(session, make_user(session))
    listing = make_listing(session, seller_user, shipping_cents=500)
    answer = _api_buy(
        client,
        buyer,
        {"listing_id": listing.id, "fulfilment": "shipping", "delivery_address": ADDRESS},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["delivery_address"] is None  # the buyer's own answer: not echoed
    order_id = answer.json()["id"]
    url = f"/api/v1/orders/{order_id}"
    assert client.get(url, headers=seller).json()["delivery_address"] is None  # not paid yet

    order = session.get(Order, order_id)
    assert order is not None and order.payment_ref
    dev = DevGateway()
    paid = dev.decide(ref=order.payment_ref, succeed=True)
    service.payment_succeeded(
        session=session, gateway=dev, payment_ref=paid.ref, amount_cents=paid.amount_cents
    )
    seen = client.get(url, headers=seller).json()["delivery_address"]
    assert seen == {**ADDRESS}
    for headers in (buyer, admin):
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200 and answer.json()["delivery_address"] is None
        assert STREET not in answer.text
    hidden = client.get(url, headers=stranger)
    assert hidden.status_code == 404 and STREET not in hidden.text
    # Lists carry no address, not even the seller's.
    sales = client.get("/api/v1/orders?role=seller", headers=seller)
    assert sales.status_code == 200 and STREET not in sales.text

    shipped = client.post(f"{url}/ship", json={"tracking": "La Poste 6A1"}, headers=seller)
    assert shipped.json()["delivery_address"]["line1"] == STREET  # shipped, not ended
    done = client.post(f"{url}/confirm", headers=buyer)
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert client.get(url, headers=seller).json()["delivery_address"] is None
    assert session.get(OrderAddress, order_id) is None


# --- The order page --------------------------------------------------------------------


def test_the_order_page_shows_the_address_to_the_seller_alone(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    seller, buyer, order = _paid_parcel(session, gateway, address={"country": "GB"})
    browser_login(client, session, seller)
    page = client.get(f"/orders/{order.id}").text
    assert 'class="address-card"' in page and "Post it to" in page
    assert "Camille Martin" in page and STREET in page and "3e étage, porte gauche" in page
    assert "United Kingdom" in page and "+33 6 12 34 56 78" in page
    assert page.index("Post it to") < page.index('id="tracking"')

    browser_login(client, session, buyer)
    own = client.get(f"/orders/{order.id}").text
    assert "Delivering to Paris" in own
    assert STREET not in own and 'class="address-card"' not in own

    for other in (make_user(session), make_user(session, is_admin=True)):
        browser_login(client, session, other)
        seen = client.get(f"/orders/{order.id}")
        assert STREET not in seen.text
        assert seen.status_code == (200 if other.is_admin else 404)


def test_the_address_is_erased_when_the_order_completes(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    seller, buyer, order = _paid_parcel(session, gateway)
    service.ship(session=session, order=order, seller=seller, tracking="DHL 42")
    assert _stored(session, order) is not None
    browser_login(client, session, seller)
    assert "Delivery address" in client.get(f"/orders/{order.id}").text  # shipped: still there
    service.confirm(session=session, order=order, buyer=buyer)
    assert _stored(session, order) is None
    page = client.get(f"/orders/{order.id}").text
    assert "Completed" in page and STREET not in page
    browser_login(client, session, buyer)
    assert "Delivering to" not in client.get(f"/orders/{order.id}").text


def test_the_address_is_erased_when_the_order_is_cancelled_or_refunded(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    seller, _buyer, order = _paid_parcel(session, gateway)
    browser_login(client, session, seller)
    cancelled = _post(client, f"/orders/{order.id}/cancel")
    assert cancelled.status_code == 303
    session.expire_all()
    assert session.get(Order, order.id).status is OrderStatus.CANCELLED  # type: ignore[union-attr]
    assert _stored(session, order) is None
    assert STREET not in client.get(f"/orders/{order.id}").text

    seller, buyer, disputed = _paid_parcel(session, gateway)
    service.ship(session=session, order=disputed, seller=seller, tracking="DPD 7")
    service.dispute(session=session, order=disputed, buyer=buyer, reason="It never came.")
    assert _stored(session, disputed) is not None
    admin = make_user(session, is_admin=True)
    service.resolve_dispute(
        session=session, order=disputed, admin=admin, outcome="refund", gateway=gateway
    )
    assert disputed.status is OrderStatus.REFUNDED
    assert _stored(session, disputed) is None


def test_an_unpaid_order_cancelled_by_its_buyer_keeps_no_address(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    listing = make_listing(session, make_user(session), shipping_cents=500)
    buyer = make_user(session)
    browser_login(client, session, buyer)
    _post(client, f"/listings/{listing.id}/buy", fulfilment="shipping", **ADDRESS)
    order = _order_of(session, listing)
    assert order is not None and _stored(session, order) is not None
    own = client.get(f"/orders/{order.id}").text
    assert "Delivering to Paris" in own and STREET not in own
    _post(client, f"/orders/{order.id}/cancel")
    assert _stored(session, order) is None
