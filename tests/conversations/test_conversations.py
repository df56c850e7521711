"""Conversations and offers through the API: who may read, blocks, limits, the offer state
machine (every action twice), expiry, the price of an order placed from an offer, warnings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from listings.models import Listing, ListingStatus
from resale.conversations import service
from resale.conversations.models import Offer, OfferStatus
from resale.core.config import settings
from resale.core.db import utcnow
from resale.core.notifications.models import Notification
from resale.users.models import User
from tests.factories import api_headers, make_listing, make_user

API = "/api/v1"


@pytest.fixture
def seller(session: Session) -> User:
    return make_user(session, display_name="Camille")


@pytest.fixture
def buyer(session: Session) -> User:
    return make_user(session, display_name="Wei")


@pytest.fixture
def listing(session: Session, seller: User) -> Listing:
    return make_listing(session, seller, title="Brompton folding bike", price_cents=80000)


def start(client: TestClient, session: Session, user: User, listing: Listing) -> dict[str, Any]:
    response = client.post(
        f"{API}/conversations", json={"listing_id": listing.id}, headers=api_headers(session, user)
    )
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def post(client: TestClient, session: Session, user: User, path: str, body: Any = None) -> Any:
    return client.post(f"{API}{path}", json=body, headers=api_headers(session, user))


def test_a_buyer_asks_and_the_seller_reads_and_answers(
    client: TestClient, session: Session, seller: User, buyer: User, listing: Listing
) -> None:
    first = start(client, session, buyer, listing)
    again = client.post(
        f"{API}/conversations", json={"listing_id": listing.id}, headers=api_headers(session, buyer)
    )
    assert again.status_code == 200 and again.json()["id"] == first["id"]  # one per listing+buyer
    cid = first["id"]
    sent = post(
        client, session, buyer, f"/conversations/{cid}/messages", {"body": "Still available?"}
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["mine"] is True and sent.json()["sender"] == "buyer"

    inbox = client.get(f"{API}/conversations", headers=api_headers(session, seller)).json()
    assert inbox["unread"] == 1
    assert inbox["items"][0]["other_party"] == "Wei"
    page = client.get(
        f"{API}/conversations/{cid}/messages", headers=api_headers(session, seller)
    ).json()
    assert [m["body"] for m in page["items"]] == ["Still available?"]
    assert page["items"][0]["mine"] is False
    assert post(client, session, seller, f"/conversations/{cid}/read").status_code == 204
    assert (
        client.get(f"{API}/conversations", headers=api_headers(session, seller)).json()["unread"]
        == 0
    )
    post(client, session, seller, f"/conversations/{cid}/messages", {"body": "Yes, come by."})
    told = session.exec(select(Notification).where(Notification.recipient_id == buyer.id)).all()
    assert [n.kind for n in told] == ["conversation.message"]
    assert told[0].link == f"/messages/{cid}"


def test_a_stranger_gets_404_and_an_admin_may_read_but_not_write(
    client: TestClient, session: Session, buyer: User, listing: Listing
) -> None:
    cid = start(client, session, buyer, listing)["id"]
    post(client, session, buyer, f"/conversations/{cid}/messages", {"body": "Hello"})
    stranger = make_user(session)
    for method, path, body in [
        ("get", f"/conversations/{cid}", None),
        ("get", f"/conversations/{cid}/messages", None),
        ("post", f"/conversations/{cid}/messages", {"body": "hi"}),
        ("post", f"/conversations/{cid}/offers", {"amount": 100}),
        ("post", f"/conversations/{cid}/read", None),
    ]:
        response = getattr(client, method)(
            f"{API}{path}",
            headers=api_headers(session, stranger),
            **({"json": body} if body else {}),
        )
        assert response.status_code == 404, (path, response.text)
    admin = make_user(session, is_admin=True)
    assert (
        client.get(
            f"{API}/conversations/{cid}/messages", headers=api_headers(session, admin)
        ).status_code
        == 200
    )
    refused = post(client, session, admin, f"/conversations/{cid}/messages", {"body": "hi"})
    assert refused.status_code == 404


def test_blocking_stops_messages_and_offers_both_ways(
    client: TestClient, session: Session, seller: User, buyer: User, listing: Listing
) -> None:
    cid = start(client, session, buyer, listing)["id"]
    assert (
        client.put(
            f"{API}/users/{buyer.id}/block", headers=api_headers(session, seller)
        ).status_code
        == 204
    )
    assert (
        client.put(
            f"{API}/users/{buyer.id}/block", headers=api_headers(session, seller)
        ).status_code
        == 204
    )
    for user, path, body in [
        (buyer, f"/conversations/{cid}/messages", {"body": "hello?"}),
        (seller, f"/conversations/{cid}/messages", {"body": "no"}),
        (buyer, f"/conversations/{cid}/offers", {"amount": 50000}),
    ]:
        response = post(client, session, user, path, body)
        assert response.status_code == 403, response.text
        assert "blocked" in response.json()["detail"][0]["msg"]
    other = make_listing(session, seller, title="Another bike")
    assert (
        post(client, session, buyer, "/conversations", {"listing_id": other.id}).status_code == 403
    )
    assert (
        client.delete(
            f"{API}/users/{buyer.id}/block", headers=api_headers(session, seller)
        ).status_code
        == 204
    )
    assert (
        post(client, session, buyer, f"/conversations/{cid}/messages", {"body": "hi"}).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   "}, "body"),
        ({"body": "x" * 2001}, "body"),
        ({}, "body"),
    ],
)
def test_a_bad_message_is_a_422_naming_the_field(
    client: TestClient, session: Session, buyer: User, listing: Listing, body: Any, field: str
) -> None:
    cid = start(client, session, buyer, listing)["id"]
    response = post(client, session, buyer, f"/conversations/{cid}/messages", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field


def test_too_many_messages_is_a_429_with_retry_after(
    client: TestClient,
    session: Session,
    buyer: User,
    listing: Listing,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "messages_per_minute", 3)
    cid = start(client, session, buyer, listing)["id"]
    for n in range(3):
        assert (
            post(
                client, session, buyer, f"/conversations/{cid}/messages", {"body": f"m{n}"}
            ).status_code
            == 201
        )
    refused = post(client, session, buyer, f"/conversations/{cid}/messages", {"body": "m4"})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert "wait a minute" in refused.json()["detail"]


def test_too_many_new_conversations_is_a_429(
    client: TestClient, session: Session, seller: User, buyer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "conversations_per_hour", 2)
    items = [make_listing(session, seller, title=f"Lamp {n}") for n in range(3)]
    for item in items[:2]:
        start(client, session, buyer, item)
    refused = post(client, session, buyer, "/conversations", {"listing_id": items[2].id})
    assert refused.status_code == 429
    start(client, session, buyer, items[0])  # an existing one opens all the same


def test_off_platform_contact_is_delivered_with_a_warning_for_the_reader(
    client: TestClient, session: Session, seller: User, buyer: User, listing: Listing
) -> None:
    cid = start(client, session, buyer, listing)["id"]
    text = "加微信 wx123456 聊，或者 WhatsApp +33 6 12 34 56 78, pay by bank transfer"
    sent = post(client, session, seller, f"/conversations/{cid}/messages", {"body": text})
    assert sent.status_code == 201
    assert sent.json()["warnings"] == []  # the writer is not warned about their own words
    [read] = client.get(
        f"{API}/conversations/{cid}/messages", headers=api_headers(session, buyer)
    ).json()["items"]
    assert read["body"] == text  # delivered as written
    assert len(read["warnings"]) >= 2
    clean = post(
        client, session, seller, f"/conversations/{cid}/messages", {"body": "可小刀，自提"}
    )
    assert clean.status_code == 201
    page = client.get(f"{API}/conversations/{cid}/messages", headers=api_headers(session, buyer))
    assert page.json()["items"][-1]["warnings"] == []


def _offer(client: TestClient, session: Session, user: User, cid: int, amount: int) -> Any:
    return post(client, session, user, f"/conversations/{cid}/offers", {"amount": amount})


def _answer(
    client: TestClient,
    session: Session,
    user: User,
    cid: int,
    oid: int,
    action: str,
    amount: int | None = None,
) -> Any:
    body: dict[str, Any] = {"action": action}
    if amount is not None:
        body["amount"] = amount
    return post(client, session, user, f"/conversations/{cid}/offers/{oid}", body)


def test_offer_counter_accept_each_sent_twice_and_the_order_takes_the_agreed_price(
    client: TestClient, session: Session, seller: User, buyer: User, listing: Listing
) -> None:
    cid = start(client, session, buyer, listing)["id"]
    first = _offer(client, session, buyer, cid, 60000)
    twice = _offer(client, session, buyer, cid, 60000)
    assert first.status_code == twice.status_code == 201
    assert first.json()["id"] == twice.json()["id"]  # one offer
    oid = first.json()["id"]
    counter = _answer(client, session, seller, cid, oid, "counter", 72000)
    counter_again = _answer(client, session, seller, cid, oid, "counter", 72000)
    assert counter.status_code == counter_again.status_code == 200, counter_again.text
    assert counter.json()["id"] == counter_again.json()["id"]
    assert counter.json()["made_by"] == "seller" and counter.json()["status"] == "open"
    # The buyer's first offer is answered: accepting it now is refused with what became of it.
    late = _answer(client, session, seller, cid, oid, "accept")
    assert late.status_code == 409
    assert "another price" in late.json()["detail"][0]["msg"]
    # The seller cannot accept their own counter.
    own = _answer(client, session, seller, cid, counter.json()["id"], "accept")
    assert own.status_code == 422
    accepted = _answer(client, session, buyer, cid, counter.json()["id"], "accept")
    again = _answer(client, session, buyer, cid, counter.json()["id"], "accept")
    assert accepted.status_code == again.status_code == 200, again.text
    assert accepted.json()["status"] == "accepted"
    session.expire_all()
    assert session.get(Listing, listing.id).status is ListingStatus.RESERVED  # type: ignore[union-attr]
    shown = client.get(f"{API}/conversations/{cid}", headers=api_headers(session, buyer)).json()
    assert shown["reserved_until"] is not None
    # Someone else cannot buy it; the buyer can, at the agreed price whatever they send.
    other = make_user(session)
    taken = client.post(
        f"{API}/orders",
        json={"listing_id": listing.id, "fulfilment": "pickup", "item_cents": 1},
        headers=api_headers(session, other),
    )
    assert taken.status_code == 409
    order = client.post(
        f"{API}/orders",
        json={"listing_id": listing.id, "fulfilment": "pickup", "item_cents": 1},
        headers=api_headers(session, buyer),
    )
    assert order.status_code in (200, 201), order.text
    assert order.json()["item_cents"] == 72000
    assert order.json()["total_cents"] == 72000


def test_declined_twice_is_declined_once_and_then_a_new_offer_is_possible(
    client: TestClient, session: Session, seller: User, buyer: User, listing: Listing
) -> None:
    cid = start(client, session, buyer, listing)["id"]
    oid = _offer(client, session, buyer, cid, 50000).json()["id"]
    assert _answer(client, session, seller, cid, oid, "decline").json()["status"] == "declined"
    assert _answer(client, session, seller, cid, oid, "decline").status_code == 200
    assert _answer(client, session, seller, cid, oid, "accept").status_code == 409
    assert _offer(client, session, buyer, cid, 65000).status_code == 201


def test_a_floor_refuses_low_offers_with_a_clear_message(
    client: TestClient, session: Session, seller: User, buyer: User, listing: Listing
) -> None:
    floor = client.put(
        f"{API}/listings/{listing.id}/offer-floor",
        json={"floor": 70000},
        headers=api_headers(session, seller),
    )
    assert floor.status_code == 204
    cid = start(client, session, buyer, listing)["id"]
    low = _offer(client, session, buyer, cid, 65000)
    assert low.status_code == 422
    assert low.json()["detail"][0]["loc"][-1] == "amount"
    assert "below €700.00" in low.json()["detail"][0]["msg"]
    assert _offer(client, session, buyer, cid, 70000).status_code == 201
    above = _offer(client, session, buyer, cid, 90000)
    assert above.status_code == 422 and "asking price" in above.json()["detail"][0]["msg"]
    not_mine = client.put(
        f"{API}/listings/{listing.id}/offer-floor",
        json={"floor": 1},
        headers=api_headers(session, buyer),
    )
    assert not_mine.status_code == 404


def test_an_offer_expires_after_its_hours(
    client: TestClient, session: Session, seller: User, buyer: User, listing: Listing
) -> None:
    cid = start(client, session, buyer, listing)["id"]
    oid = _offer(client, session, buyer, cid, 60000).json()["id"]
    offer = session.get(Offer, oid)
    assert offer is not None
    assert offer.expires_at - offer.created_at == timedelta(hours=settings.offer_hours)
    offer.expires_at = utcnow() - timedelta(seconds=1)
    session.add(offer)
    session.flush()
    late = _answer(client, session, seller, cid, oid, "accept")
    assert late.status_code == 409 and "expired" in late.json()["detail"][0]["msg"]
    # A refused request leaves the database as it was: the job closes it.
    assert service.expire_offers(session=session) == 1
    oid2 = _offer(client, session, buyer, cid, 61000).json()["id"]
    assert service.expire_offers(session=session, now=utcnow() + timedelta(hours=49)) == 1
    session.expire_all()
    assert session.get(Offer, oid2).status is OfferStatus.EXPIRED  # type: ignore[union-attr]


def test_accepting_one_offer_withdraws_the_others_with_a_word_to_their_buyers(
    client: TestClient, session: Session, seller: User, buyer: User, listing: Listing
) -> None:
    rival = make_user(session, display_name="Rival")
    mine = start(client, session, buyer, listing)["id"]
    theirs = start(client, session, rival, listing)["id"]
    oid = _offer(client, session, buyer, mine, 60000).json()["id"]
    rival_offer = _offer(client, session, rival, theirs, 55000).json()["id"]
    assert _answer(client, session, seller, mine, oid, "accept").status_code == 200
    session.expire_all()
    assert session.get(Offer, rival_offer).status is OfferStatus.WITHDRAWN  # type: ignore[union-attr]
    told = session.exec(select(Notification).where(Notification.recipient_id == rival.id)).all()
    assert any("went to another buyer" in n.text for n in told)
    assert _answer(client, session, seller, theirs, rival_offer, "accept").status_code == 409
    # The rival's new offer is refused: the item is no longer on sale.
    assert _offer(client, session, rival, theirs, 70000).status_code == 409


def test_a_reservation_lapses_and_the_item_is_back_on_sale(
    client: TestClient, session: Session, seller: User, buyer: User, listing: Listing
) -> None:
    from listings import service as listings_service

    cid = start(client, session, buyer, listing)["id"]
    oid = _offer(client, session, buyer, cid, 60000).json()["id"]
    _answer(client, session, seller, cid, oid, "accept")
    lapsed = listings_service.lapse_reservations(
        session=session, now=utcnow() + timedelta(hours=settings.offer_reservation_hours, seconds=1)
    )
    assert [r.listing_id for r in lapsed] == [listing.id]
    session.expire_all()
    assert session.get(Listing, listing.id).status is ListingStatus.ACTIVE  # type: ignore[union-attr]
    order = client.post(
        f"{API}/orders",
        json={"listing_id": listing.id, "fulfilment": "pickup"},
        headers=api_headers(session, buyer),
    )
    assert order.json()["item_cents"] == 80000  # the listed price again


def test_meetings_are_proposed_and_agreed_once(
    client: TestClient, session: Session, seller: User, buyer: User, listing: Listing
) -> None:
    cid = start(client, session, buyer, listing)["id"]
    when = (utcnow() + timedelta(days=2)).replace(microsecond=0).isoformat()
    proposed = post(
        client,
        session,
        seller,
        f"/conversations/{cid}/meetings",
        {"at": when, "place": "Bastille metro, exit 3"},
    )
    assert proposed.status_code == 201, proposed.text
    mid = proposed.json()["id"]
    assert (
        post(client, session, seller, f"/conversations/{cid}/meetings/{mid}/agree").status_code
        == 422
    )
    agreed = post(client, session, buyer, f"/conversations/{cid}/meetings/{mid}/agree")
    again = post(client, session, buyer, f"/conversations/{cid}/meetings/{mid}/agree")
    assert agreed.status_code == again.status_code == 200
    assert agreed.json()["id"] == again.json()["id"]
    meeting = service.meeting_for(session=session, listing_id=listing.id, buyer_id=buyer.id)  # type: ignore[arg-type]
    assert meeting is not None and meeting.agreed and meeting.place == "Bastille metro, exit 3"
    past = post(
        client,
        session,
        buyer,
        f"/conversations/{cid}/meetings",
        {"at": (utcnow() - timedelta(hours=1)).isoformat(), "place": "here"},
    )
    assert past.status_code == 422 and past.json()["detail"][0]["loc"][-1] == "at"
    naive = post(
        client,
        session,
        buyer,
        f"/conversations/{cid}/meetings",
        {"at": "2030-01-01T10:00", "place": "x"},
    )
    assert naive.status_code == 422 and naive.json()["detail"][0]["loc"][-1] == "at"


def test_messages_page_back_with_a_cursor(
    client: TestClient,
    session: Session,
    buyer: User,
    listing: Listing,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "messages_per_minute", 0)
    cid = start(client, session, buyer, listing)["id"]
    for n in range(7):
        post(client, session, buyer, f"/conversations/{cid}/messages", {"body": f"m{n}"})
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 3, **({"before": cursor} if cursor else {})}
        page = client.get(
            f"{API}/conversations/{cid}/messages",
            params=params,
            headers=api_headers(session, buyer),
        ).json()
        seen = [m["body"] for m in page["items"]] + seen
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"m{n}" for n in range(7)]
    bad = client.get(
        f"{API}/conversations/{cid}/messages",
        params={"before": "nonsense"},
        headers=api_headers(session, buyer),
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "before"]


def test_the_seller_cannot_open_a_conversation_with_themselves(
    client: TestClient, session: Session, seller: User, listing: Listing
) -> None:
    refused = post(client, session, seller, "/conversations", {"listing_id": listing.id})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][-1] == "listing_id"
    assert (
        post(client, session, seller, "/conversations", {"listing_id": 999999}).status_code == 404
    )


def test_a_photo_goes_through_the_photo_checks_without_its_metadata(
    client: TestClient, session: Session, seller: User, buyer: User, listing: Listing
) -> None:
    import io

    from PIL import Image

    from listings import photos as photo_store
    from tests.factories import jpeg_bytes

    cid = start(client, session, buyer, listing)["id"]
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    sent = client.post(
        f"{API}/conversations/{cid}/photos",
        files={"photo": ("scratch.jpg", jpeg_bytes(exif=exif.tobytes()), "image/jpeg")},
        headers=api_headers(session, buyer),
    )
    assert sent.status_code == 201, sent.text
    out = sent.json()
    assert out["kind"] == "photo" and out["photo"]["thumb"].endswith("-thumb.jpg")
    key = out["photo"]["display"].removeprefix("/media/").removesuffix("-display.jpg")
    stored = Image.open(io.BytesIO(photo_store.file_path(key, "display").read_bytes()))
    assert not stored.getexif()  # re-encoded: no camera, no place
    bad = client.post(
        f"{API}/conversations/{cid}/photos",
        files={"photo": ("notes.txt", b"not a picture", "text/plain")},
        headers=api_headers(session, buyer),
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "photo"
    stranger = make_user(session)
    refused = client.post(
        f"{API}/conversations/{cid}/photos",
        files={"photo": ("a.jpg", jpeg_bytes(), "image/jpeg")},
        headers=api_headers(session, stranger),
    )
    assert refused.status_code == 404
