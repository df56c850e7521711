"""Reports and the moderation desk, on both databases: one report per reporter and subject,
only readers report a message, the desk's order, admins only, hiding, suspension and its
effects, restoring, the append-only log, and prohibited items held at publishing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from listings.models import Listing, ListingStatus
from resale.conversations import service as conversations
from resale.core.notifications.models import Notification
from resale.moderation.models import ModerationEntry, Report
from resale.trade.orders.models import Order, OrderStatus
from resale.trade.payments.dependencies import gateway_dependency
from resale.trade.payments.dev_gateway import DevGateway
from resale.users.models import User
from tests.factories import (
    PASSWORD,
    api_headers,
    browser_login,
    csrf,
    make_listing,
    make_paid_order,
    make_user,
)

API = "/api/v1"
SEARCH = f"{API}/listings/search"


@pytest.fixture
def gateway(app: FastAPI, tmp_path: Path) -> DevGateway:
    dev = DevGateway(path=tmp_path / "dev-payments.db")
    app.dependency_overrides[gateway_dependency] = lambda: dev
    return dev


@pytest.fixture
def admin(session: Session) -> User:
    return make_user(session, display_name="Moderator", is_admin=True)


@pytest.fixture
def seller(session: Session) -> User:
    return make_user(session, display_name="Camille")


@pytest.fixture
def listing(session: Session, seller: User) -> Listing:
    return make_listing(session, seller, title="Brompton folding bike")


def report(
    client: TestClient, session: Session, user: User, subject: str, subject_id: Any, **body: Any
) -> Any:
    payload = {"subject": subject, "id": subject_id, "reason": "scam", **body}
    return client.post(f"{API}/reports", json=payload, headers=api_headers(session, user))


def act(
    client: TestClient, session: Session, admin: User, subject: str, subject_id: int, action: str
) -> Any:
    return client.post(
        f"{API}/admin/{subject}/{subject_id}/actions",
        json={"action": action, "reason": "checked"},
        headers=api_headers(session, admin),
    )


def search_ids(client: TestClient, **params: Any) -> set[int]:
    response = client.get(SEARCH, params=params)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_reporting_twice_is_one_report(
    client: TestClient, session: Session, listing: Listing
) -> None:
    someone = make_user(session)
    first = report(client, session, someone, "listing", listing.id, note="Too cheap")
    assert first.status_code == 201, first.text
    again = report(client, session, someone, "listing", listing.id, reason="other")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["reason"] == "scam"  # the first report stands
    assert len(session.exec(select(Report)).all()) == 1


def test_bad_reports_name_the_field_and_store_nothing(
    client: TestClient, session: Session, listing: Listing, seller: User
) -> None:
    someone = make_user(session)
    cases = [
        ({"subject": "shop", "id": listing.id, "reason": "scam"}, "subject", 422),
        ({"subject": "listing", "id": 0, "reason": "scam"}, "id", 422),
        ({"subject": "listing", "id": "x", "reason": "scam"}, "id", 422),
        ({"subject": "listing", "id": listing.id, "reason": "boring"}, "reason", 422),
        (
            {"subject": "listing", "id": listing.id, "reason": "scam", "note": "x" * 1001},
            "note",
            422,
        ),
        ({"subject": "listing", "id": 999999, "reason": "scam"}, "id", 404),
        ({"subject": "user", "id": someone.id, "reason": "scam"}, "id", 422),  # themselves
    ]
    for body, field, status in cases:
        response = client.post(f"{API}/reports", json=body, headers=api_headers(session, someone))
        assert response.status_code == status, (body, response.text)
        assert field in {tuple(e["loc"])[-1] for e in response.json()["detail"]}, response.text
    assert session.exec(select(Report)).all() == []
    anonymous = client.post(
        f"{API}/reports", json={"subject": "listing", "id": listing.id, "reason": "scam"}
    )
    assert anonymous.status_code == 401


def test_only_a_reader_may_report_a_message(
    client: TestClient, session: Session, listing: Listing, seller: User
) -> None:
    buyer = make_user(session)
    conversation, _ = conversations.start(session=session, buyer=buyer, listing_id=listing.id)  # type: ignore[arg-type]
    message = conversations.send_text(
        session=session, conversation=conversation, sender=buyer, body="Send me a gift card"
    )
    stranger = make_user(session)
    refused = report(client, session, stranger, "message", message.id)
    assert refused.status_code == 404 and refused.json()["detail"][0]["loc"][-1] == "id"
    assert report(client, session, seller, "message", message.id).status_code == 201
    own = report(client, session, buyer, "message", message.id)
    assert own.status_code == 422


def test_the_desk_orders_subjects_by_distinct_reporters_and_is_for_admins(
    client: TestClient, session: Session, admin: User, seller: User, listing: Listing
) -> None:
    other = make_listing(session, seller, title="Leather sofa")
    people = [make_user(session) for _ in range(3)]
    assert report(client, session, people[0], "listing", listing.id).status_code == 201
    for person in people:
        assert report(client, session, person, "listing", other.id).status_code == 201
    assert report(client, session, people[1], "user", seller.id).status_code == 201
    assert report(client, session, people[2], "user", seller.id).status_code == 201

    desk = client.get(f"{API}/admin/reports", headers=api_headers(session, admin))
    assert desk.status_code == 200, desk.text
    order = [(case["subject"], case["id"], case["reporters"]) for case in desk.json()]
    assert order == [
        ("listing", other.id, 3),
        ("user", seller.id, 2),
        ("listing", listing.id, 1),
    ]
    assert desk.json()[0]["title"] == "Leather sofa"
    assert desk.json()[0]["person_name"] == "Camille"

    nobody = client.get(f"{API}/admin/reports", headers=api_headers(session, people[0]))
    assert nobody.status_code == 404
    assert act(client, session, people[0], "listing", listing.id, "hide").status_code == 404
    browser_login(client, session, people[0])
    assert client.get("/admin/reports").status_code == 404
    browser_login(client, session, admin)
    page = client.get("/admin/reports")
    assert page.status_code == 200 and "Leather sofa" in page.text


def test_hiding_a_listing_takes_it_out_of_search_and_tells_the_reporter(
    client: TestClient, session: Session, admin: User, seller: User, listing: Listing
) -> None:
    reporter = make_user(session)
    assert listing.id in search_ids(client, q="Brompton")
    assert report(client, session, reporter, "listing", listing.id).status_code == 201
    done = act(client, session, admin, "listing", listing.id, "hide")  # type: ignore[arg-type]
    assert done.status_code == 201, done.text
    assert listing.id not in search_ids(client, q="Brompton")
    assert client.get(f"/listings/{listing.id}").status_code == 404
    assert client.get(f"{API}/listings/{listing.id}").status_code == 404
    mine = client.get(f"{API}/listings/{listing.id}", headers=api_headers(session, seller))
    assert mine.status_code == 200 and mine.json()["hidden_at"] is not None
    # The seller cannot put it back on sale.
    again = client.post(
        f"{API}/listings/{listing.id}/publish", headers=api_headers(session, seller)
    )
    assert again.status_code == 409
    [told] = session.exec(
        select(Notification).where(Notification.recipient_id == reporter.id)
    ).all()
    assert "taken it down" in told.text
    assert session.exec(select(Report)).one().outcome == "hide"
    assert client.get(f"{API}/admin/reports", headers=api_headers(session, admin)).json() == []

    restored = act(client, session, admin, "listing", listing.id, "restore")  # type: ignore[arg-type]
    assert restored.status_code == 201, restored.text
    assert listing.id in search_ids(client, q="Brompton")
    actions = [e.action for e in session.exec(select(ModerationEntry)).all()]
    assert actions == ["hide", "restore"]


def test_a_suspension_ends_logins_sales_messages_and_open_orders(
    client: TestClient, session: Session, admin: User, gateway: DevGateway
) -> None:
    seller = make_user(session, display_name="Scammer", email="scam@example.com")
    on_sale = make_listing(session, seller, title="Vintage camera")
    order = make_paid_order(session, gateway, seller=seller, title="Designer watch")
    assert order.status is OrderStatus.PAID
    buyer = session.get(User, order.buyer_id)
    assert buyer is not None
    conversation, _ = conversations.start(session=session, buyer=buyer, listing_id=on_sale.id)  # type: ignore[arg-type]
    headers = api_headers(session, seller)  # a token issued before the suspension
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    reporter = make_user(session)
    assert report(client, session, reporter, "user", seller.id).status_code == 201

    done = act(client, session, admin, "user", seller.id, "suspend")  # type: ignore[arg-type]
    assert done.status_code == 201, done.text

    assert client.get(f"{API}/me", headers=headers).status_code == 401
    login = client.post(
        f"{API}/auth/token", data={"username": "scam@example.com", "password": PASSWORD}
    )
    assert login.status_code == 403, login.text
    assert on_sale.id not in search_ids(client, q="camera")
    session.refresh(order)
    assert order.status is OrderStatus.CANCELLED and order.refund_ref
    with pytest.raises(conversations.SenderSuspended):
        conversations.send_text(
            session=session, conversation=conversation, sender=seller, body="Pay me by wire"
        )
    [told] = session.exec(
        select(Notification).where(Notification.recipient_id == reporter.id)
    ).all()
    assert "suspended" in told.text

    restored = act(client, session, admin, "user", seller.id, "restore")  # type: ignore[arg-type]
    assert restored.status_code == 201, restored.text
    assert on_sale.id in search_ids(client, q="camera")
    relogin = client.post(
        f"{API}/auth/token", data={"username": "scam@example.com", "password": PASSWORD}
    )
    assert relogin.status_code == 200


def test_a_suspended_buyers_paid_order_is_refunded(
    client: TestClient, session: Session, admin: User, gateway: DevGateway
) -> None:
    order = make_paid_order(session, gateway)
    assert act(client, session, admin, "user", order.buyer_id, "suspend").status_code == 201
    session.refresh(order)
    assert order.status is OrderStatus.CANCELLED and order.refund_ref
    again = act(client, session, admin, "user", order.buyer_id, "suspend")
    assert again.status_code == 409  # suspended already: nothing more is logged
    assert len(session.exec(select(ModerationEntry)).all()) == 1


def test_the_moderation_log_refuses_update_and_delete(
    client: TestClient, session: Session, admin: User, listing: Listing
) -> None:
    assert act(client, session, admin, "listing", listing.id, "hide").status_code == 201  # type: ignore[arg-type]
    entry = session.exec(select(ModerationEntry)).one()
    for statement in (
        sa.text("UPDATE moderation_log SET reason = 'nothing happened'"),
        sa.text("DELETE FROM moderation_log"),
    ):
        with pytest.raises(sa.exc.DBAPIError), session.begin_nested():
            session.execute(statement)
    session.expire_all()
    assert session.exec(select(ModerationEntry)).one().reason == entry.reason


def test_a_refused_action_changes_nothing(
    client: TestClient, session: Session, admin: User, listing: Listing
) -> None:
    refused = act(client, session, admin, "listing", listing.id, "restore")  # type: ignore[arg-type]
    assert refused.status_code == 409 and refused.json()["detail"][0]["loc"][-1] == "action"
    missing = act(client, session, admin, "user", 999999, "suspend")
    assert missing.status_code == 404
    bad = client.post(
        f"{API}/admin/listing/{listing.id}/actions",
        json={"action": "burn"},
        headers=api_headers(session, admin),
    )
    assert bad.status_code == 422
    assert session.exec(select(ModerationEntry)).all() == []


@pytest.mark.parametrize(
    ("title", "description"),
    [
        ("Airsoft gun, barely used", "Comes with its box."),
        ("Rolex Submariner", "A very good replica, nobody will know."),
        ("玩具手枪", "九成新，自提。"),
        ("名牌包包", "高仿，质量很好。"),
    ],
)
def test_a_prohibited_item_is_held_at_publishing_and_approved_by_a_moderator(
    client: TestClient,
    session: Session,
    admin: User,
    seller: User,
    title: str,
    description: str,
) -> None:
    draft = make_listing(
        session, seller, status=ListingStatus.DRAFT, title=title, description=description
    )
    published = client.post(
        f"{API}/listings/{draft.id}/publish", headers=api_headers(session, seller)
    )
    assert published.status_code == 202, published.text
    assert published.json()["status"] == "draft" and published.json()["held_reason"]
    assert draft.id not in search_ids(client)
    held = client.get(f"{API}/admin/held-listings", headers=api_headers(session, admin)).json()
    assert [item["id"] for item in held] == [draft.id]

    approved = act(client, session, admin, "listing", draft.id, "approve")  # type: ignore[arg-type]
    assert approved.status_code == 201, approved.text
    session.refresh(draft)
    assert draft.status is ListingStatus.ACTIVE and draft.held_at is None
    assert draft.id in search_ids(client)
    told = session.exec(select(Notification).where(Notification.recipient_id == seller.id)).one()
    assert "approved" in told.text


def test_a_clean_listing_is_published_and_a_rejected_one_stays_off_sale(
    client: TestClient, session: Session, admin: User, seller: User
) -> None:
    clean = make_listing(session, seller, status=ListingStatus.DRAFT, title="Gunmetal lamp")
    response = client.post(
        f"{API}/listings/{clean.id}/publish", headers=api_headers(session, seller)
    )
    assert response.status_code == 200 and response.json()["status"] == "active"
    held = make_listing(session, seller, status=ListingStatus.DRAFT, title="Kitten for sale")
    assert (
        client.post(
            f"{API}/listings/{held.id}/publish", headers=api_headers(session, seller)
        ).status_code
        == 202
    )
    assert act(client, session, admin, "listing", held.id, "reject").status_code == 201  # type: ignore[arg-type]
    again = client.post(f"{API}/listings/{held.id}/publish", headers=api_headers(session, seller))
    assert again.status_code == 409


def test_the_pages_report_a_listing_and_the_desk_hides_it(
    client: TestClient, session: Session, admin: User, seller: User, listing: Listing
) -> None:
    reporter = make_user(session)
    browser_login(client, session, reporter)
    page = client.get(f"/listings/{listing.id}")
    assert f"/report?subject=listing&amp;id={listing.id}" in page.text
    form = client.get(f"/report?subject=listing&id={listing.id}")
    assert form.status_code == 200 and "Brompton folding bike" in form.text
    sent = client.post(
        "/report",
        data={
            "csrf_token": csrf(client),
            "subject": "listing",
            "id": str(listing.id),
            "reason": "counterfeit",
            "note": "The frame is not a Brompton",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    bad = client.post(
        "/report",
        data={"csrf_token": csrf(client), "subject": "listing", "id": str(listing.id)},
    )
    assert bad.status_code == 422 and "Choose a reason." in bad.text
    assert client.get("/report?subject=listing&id=abc").status_code in (404, 422)

    browser_login(client, session, admin)
    desk = client.get("/admin/reports")
    assert "The frame is not a Brompton" in desk.text
    hidden = client.post(
        f"/admin/reports/listing/{listing.id}",
        data={"csrf_token": csrf(client), "action": "hide", "reason": "fake"},
        follow_redirects=False,
    )
    assert hidden.status_code == 303, hidden.text
    session.refresh(listing)
    assert listing.hidden_at is not None and listing.status is ListingStatus.WITHDRAWN
    assert session.exec(select(Order)).all() == []


def test_the_seller_is_told_on_the_page_that_a_listing_is_held(
    client: TestClient, session: Session, seller: User
) -> None:
    draft = make_listing(session, seller, status=ListingStatus.DRAFT, title="Replica handbag")
    browser_login(client, session, seller)
    sent = client.post(
        f"/listings/{draft.id}/publish",
        data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    page = client.get(sent.headers["location"]).text
    assert "a moderator will review it before it goes on sale" in page
    assert "waiting for a moderator" in page and "review before it goes on sale" in page
    session.refresh(draft)
    assert draft.status is ListingStatus.DRAFT and draft.held_reason == "replica"


def test_a_conversation_offers_to_report_the_other_persons_messages(
    client: TestClient, session: Session, seller: User, listing: Listing
) -> None:
    buyer = make_user(session)
    conversation, _ = conversations.start(session=session, buyer=buyer, listing_id=listing.id)  # type: ignore[arg-type]
    theirs = conversations.send_text(
        session=session, conversation=conversation, sender=buyer, body="Pay by wire please"
    )
    mine = conversations.send_text(
        session=session, conversation=conversation, sender=seller, body="No, on resale"
    )
    browser_login(client, session, seller)
    page = client.get(f"/messages/{conversation.id}").text
    assert f"/report?subject=message&amp;id={theirs.id}&amp;" in page
    assert f"/report?subject=message&amp;id={mine.id}&amp;" not in page
    form = client.get(f"/report?subject=message&id={theirs.id}")
    assert form.status_code == 200 and "Pay by wire please" in form.text


def test_a_profile_offers_to_report_its_person(
    client: TestClient, session: Session, seller: User
) -> None:
    someone = make_user(session)
    browser_login(client, session, someone)
    page = client.get(f"/u/{seller.id}")
    assert page.status_code == 200
    assert f"/report?subject=user&amp;id={seller.id}&amp;" in page.text
    assert "/report?subject=user" not in client.get(f"/u/{someone.id}").text
