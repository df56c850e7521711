"""The orders JSON API: buying, permissions, wrong states, field errors, safe retries."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from resale.trade.orders import service
from resale.trade.orders.models import Order
from resale.trade.payments.dev_gateway import DevGateway
from tests.factories import ADDRESS, api_headers, make_listing, make_user


def _buy(
    client: TestClient, headers: dict[str, str], listing_id: int, fulfilment: str = "pickup"
) -> Any:
    body: dict[str, Any] = {"listing_id": listing_id, "fulfilment": fulfilment}
    if fulfilment == "shipping":
        body["delivery_address"] = ADDRESS
    return client.post("/api/v1/orders", json=body, headers=headers)


def _pay(session: Session, order_id: int) -> None:
    """The buyer presses "pay" on the development gateway's page."""
    order = session.get(Order, order_id)
    assert order is not None and order.payment_ref
    gateway = DevGateway()
    paid = gateway.decide(ref=order.payment_ref, succeed=True)
    service.payment_succeeded(
        session=session, gateway=gateway, payment_ref=paid.ref, amount_cents=paid.amount_cents
    )


def _setup(session: Session, **listing: Any) -> tuple[dict[str, str], dict[str, str], int]:
    seller = make_user(session)
    buyer = make_user(session)
    item = make_listing(session, seller, **{"shipping_cents": 500, "price_cents": 3000, **listing})
    assert item.id is not None
    return api_headers(session, seller), api_headers(session, buyer), item.id


def test_buying_opens_an_order_and_a_payment(client: TestClient, session: Session) -> None:
    _, buyer, listing_id = _setup(session)
    answer = _buy(client, buyer, listing_id, "shipping")
    assert answer.status_code == 201, answer.text
    order = answer.json()
    assert order["status"] == "pending_payment" and order["role"] == "buyer"
    assert (order["item_cents"], order["shipping_cents"], order["total_cents"]) == (3000, 500, 3500)
    assert order["payment"]["gateway"] == "dev"
    assert order["payment"]["next_action_url"].startswith("/payments/dev/")
    assert order["events"][0]["kind"] == "created" and order["events"][0]["actor"] == "buyer"


def test_buying_twice_returns_the_same_order(client: TestClient, session: Session) -> None:
    _, buyer, listing_id = _setup(session)
    first = _buy(client, buyer, listing_id)
    second = _buy(client, buyer, listing_id)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["payment"]["next_action_url"] == second.json()["payment"]["next_action_url"]


def test_the_price_comes_from_the_listing_not_the_request(
    client: TestClient, session: Session
) -> None:
    _, buyer, listing_id = _setup(session)
    answer = client.post(
        "/api/v1/orders",
        json={"listing_id": listing_id, "fulfilment": "pickup", "total_cents": 1, "price_cents": 1},
        headers=buyer,
    )
    assert answer.status_code == 201
    assert answer.json()["total_cents"] == 3000


def test_bad_input_names_the_field(client: TestClient, session: Session) -> None:
    seller, buyer, listing_id = _setup(session, shipping_cents=None)
    cases = [
        (buyer, {"listing_id": listing_id, "fulfilment": "teleport"}, 422, "fulfilment"),
        (
            buyer,
            {"listing_id": listing_id, "fulfilment": "shipping", "delivery_address": ADDRESS},
            422,
            "fulfilment",
        ),
        (seller, {"listing_id": listing_id, "fulfilment": "pickup"}, 422, "listing_id"),
        (buyer, {"listing_id": 10**9, "fulfilment": "pickup"}, 404, "listing_id"),
    ]
    for headers, body, status, field in cases:
        answer = client.post("/api/v1/orders", json=body, headers=headers)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["detail"][0]["loc"][-1] == field
    assert (
        client.post(
            "/api/v1/orders", json={"listing_id": listing_id, "fulfilment": "pickup"}
        ).status_code
        == 401
    )


def test_a_whole_pickup_through_the_api(client: TestClient, session: Session) -> None:
    seller, buyer, listing_id = _setup(session)
    bought = _buy(client, buyer, listing_id).json()
    order_id = bought["id"]
    assert bought["actions"] == ["pay", "cancel"]
    unpaid = client.get(f"/api/v1/orders/{order_id}", headers=seller).json()
    assert unpaid["handover_code"] is None and unpaid["actions"] == ["cancel"]
    assert client.get(f"/api/v1/orders/{order_id}", headers=buyer).json()["handover_code"] is None
    _pay(session, order_id)
    seen_by_buyer = client.get(f"/api/v1/orders/{order_id}", headers=buyer).json()
    seen_by_seller = client.get(f"/api/v1/orders/{order_id}", headers=seller).json()
    assert seen_by_buyer["actions"] == []  # paid: the buyer waits for the meeting
    assert seen_by_seller["actions"] == ["cancel", "handover"]
    code = seen_by_buyer["handover_code"]
    assert seen_by_buyer["status"] == "paid" and len(code) == 6
    assert seen_by_seller["handover_code"] is None and seen_by_seller["role"] == "seller"
    wrong = "000000" if code != "000000" else "111111"
    answer = client.post(
        f"/api/v1/orders/{order_id}/handover", json={"code": wrong}, headers=seller
    )
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "code"]
    done = client.post(f"/api/v1/orders/{order_id}/handover", json={"code": code}, headers=seller)
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert done.json()["actions"] == []
    again = client.post(f"/api/v1/orders/{order_id}/handover", json={"code": code}, headers=seller)
    assert again.status_code == 200 and again.json()["events"] == done.json()["events"]
    assert client.get(f"/api/v1/listings/{listing_id}").json()["status"] == "sold"
    kinds = [e["kind"] for e in done.json()["events"]]
    assert kinds.count("wrong_code") == 1 and kinds.count("completed") == 1


