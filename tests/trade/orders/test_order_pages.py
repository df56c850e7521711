"""Buying through the pages: buy page, the development pay page, the order page and its
forms, my purchases and my sales — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from listings.models import Listing, ListingStatus
from resale.trade.orders.models import Order, OrderStatus
from resale.trade.payments.dependencies import gateway_dependency
from resale.trade.payments.dev_gateway import DevGateway
from resale.trade.payments.models import PaymentEvent
from resale.trade.payments.stripe_gateway import StripeGateway
from resale.users.models import User
from tests.factories import (
    ADDRESS,
    LYON,
    api_headers,
    browser_login,
    csrf,
    make_listing,
    make_user,
)
from tests.live import free_port


@pytest.fixture
def gateway(app: FastAPI, tmp_path: Path) -> DevGateway:
    """The development gateway, with its books in this test's own file."""
    dev = DevGateway(path=tmp_path / "dev-payments.db")
    app.dependency_overrides[gateway_dependency] = lambda: dev
    return dev


def _post(client: TestClient, path: str, **data: str) -> Any:
    return client.post(path, data={"csrf_token": csrf(client), **data}, follow_redirects=False)


def _flash_page(client: TestClient, response: Any) -> str:
    assert response.status_code == 303, response.text
    return str(client.get(response.headers["location"]).text)


def _order(session: Session, listing: Listing) -> Order:
    session.expire_all()
    return session.exec(select(Order).where(Order.listing_id == listing.id)).one()


def _buy(client: TestClient, session: Session, buyer: User, listing: Listing, how: str) -> Order:
    """The buyer chooses how to get the item and is sent to the pay page."""
    browser_login(client, session, buyer)
    address = ADDRESS if how == "shipping" else {}
    response = _post(client, f"/listings/{listing.id}/buy", fulfilment=how, **address)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/payments/dev/devpay_")
    return _order(session, listing)


def _paid(client: TestClient, session: Session, buyer: User, listing: Listing, how: str) -> Order:
    order = _buy(client, session, buyer, listing, how)
    response = _post(client, f"/payments/dev/{order.payment_ref}/succeed")
    assert response.headers["location"] == f"/orders/{order.id}"
    return _order(session, listing)


def test_buy_page_shows_both_ways_with_prices_and_protection(
    client: TestClient, session: Session
) -> None:
    seller, buyer = make_user(session), make_user(session, **LYON)
    listing = make_listing(session, seller, shipping_cents=650)
    browser_login(client, session, buyer)
    page = client.get(f"/listings/{listing.id}/buy")
    assert page.status_code == 200
    text = page.text
    assert 'value="pickup" checked' in text
    assert "Paris, Le Marais" in text
    assert "390 km from your home" in text
    assert "+ €6.50" in text and "€126.50" in text and "€120" in text
    assert "Buyer protection: we hold your money until you have the item" in text
    listing_page = client.get(f"/listings/{listing.id}").text
    assert f'href="/listings/{listing.id}/buy"' in listing_page
    assert "Shipping €6.50 or pickup" in listing_page


def test_pickup_only_listing_offers_no_shipping(client: TestClient, session: Session) -> None:
    seller, buyer = make_user(session), make_user(session)
    listing = make_listing(session, seller)
    browser_login(client, session, buyer)
    text = client.get(f"/listings/{listing.id}/buy").text
    assert 'value="pickup"' in text
    assert 'value="shipping"' not in text
    assert "Pickup only" in client.get(f"/listings/{listing.id}").text


