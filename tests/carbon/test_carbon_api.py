"""The carbon JSON API: estimates with their 422s, my account and ledger, methodology, impact."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from carbon import service as carbon_service
from carbon.estimate import Fulfilment, estimate, methodology
from carbon.models import EntryKind
from resale.trade.orders.models import Order
from tests.factories import api_headers, make_user

ESTIMATE = "/api/v1/carbon/estimate"
JEANS = {"category": "men-jeans", "currency": "EUR", "fulfilment": "pickup"}


def _fields(answer: Any) -> list[str]:
    return [str(error["loc"][-1]) for error in answer.json()["detail"]]


def test_the_estimate_is_the_methodology_s_own_figure(client: TestClient) -> None:
    query = {**JEANS, "mode": "walk_bike", "distance_km": "1.5", "price_cents": "2500"}
    answer = client.get(ESTIMATE, params=query)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    expected = estimate(
        category="men-jeans",
        price_cents=2500,
        currency="EUR",
        weight_kg=None,
        fulfilment="pickup",
        mode="walk_bike",
        distance_km=1.5,
    )
    assert (body["central"], body["low"], body["high"]) == (
        expected.central,
        expected.low,
        expected.high,
    )
    assert body["credited_kg"] == expected.credited_kg > 0
    assert body["statement"] == expected.statement
    assert body["methodology_version"] == expected.methodology_version
    assert body["category_label"] == "Men's clothing › Jeans"
    assert body["mode"] == "walk_bike" and body["trip_km"] == 3.0
    assert body["breakdown"]["new_item"]["central"] == 23.2
    assert body["breakdown"]["transport_kind"] == "trip"
    assert [s["id"] for s in body["sources"]] == [s.id for s in expected.sources]
    assert body["factors"]["inputs"]["distance_km"] == 1.5


def test_a_shipped_item_s_net_cost_is_not_credited(client: TestClient) -> None:
    # A paperback shipped: the parcel emits more than the book avoids.
    query = {"category": "books", "price_cents": "100", "currency": "EUR", "fulfilment": "shipping"}
    body = client.get(ESTIMATE, params=query).json()
    assert body["central"] < 0 and body["is_net_saving"] is False
    assert body["credited_kg"] == 0
    assert "nothing is credited" in body["statement"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "spaceships"}, "category"),
        ({"category": "electronics"}, "category"),  # a group, not a leaf
        ({"currency": "XYZ"}, "currency"),
        ({"weight_kg": "-1"}, "weight_kg"),
        ({"weight_kg": "0"}, "weight_kg"),
        ({"weight_kg": "nan"}, "weight_kg"),
        ({"weight_kg": "heavy"}, "weight_kg"),
        ({"distance_km": "-2"}, "distance_km"),
        ({"distance_km": "inf"}, "distance_km"),
        ({"mode": "teleport"}, "mode"),
        ({"fulfilment": "drone"}, "fulfilment"),
        ({"price_cents": "-5"}, "price_cents"),
        ({"price_cents": "12.50"}, "price_cents"),
        ({"category": "men-suits"}, "price_cents"),  # estimated from the price: none given
    ],
)
def test_every_bad_input_is_a_422_naming_its_field(
    client: TestClient, change: dict[str, str], field: str
) -> None:
    answer = client.get(ESTIMATE, params={**JEANS, **change})
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == [field]
    assert answer.json()["detail"][0]["loc"] == ["query", field]
    assert answer.json()["detail"][0]["msg"]


@pytest.mark.parametrize("missing", ["category", "currency", "fulfilment"])
def test_a_missing_required_input_is_a_422_naming_it(client: TestClient, missing: str) -> None:
    query = {k: v for k, v in JEANS.items() if k != missing}
    answer = client.get(ESTIMATE, params=query)
    assert answer.status_code == 422
    assert _fields(answer) == [missing]


def test_the_account_and_its_entries_need_a_login(client: TestClient) -> None:
    for path in ("/api/v1/carbon/account", "/api/v1/carbon/account/entries"):
        assert client.get(path).status_code == 401
        bad = client.get(path, headers={"Authorization": "Bearer nonsense"})
        assert bad.status_code == 401 and bad.headers["WWW-Authenticate"] == "Bearer"


def test_an_account_without_trades_is_zero(client: TestClient, session: Session) -> None:
    user = make_user(session)
    body = client.get("/api/v1/carbon/account", headers=api_headers(session, user)).json()
    assert body["balance_grams"] == 0 and body["balance_kg"] == 0
    assert (body["entries"], body["trades"], body["monthly"]) == (0, 0, [])
    assert body["methodology_version"] == methodology()["version"]
    page = client.get("/api/v1/carbon/account/entries", headers=api_headers(session, user)).json()
    assert page == {"items": [], "total": 0, "limit": 50, "offset": 0, "next_offset": None}


def test_my_account_is_the_sum_of_my_ledger(
    client: TestClient,
    session: Session,
    trade: Callable[..., Order],
    refund: Callable[[Order], None],
) -> None:
    me, other = make_user(session), make_user(session)
    bought = trade(buyer=me, category="men-jeans")
    sold = trade(seller=me, category="laptops", fulfilment=Fulfilment.SHIPPING, weight_kg=2.1)
    refunded = trade(buyer=me, category="sofas", at=datetime(2025, 3, 10, 12, tzinfo=UTC))
    refund(refunded)
    trade(buyer=other, category="tvs")  # someone else's trade

    entries = carbon_service.entries_of(session=session, user_id=me.id or 0)
    assert len(entries) == 4  # two credits, a credit and its reversal
    headers = api_headers(session, me)
    body = client.get("/api/v1/carbon/account", headers=headers).json()
    assert body["balance_grams"] == sum(e.grams for e in entries) > 0
    assert body["balance_kg"] == body["balance_grams"] / 1000
    assert body["buyer_grams"] == sum(e.grams for e in entries if e.role.value == "buyer")
    assert body["seller_grams"] == sum(e.grams for e in entries if e.role.value == "seller")
    assert body["buyer_grams"] + body["seller_grams"] == body["balance_grams"]
    assert (body["entries"], body["trades"]) == (4, 2)
    assert sum(m["grams"] for m in body["monthly"]) == body["balance_grams"]
    assert sum(m["trades"] for m in body["monthly"]) == 2
    march = next(m for m in body["monthly"] if m["month"] == "2025-03")
    assert march["trades"] == 1  # credited in March 2025 ...
    assert march["grams"] > 0  # ... and reversed this month

    page = client.get("/api/v1/carbon/account/entries", headers=headers).json()
    assert page["total"] == 4 and page["next_offset"] is None
    assert [row["id"] for row in page["items"]] == [e.id for e in entries]  # newest first
    assert {row["order_id"] for row in page["items"]} == {bought.id, sold.id, refunded.id}
    first = page["items"][0]
    assert first["kind"] == "reversal" and first["grams_co2e"] < 0
    assert first["category_label"] == "Furniture › Sofas & armchairs"
    assert first["reverses_id"] is not None
    rows = carbon_service.ledger_rows(entries)
    for got, row in zip(page["items"], rows, strict=True):
        assert datetime.fromisoformat(got.pop("created_at")) == datetime.fromisoformat(
            row.pop("created_at")
        )
        assert got.pop("category_label")
        assert got == row

    first_two = client.get(
        "/api/v1/carbon/account/entries", params={"limit": 2}, headers=headers
    ).json()
    rest = client.get(
        "/api/v1/carbon/account/entries", params={"limit": 2, "offset": 2}, headers=headers
    ).json()
    assert first_two["next_offset"] == 2 and rest["next_offset"] is None
    assert [r["id"] for r in first_two["items"] + rest["items"]] == [e.id for e in entries]
    for bad in ({"limit": 0}, {"limit": 1000}, {"offset": -1}):
        answer = client.get("/api/v1/carbon/account/entries", params=bad, headers=headers)
        assert answer.status_code == 422 and _fields(answer) == list(bad)


def test_the_methodology_is_public_and_whole(client: TestClient) -> None:
    answer = client.get("/api/v1/carbon/methodology")
    assert answer.status_code == 200
    assert answer.json() == methodology()


def test_the_impact_is_the_sum_over_trades(
    client: TestClient,
    session: Session,
    trade: Callable[..., Order],
    refund: Callable[[Order], None],
) -> None:
    empty = client.get("/api/v1/carbon/impact").json()
    assert (empty["total_grams"], empty["trades"], empty["accounts"]) == (0, 0, 0)
    assert empty["by_category"] == [] and empty["by_month"] == []

    alice, bob = make_user(session), make_user(session)
    orders = [
        trade(buyer=alice, seller=bob, category="men-jeans"),
        trade(buyer=bob, category="men-jeans", fulfilment=Fulfilment.SHIPPING),
        trade(seller=alice, category="laptops"),
        trade(category="books", price_cents=100, fulfilment=Fulfilment.SHIPPING),  # net cost
    ]
    refund(trade(category="tvs"))

    credits = [
        e
        for o in orders
        for e in carbon_service.entries_for_order(
            session=session, order_id=o.id or 0, kind=EntryKind.CREDIT
        )
    ]
    trade_grams = {e.order_id: e.trade_grams for e in credits}
    body = client.get("/api/v1/carbon/impact").json()
    assert body["total_grams"] == sum(trade_grams.values()) > 0
    assert body["total_kg"] == body["total_grams"] / 1000
    assert body["trades"] == 4  # the refunded one is taken back out
    assert body["accounts"] == 8  # everyone with an entry, the refunded trade's people too
    by_category = {c["category"]: c for c in body["by_category"]}
    jeans = by_category["men-jeans"]
    assert jeans["grams"] == trade_grams[orders[0].id] + trade_grams[orders[1].id]
    assert (jeans["trades"], jeans["label"]) == (2, "Men's clothing › Jeans")
    assert by_category["books"]["grams"] == 0 and by_category["books"]["trades"] == 1
    assert "tvs" not in by_category  # credited, then reversed: nothing left
    assert sum(c["grams"] for c in body["by_category"]) == body["total_grams"]
    assert sum(m["grams"] for m in body["by_month"]) == body["total_grams"]
    assert sum(m["trades"] for m in body["by_month"]) == body["trades"]