def test_every_action_is_safe_to_send_twice(client: TestClient, session: Session) -> None:
    seller, buyer, listing_id = _setup(session)
    order_id = _buy(client, buyer, listing_id, "shipping").json()["id"]
    _pay(session, order_id)
    steps = [
        (seller, "ship", {"tracking": "La Poste 8R0001"}),
        (buyer, "confirm", None),
    ]
    for headers, action, body in steps:
        first = client.post(f"/api/v1/orders/{order_id}/{action}", json=body, headers=headers)
        second = client.post(f"/api/v1/orders/{order_id}/{action}", json=body, headers=headers)
        assert first.status_code == second.status_code == 200, second.text
        assert first.json()["events"] == second.json()["events"]
    assert second.json()["status"] == "completed"


def test_strangers_wrong_parties_and_wrong_states(client: TestClient, session: Session) -> None:
    seller, buyer, listing_id = _setup(session)
    stranger = api_headers(session, make_user(session))
    order_id = _buy(client, buyer, listing_id, "shipping").json()["id"]
    # A stranger learns nothing, not even that the order exists.
    assert client.get(f"/api/v1/orders/{order_id}", headers=stranger).status_code == 404
    assert client.post(f"/api/v1/orders/{order_id}/cancel", headers=stranger).status_code == 404
    # The wrong party.
    assert client.post(f"/api/v1/orders/{order_id}/confirm", headers=seller).status_code == 403
    ship = client.post(f"/api/v1/orders/{order_id}/ship", json={"tracking": "X1"}, headers=buyer)
    assert ship.status_code == 403
    # The wrong state: not paid yet.
    ship = client.post(f"/api/v1/orders/{order_id}/ship", json={"tracking": "X1"}, headers=seller)
    assert ship.status_code == 409
    dispute = client.post(
        f"/api/v1/orders/{order_id}/dispute", json={"reason": "Never arrived"}, headers=buyer
    )
    assert dispute.status_code == 409
    assert (
        client.post(
            f"/api/v1/orders/{order_id}/resolve", json={"outcome": "refund"}, headers=buyer
        ).status_code
        == 403
    )
    # Field errors name the field.
    _pay(session, order_id)
    blank = client.post(f"/api/v1/orders/{order_id}/ship", json={"tracking": ""}, headers=seller)
    assert blank.status_code == 422 and blank.json()["detail"][0]["loc"][-1] == "tracking"


def test_shipping_dispute_and_refund_through_the_api(client: TestClient, session: Session) -> None:
    seller, buyer, listing_id = _setup(session)
    admin = api_headers(session, make_user(session, is_admin=True))
    order_id = _buy(client, buyer, listing_id, "shipping").json()["id"]
    _pay(session, order_id)
    shipped = client.post(
        f"/api/v1/orders/{order_id}/ship", json={"tracking": "DPD 0042"}, headers=seller
    )
    assert shipped.json()["actions"] == []
    assert client.get(f"/api/v1/orders/{order_id}", headers=buyer).json()["actions"] == [
        "confirm",
        "dispute",
    ]
    opened = client.post(
        f"/api/v1/orders/{order_id}/dispute",
        json={"reason": "The screen is cracked."},
        headers=buyer,
    )
    assert opened.json()["status"] == "disputed"
    assert client.get(f"/api/v1/orders/{order_id}", headers=admin).json()["actions"] == ["resolve"]
    decided = client.post(
        f"/api/v1/orders/{order_id}/resolve", json={"outcome": "refund"}, headers=admin
    )
    assert decided.status_code == 200 and decided.json()["status"] == "refunded"
    assert decided.json()["role"] == "admin"
    assert (
        client.get(f"/api/v1/listings/{listing_id}", headers=seller).json()["status"] == "withdrawn"
    )


def test_lists_of_purchases_and_sales(client: TestClient, session: Session) -> None:
    seller, buyer, listing_id = _setup(session)
    order_id = _buy(client, buyer, listing_id).json()["id"]
    purchases = client.get("/api/v1/orders?role=buyer", headers=buyer).json()
    sales = client.get("/api/v1/orders?role=seller", headers=seller).json()
    assert [o["id"] for o in purchases] == [order_id] == [o["id"] for o in sales]
    assert client.get("/api/v1/orders?role=seller", headers=buyer).json() == []
    bad = client.get("/api/v1/orders?role=thief", headers=buyer)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "role"]


def test_the_buyer_cancels_before_paying(client: TestClient, session: Session) -> None:
    _, buyer, listing_id = _setup(session)
    order_id = _buy(client, buyer, listing_id).json()["id"]
    first = client.post(f"/api/v1/orders/{order_id}/cancel", headers=buyer)
    second = client.post(f"/api/v1/orders/{order_id}/cancel", headers=buyer)
    assert first.json()["status"] == second.json()["status"] == "cancelled"
    assert client.get(f"/api/v1/listings/{listing_id}").json()["status"] == "active"
