"""The pages: ask from a listing, the inbox and its header count, a conversation with its
forms (errors beside the fields, what was typed kept), offers answered, meetings, blocks."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from listings.models import Listing, ListingStatus
from resale.core.db import utcnow
from resale.users.models import User
from tests.factories import browser_login, csrf, make_listing, make_user


def _login(client: TestClient, session: Session, user: User) -> None:
    client.cookies.clear()
    browser_login(client, session, user)


def _ask(client: TestClient, listing: Listing, **data: str) -> str:
    token = csrf(client, f"/listings/{listing.id}")
    response = client.post(
        f"/listings/{listing.id}/ask", data={"csrf_token": token, **data}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return response.headers["location"].split("#")[0]


def _post(client: TestClient, url: str, **data: str) -> object:
    token = csrf(client, "/messages")
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def test_ask_the_seller_then_talk_and_see_the_unread_count(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session, display_name="Camille")
    buyer = make_user(session, display_name="Wei")
    listing = make_listing(session, seller, title="Brompton folding bike", price_cents=80000)
    _login(client, session, buyer)
    page = client.get(f"/listings/{listing.id}").text
    assert "Ask the seller" in page and "Make an offer" in page
    url = _ask(client, listing)
    sent = _post(client, f"{url}/send", body="Is it still available?")
    assert sent.status_code == 303  # type: ignore[attr-defined]
    _login(client, session, seller)
    home = client.get("/").text
    assert re.search(r"data-unread>1<", home), "the header counts one unread message"
    inbox = client.get("/messages").text
    assert "Wei" in inbox and "Brompton folding bike" in inbox and "Is it still available?" in inbox
    conversation = client.get(url).text
    assert "Is it still available?" in conversation
    assert 'data-live="' in conversation  # the page's live stream
    assert re.search(r"data-unread hidden>0<", client.get("/").text), "read now"


def test_a_message_with_contact_details_warns_the_reader_only(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session)
    buyer = make_user(session)
    listing = make_listing(session, seller)
    _login(client, session, buyer)
    url = _ask(client, listing)
    _post(client, f"{url}/send", body="加我微信 abc12345，支付宝转账更快")
    assert "Pay only on resale" not in client.get(url).text
    _login(client, session, seller)
    text = client.get(url).text
    assert "加我微信 abc12345，支付宝转账更快" in text
    assert "Pay only on resale: buyer protection does not cover payments made elsewhere." in text


def test_an_empty_message_and_a_bad_offer_show_beside_their_fields(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session)
    buyer = make_user(session)
    listing = make_listing(session, seller, price_cents=5000)
    _login(client, session, buyer)
    url = _ask(client, listing)
    empty = _post(client, f"{url}/send", body="   ")
    assert empty.status_code == 422  # type: ignore[attr-defined]
    assert 'id="body-error"' in empty.text  # type: ignore[attr-defined]
    high = _post(client, f"{url}/offer", amount="80")
    assert high.status_code == 422  # type: ignore[attr-defined]
    assert re.search(r'id="amount-error">Offer at most the asking price', high.text)  # type: ignore[attr-defined]
    assert 'value="80"' in high.text  # type: ignore[attr-defined]
    junk = _post(client, f"{url}/offer", amount="lots")
    assert 'id="amount-error"' in junk.text  # type: ignore[attr-defined]


def test_offer_from_the_listing_counter_and_accept_reserves_at_the_agreed_price(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session)
    buyer = make_user(session)
    listing = make_listing(session, seller, price_cents=10000, title="Desk lamp")
    _login(client, session, buyer)
    url = _ask(client, listing, amount="70")
    _login(client, session, seller)
    page = client.get(url).text
    assert "Offer: €70.00" in page
    [offer_id] = re.findall(r'action="/messages/\d+/offers/(\d+)"', page)[:1]
    countered = _post(client, f"{url}/offers/{offer_id}", action="counter", amount="85")
    assert countered.status_code == 303  # type: ignore[attr-defined]
    _login(client, session, buyer)
    page = client.get(url).text
    assert "Counter-offer: €85.00" in page
    [counter_id] = set(re.findall(r'action="/messages/\d+/offers/(\d+)"', page))
    accepted = _post(client, f"{url}/offers/{counter_id}", action="accept")
    assert accepted.status_code == 303  # type: ignore[attr-defined]
    session.expire_all()
    assert session.get(Listing, listing.id).status is ListingStatus.RESERVED  # type: ignore[union-attr]
    page = client.get(url).text
    assert "Buy at the agreed price" in page
    listing_page = client.get(f"/listings/{listing.id}").text
    assert "Reserved for you at the price you agreed" in listing_page


def test_a_meeting_is_proposed_in_local_time_and_agreed(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session)
    buyer = make_user(session)
    listing = make_listing(session, seller)
    _login(client, session, buyer)
    url = _ask(client, listing)
    when = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT14:30")
    bad = _post(client, f"{url}/meeting", meeting_at="soon", meeting_place="Bastille")
    assert 'id="meeting_at-error"' in bad.text  # type: ignore[attr-defined]
    assert 'value="Bastille"' in bad.text  # type: ignore[attr-defined]
    _post(client, f"{url}/meeting", meeting_at=when, meeting_place="Bastille metro, exit 3")
    _login(client, session, seller)
    page = client.get(url).text
    assert "Bastille metro, exit 3" in page and "14:30" in page  # Paris time, as typed
    [mid] = re.findall(r"/meetings/(\d+)/agree", page)
    assert _post(client, f"{url}/meetings/{mid}/agree").status_code == 303  # type: ignore[attr-defined]
    assert "Meeting agreed" in client.get(url).text


def test_blocking_from_the_page(client: TestClient, session: Session) -> None:
    seller = make_user(session, display_name="Camille")
    buyer = make_user(session)
    listing = make_listing(session, seller)
    _login(client, session, buyer)
    url = _ask(client, listing)
    _post(client, f"{url}/block", blocked="1")
    page = client.get(url).text
    assert "You blocked Camille" in page and 'id="compose"' not in page
    _post(client, f"{url}/block", blocked="0")
    assert 'id="compose"' in client.get(url).text


def test_a_stranger_gets_404_for_a_conversation_page(client: TestClient, session: Session) -> None:
    seller = make_user(session)
    buyer = make_user(session)
    listing = make_listing(session, seller)
    _login(client, session, buyer)
    url = _ask(client, listing)
    _login(client, session, make_user(session))
    assert client.get(url).status_code == 404
    assert _post(client, f"{url}/send", body="hi").status_code == 404  # type: ignore[attr-defined]


def test_a_photo_is_sent_from_the_page_and_a_bad_file_is_named(
    client: TestClient, session: Session
) -> None:
    from tests.factories import jpeg_bytes

    seller = make_user(session)
    buyer = make_user(session)
    listing = make_listing(session, seller)
    _login(client, session, buyer)
    url = _ask(client, listing)
    token = csrf(client, url)
    bad = client.post(
        f"{url}/photo",
        data={"csrf_token": token},
        files={"photo": ("notes.txt", b"hello", "text/plain")},
    )
    assert bad.status_code == 422
    assert re.search(r'id="photo-error">[^<]*notes.txt', bad.text)
    sent = client.post(
        f"{url}/photo",
        data={"csrf_token": token},
        files={"photo": ("scratch.jpg", jpeg_bytes(), "image/jpeg")},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert re.search(
        r'class="bubble bubble--photo" href="/media/messages/\d+/[0-9a-f]+-display.jpg"',
        client.get(url).text,
    )