def test_buying_asks_a_visitor_to_log_in_first(client: TestClient, session: Session) -> None:
    listing = make_listing(session, make_user(session))
    response = client.get(f"/listings/{listing.id}/buy", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/listings/{listing.id}/buy"


def test_a_seller_cannot_buy_their_own_listing(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    seller = make_user(session)
    listing = make_listing(session, seller)
    browser_login(client, session, seller)
    shown = client.get(f"/listings/{listing.id}/buy", follow_redirects=False)
    assert shown.headers["location"] == f"/listings/{listing.id}"
    assert "This is your own listing." in _flash_page(client, shown)
    posted = _post(client, f"/listings/{listing.id}/buy", fulfilment="pickup")
    assert "You cannot buy your own listing." in _flash_page(client, posted)
    assert session.exec(select(Order)).first() is None


def test_shipping_is_refused_when_the_seller_does_not_ship(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    listing = make_listing(session, make_user(session))
    browser_login(client, session, make_user(session))
    response = _post(client, f"/listings/{listing.id}/buy", fulfilment="shipping")
    assert response.status_code == 422
    assert 'id="fulfilment-error"' in response.text
    assert "does not ship this item" in response.text
    missing = _post(client, f"/listings/{listing.id}/buy")
    assert missing.status_code == 422
    assert "Choose pickup or shipping." in missing.text
    session.refresh(listing)
    assert listing.status is ListingStatus.ACTIVE


def test_placing_an_order_reserves_the_item_and_opens_the_dev_pay_page(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    seller, buyer = make_user(session), make_user(session)
    listing = make_listing(session, seller, shipping_cents=500)
    order = _buy(client, session, buyer, listing, "shipping")
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert order.total_cents == 12500
    session.refresh(listing)
    assert listing.status is ListingStatus.RESERVED
    pay = client.get(f"/payments/dev/{order.payment_ref}")
    assert pay.status_code == 200
    assert "Development payment gateway" in pay.text
    assert "no real money moves" in pay.text
    assert "€125" in pay.text
    assert "Pay (succeeds)" in pay.text and "Decline the card (fails)" in pay.text
    # Buying again goes back to the same order, not a second one.
    again = client.get(f"/listings/{listing.id}/buy", follow_redirects=False)
    assert again.headers["location"] == f"/orders/{order.id}"
    page = client.get(f"/orders/{order.id}").text
    assert "Waiting for payment" in page
    assert "Pay now" in page
    assert "Reserved for you until" in page
    # Someone else sees the item is taken.
    browser_login(client, session, make_user(session))
    other = client.get(f"/listings/{listing.id}/buy", follow_redirects=False)
    assert "no longer available" in _flash_page(client, other)
    assert "Reserved" in client.get(f"/listings/{listing.id}").text


def test_a_provider_that_cannot_be_reached_leaves_no_order_behind(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    # A real Stripe client, pointed at a loopback port where nothing listens.
    down = StripeGateway("sk_test_down", "whsec_down", api_base=f"http://127.0.0.1:{free_port()}")
    app.dependency_overrides[gateway_dependency] = lambda: down
    seller, buyer = make_user(session), make_user(session)
    listing = make_listing(session, seller, shipping_cents=500)
    browser_login(client, session, buyer)
    page = _post(client, f"/listings/{listing.id}/buy", fulfilment="shipping", **ADDRESS)
    assert page.headers["location"] == f"/listings/{listing.id}"
    assert "The payment could not be started" in _flash_page(client, page)
    api = client.post(
        "/api/v1/orders",
        json={"listing_id": listing.id, "fulfilment": "shipping", "delivery_address": ADDRESS},
        headers=api_headers(session, buyer),
    )
    assert api.status_code == 502, api.text
    assert "could not be started" in api.json()["detail"]
    session.expire_all()
    assert session.exec(select(Order).where(Order.listing_id == listing.id)).first() is None
    assert session.get(Listing, listing.id).status is ListingStatus.ACTIVE  # type: ignore[union-attr]


def test_paying_on_the_dev_page_marks_the_order_paid_once(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    seller, buyer = make_user(session), make_user(session)
    listing = make_listing(session, seller)
    order = _buy(client, session, buyer, listing, "pickup")
    response = _post(client, f"/payments/dev/{order.payment_ref}/succeed")
    page = _flash_page(client, response)
    assert "Payment received" in page
    order = _order(session, listing)
    assert order.status is OrderStatus.PAID
    assert "Your hand-over code" in page
    assert "".join(f"<span>{d}</span>" for d in order.handover_code) in page
    # Pressing again (a second tab, a double click) changes nothing.
    again = _post(client, f"/payments/dev/{order.payment_ref}/succeed")
    assert again.headers["location"] == f"/orders/{order.id}"
    assert len(session.exec(select(PaymentEvent)).all()) == 1
    assert _order(session, listing).status is OrderStatus.PAID
    decided = client.get(f"/payments/dev/{order.payment_ref}", follow_redirects=False)
    assert decided.headers["location"] == f"/orders/{order.id}"


def test_a_declined_card_keeps_the_order_open_to_pay_again(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    seller, buyer = make_user(session), make_user(session)
    listing = make_listing(session, seller)
    order = _buy(client, session, buyer, listing, "pickup")
    first_ref = order.payment_ref
    page = _flash_page(client, _post(client, f"/payments/dev/{first_ref}/fail"))
    assert "Your card was declined — try again" in page
    assert "Pay now" in page
    order = _order(session, listing)
    assert order.status is OrderStatus.PENDING_PAYMENT
    retry = _post(client, f"/orders/{order.id}/pay")
    assert retry.status_code == 303
    assert retry.headers["location"].startswith("/payments/dev/devpay_")
    assert _order(session, listing).payment_ref not in (None, first_ref)


def test_the_seller_completes_a_pickup_with_the_buyers_code(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    seller, buyer = make_user(session), make_user(session)
    listing = make_listing(session, seller)
    order = _paid(client, session, buyer, listing, "pickup")
    browser_login(client, session, seller)
    page = client.get(f"/orders/{order.id}").text
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page
    assert "Handed over without a code" in page
    assert "Your hand-over code" not in page
    assert "".join(f"<span>{d}</span>" for d in order.handover_code) not in page

    wrong = "000000" if order.handover_code != "000000" else "111111"
    refused = _post(client, f"/orders/{order.id}/handover", code=wrong)
    assert refused.status_code == 422
    assert 'id="code-error"' in refused.text
    assert "That is not the buyer&#39;s code." in refused.text
    assert f'value="{wrong}"' in refused.text
    assert "A wrong hand-over code was entered" in refused.text
    order = _order(session, listing)
    assert order.status is OrderStatus.PAID
    assert order.handover_failures == 1
    blank = _post(client, f"/orders/{order.id}/handover", code=" ")
    assert "Enter the 6-digit code" in blank.text

    done = _post(client, f"/orders/{order.id}/handover", code=order.handover_code)
    page = _flash_page(client, done)
    assert "Code accepted" in page
    assert "Completed" in page
    assert "Your share" in page
    assert _order(session, listing).status is OrderStatus.COMPLETED
    session.refresh(listing)
    assert listing.status is ListingStatus.SOLD
    assert "Sold" in client.get(f"/listings/{listing.id}").text


def test_strangers_see_no_order_and_no_payment(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    seller, buyer = make_user(session), make_user(session)
    listing = make_listing(session, seller)
    order = _buy(client, session, buyer, listing, "pickup")
    browser_login(client, session, make_user(session))
    assert client.get(f"/orders/{order.id}").status_code == 404
    assert _post(client, f"/orders/{order.id}/cancel").status_code == 404
    assert client.get(f"/payments/dev/{order.payment_ref}").status_code == 404
    assert _post(client, f"/payments/dev/{order.payment_ref}/succeed").status_code == 404
    # Nor does the seller pay on the buyer's behalf.
    browser_login(client, session, seller)
    assert _post(client, f"/payments/dev/{order.payment_ref}/succeed").status_code == 404
    assert _order(session, listing).status is OrderStatus.PENDING_PAYMENT


def test_the_pay_page_exists_only_with_the_dev_gateway(
    client: TestClient, session: Session, app: FastAPI
) -> None:
    class NotDev:
        name = "stripe"

    app.dependency_overrides[gateway_dependency] = NotDev
    browser_login(client, session, make_user(session))
    assert client.get("/payments/dev/devpay_0123").status_code == 404


def test_the_wrong_party_gets_a_message_not_a_change(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    seller, buyer = make_user(session), make_user(session)
    listing = make_listing(session, seller, shipping_cents=0)
    order = _paid(client, session, buyer, listing, "shipping")
    shipped = _post(client, f"/orders/{order.id}/ship", tracking="DHL 123")
    assert "Only the seller can" in _flash_page(client, shipped)
    cancel = _post(client, f"/orders/{order.id}/cancel")
    assert "ask the seller to cancel" in _flash_page(client, cancel)
    assert _order(session, listing).status is OrderStatus.PAID


def test_shipping_confirmation_and_the_sales_page(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    seller, buyer = make_user(session), make_user(session)
    listing = make_listing(session, seller, shipping_cents=650, title="Wool blanket")
    order = _paid(client, session, buyer, listing, "shipping")
    browser_login(client, session, seller)
    assert 'id="tracking"' in client.get(f"/orders/{order.id}").text
    empty = _post(client, f"/orders/{order.id}/ship", tracking="   ")
    assert empty.status_code == 422
    assert 'id="tracking-error"' in empty.text
    shipped = _post(client, f"/orders/{order.id}/ship", tracking="La Poste 6A123")
    assert "Marked as shipped" in _flash_page(client, shipped)

    browser_login(client, session, buyer)
    page = client.get(f"/orders/{order.id}").text
    assert "La Poste 6A123" in page
    assert "Confirm I received it" in page and "Report a problem" in page
    confirmed = _post(client, f"/orders/{order.id}/confirm")
    assert "The order is complete" in _flash_page(client, confirmed)
    assert _order(session, listing).status is OrderStatus.COMPLETED

    purchases = client.get("/me/purchases").text
    assert "Wool blanket" in purchases
    assert "badge--completed" in purchases
    assert "€126.50" in purchases
    assert f'href="/orders/{order.id}"' in purchases
    browser_login(client, session, seller)
    sales = client.get("/me/sales").text
    assert "Wool blanket" in sales
    assert "Your payable balance: <strong>€126.50</strong>" in sales
    assert "connect a Stripe account" in sales


def test_a_dispute_is_refunded_by_an_admin(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    seller, buyer = make_user(session), make_user(session)
    admin = make_user(session, is_admin=True)
    listing = make_listing(session, seller, shipping_cents=400)
    order = _paid(client, session, buyer, listing, "shipping")
    browser_login(client, session, seller)
    _post(client, f"/orders/{order.id}/ship", tracking="Colissimo 42")

    browser_login(client, session, buyer)
    short = _post(client, f"/orders/{order.id}/dispute", reason="bad")
    assert short.status_code == 422
    assert 'id="reason-error"' in short.text
    assert '<details class="dispute" open>' in short.text
    opened = _post(client, f"/orders/{order.id}/dispute", reason="It arrived with a cracked leg.")
    assert "Problem reported" in _flash_page(client, opened)
    assert "Refund the buyer" not in client.get(f"/orders/{order.id}").text

    browser_login(client, session, admin)
    page = client.get(f"/orders/{order.id}").text
    assert "Refund the buyer" in page and "Release to the seller" in page
    assert "It arrived with a cracked leg." in page
    refunded = _post(client, f"/orders/{order.id}/resolve", outcome="refund")
    assert "the buyer is refunded" in _flash_page(client, refunded)
    order = _order(session, listing)
    assert order.status is OrderStatus.REFUNDED
    assert order.refund_ref
    session.refresh(listing)
    assert listing.status is ListingStatus.WITHDRAWN


def test_cancelling_before_payment_frees_the_item(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    listing = make_listing(session, make_user(session))
    order = _buy(client, session, make_user(session), listing, "pickup")
    response = _post(client, f"/orders/{order.id}/cancel")
    assert "The order is cancelled" in _flash_page(client, response)
    assert _order(session, listing).status is OrderStatus.CANCELLED
    session.refresh(listing)
    assert listing.status is ListingStatus.ACTIVE


def test_the_lists_say_when_there_is_nothing_yet(client: TestClient, session: Session) -> None:
    browser_login(client, session, make_user(session))
    assert "You have not bought anything yet." in client.get("/me/purchases").text
    sales = client.get("/me/sales").text
    assert "No sales yet." in sales
    assert "Your payable balance: <strong>€0.00</strong>" in sales


def test_the_sell_form_takes_a_shipping_price(client: TestClient, session: Session) -> None:
    seller = make_user(session)
    listing = make_listing(session, seller)
    browser_login(client, session, seller)
    form = {
        "title": "Oak dining table",
        "description": "Solid oak.",
        "category": "tables",
        "condition": "good",
        "price": "120",
        "currency": "EUR",
        "place_slug": "home",
    }
    bad = _post(client, f"/listings/{listing.id}/edit", **form, shipping="lots")
    assert bad.status_code == 422
    assert 'id="shipping-error"' in bad.text
    assert 'value="lots"' in bad.text
    negative = _post(client, f"/listings/{listing.id}/edit", **form, shipping="-2")
    assert 'id="shipping-error"' in negative.text
    _post(client, f"/listings/{listing.id}/edit", **form, shipping="6,50")
    session.refresh(listing)
    assert listing.shipping_cents == 650
    assert 'value="6.50"' in client.get(f"/listings/{listing.id}/edit").text
    _post(client, f"/listings/{listing.id}/edit", **form, shipping="")
    session.refresh(listing)
    assert listing.shipping_cents is None
    assert session.exec(select(Listing).where(col(Listing.shipping_cents).is_not(None))).all() == []
