"""Conversations and offers with fifty requests at once, on SQLite and PostgreSQL: one
conversation per buyer whatever the clicks, messages all stored, two accepts (or an accept
and a Buy) racing end with exactly one reservation, and the live stream delivers."""

from __future__ import annotations

import json
import threading

import httpx2 as httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from listings.models import Listing, ListingReservation, ListingStatus
from resale.conversations.models import Conversation, Message, Offer, OfferStatus
from resale.core.config import settings
from resale.trade.orders.models import Order
from tests.load.conftest import AT_ONCE, at_once, statuses
from tests.load.test_write_paths import _bearer, _listing, _people


def _count(engine: Engine, statement: object) -> int:
    with Session(engine) as session:
        return int(session.exec(statement).one())  # type: ignore[call-overload]


def _start(base_client: httpx.Client, listing_id: int, token: str) -> int:
    answer = base_client.post(
        "/api/v1/conversations", json={"listing_id": listing_id}, headers=_bearer(token)
    )
    assert answer.status_code in (200, 201), answer.text
    return int(answer.json()["id"])


def test_fifty_clicks_on_ask_make_one_conversation(live: str, committed_engine: Engine) -> None:
    listing_id, _ = _listing(committed_engine)
    [(_user, token)] = _people(committed_engine, 1)

    def ask(client: httpx.Client, _i: int) -> httpx.Response:
        return client.post(
            "/api/v1/conversations", json={"listing_id": listing_id}, headers=_bearer(token)
        )

    answers = at_once(live, ask)
    assert set(statuses(answers)) <= {200, 201}
    assert len({a.json()["id"] for a in answers}) == 1
    one = select(func.count()).where(col(Conversation.listing_id) == listing_id)
    assert _count(committed_engine, one) == 1


def test_fifty_messages_at_once_are_all_stored_in_order(
    live: str, committed_engine: Engine
) -> None:
    listing_id, seller_token = _listing(committed_engine)
    people = _people(committed_engine, AT_ONCE)
    with httpx.Client(base_url=live) as client:
        conversations = [_start(client, listing_id, token) for _, token in people]

    def send(client: httpx.Client, i: int) -> httpx.Response:
        return client.post(
            f"/api/v1/conversations/{conversations[i]}/messages",
            json={"body": f"Is it still available? ({i})"},
            headers=_bearer(people[i][1]),
        )

    answers = at_once(live, send)
    assert statuses(answers) == {201: AT_ONCE}
    stored = select(func.count()).where(col(Message.conversation_id).in_(conversations))
    assert _count(committed_engine, stored) == AT_ONCE
    with httpx.Client(base_url=live) as client:
        inbox = client.get("/api/v1/conversations", headers=_bearer(seller_token)).json()
    assert inbox["unread"] == AT_ONCE


def test_the_seller_accepting_fifty_offers_at_once_reserves_for_one_buyer(
    live: str, committed_engine: Engine
) -> None:
    listing_id, seller_token = _listing(committed_engine)
    people = _people(committed_engine, AT_ONCE)
    offers = []
    with httpx.Client(base_url=live) as client:
        for n, (_, token) in enumerate(people):
            cid = _start(client, listing_id, token)
            made = client.post(
                f"/api/v1/conversations/{cid}/offers",
                json={"amount": 9000 + n},
                headers=_bearer(token),
            )
            assert made.status_code == 201, made.text
            offers.append((cid, made.json()["id"]))

    def accept(client: httpx.Client, i: int) -> httpx.Response:
        cid, oid = offers[i]
        return client.post(
            f"/api/v1/conversations/{cid}/offers/{oid}",
            json={"action": "accept"},
            headers=_bearer(seller_token),
        )

    answers = at_once(live, accept)
    assert statuses(answers) == {200: 1, 409: AT_ONCE - 1}
    [winner] = [a.json() for a in answers if a.status_code == 200]
    with Session(committed_engine) as session:
        [reservation] = session.exec(
            select(ListingReservation).where(ListingReservation.listing_id == listing_id)
        ).all()
        assert reservation.price_cents == winner["amount"]
        accepted = session.exec(
            select(Offer).where(
                Offer.listing_id == listing_id, Offer.status == OfferStatus.ACCEPTED
            )
        ).all()
        assert [o.id for o in accepted] == [winner["id"]]
        listing = session.get(Listing, listing_id)
        assert listing is not None and listing.status is ListingStatus.RESERVED


def test_an_accept_racing_direct_buys_ends_with_one_hold(
    live: str, committed_engine: Engine
) -> None:
    listing_id, seller_token = _listing(committed_engine)
    people = _people(committed_engine, AT_ONCE)
    with httpx.Client(base_url=live) as client:
        cid = _start(client, listing_id, people[0][1])
        oid = client.post(
            f"/api/v1/conversations/{cid}/offers",
            json={"amount": 10000},
            headers=_bearer(people[0][1]),
        ).json()["id"]

    def race(client: httpx.Client, i: int) -> httpx.Response:
        if i == 0:
            return client.post(
                f"/api/v1/conversations/{cid}/offers/{oid}",
                json={"action": "accept"},
                headers=_bearer(seller_token),
            )
        return client.post(
            "/api/v1/orders",
            json={"listing_id": listing_id, "fulfilment": "pickup"},
            headers=_bearer(people[i][1]),
        )

    answers = at_once(live, race)
    codes = statuses(answers)
    won = [a for a in answers if a.status_code in (200, 201)]
    assert len(won) == 1, codes
    reservations = select(func.count()).where(col(ListingReservation.listing_id) == listing_id)
    orders = select(func.count()).where(col(Order.listing_id) == listing_id)
    assert _count(committed_engine, reservations) + _count(committed_engine, orders) == 1


def test_a_message_arrives_on_the_open_live_stream(
    live: str, committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Streams look on their own only every minute here: what arrives was woken by the send.
    monkeypatch.setattr(settings, "live_poll_seconds", 60.0)
    listing_id, seller_token = _listing(committed_engine)
    [(_, buyer_token)] = _people(committed_engine, 1)
    with httpx.Client(base_url=live) as client:
        cid = _start(client, listing_id, buyer_token)
    got: list[dict[str, object]] = []
    ready = threading.Event()

    def listen() -> None:
        with (
            httpx.Client(base_url=live, timeout=20) as client,
            client.stream(
                "GET", "/api/v1/conversations/live", headers=_bearer(seller_token)
            ) as stream,
        ):
            name = None
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    name = line[7:]
                    if name == "unread":
                        ready.set()
                elif line.startswith("data: ") and name == "message":
                    got.append(json.loads(line[6:]))
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert ready.wait(10), "the stream never said hello"
    with httpx.Client(base_url=live) as client:
        sent = client.post(
            f"/api/v1/conversations/{cid}/messages",
            json={"body": "Hello from the buyer"},
            headers=_bearer(buyer_token),
        )
    assert sent.status_code == 201
    thread.join(20)
    assert got and got[0]["body"] == "Hello from the buyer"
    assert got[0]["mine"] is False


def test_a_stranger_cannot_open_a_stream(live: str, committed_engine: Engine) -> None:
    with httpx.Client(base_url=live) as client:
        assert client.get("/api/v1/conversations/live").status_code == 401
        page = client.get("/messages/1/live")  # a page's stream: to the login page
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
