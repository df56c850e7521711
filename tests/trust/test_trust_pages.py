"""The pages and the API: a profile (what it shows, one query per block whatever the number
of reviews), the review form (errors beside their fields, what was typed kept), the order
page's way to review, the seller card's rating on a listing, and the JSON answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from listings.search import capture_sql
from resale.core.db import utcnow
from resale.trade.orders.models import Order
from resale.trade.payments.dev_gateway import DevGateway
from resale.trust import service
from resale.trust.models import Review
from resale.users.models import User
from tests.factories import (
    api_headers,
    browser_login,
    csrf,
    make_completed_order,
    make_listing,
    make_user,
)


def _parties(session: Session, order: Order) -> tuple[User, User]:
    buyer, seller = session.get(User, order.buyer_id), session.get(User, order.seller_id)
    assert buyer is not None and seller is not None
    return buyer, seller


def _login(client: TestClient, session: Session, user: User) -> None:
    client.cookies.clear()
    browser_login(client, session, user)


@contextmanager
def _counted(session: Session) -> Iterator[list[str]]:
    """Every statement sent meanwhile: through SQLAlchemy, and straight on the cursor
    (listings' cards, see listings.search.capture_sql)."""
    statements: list[str] = []
    engine = session.connection().engine

    def note(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        with capture_sql(session) as raw:
            yield statements
        statements.extend(sql for sql, _values in raw)
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def test_the_review_form_keeps_what_was_typed_and_the_order_page_offers_it(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    order = make_completed_order(session, gateway, title="Brompton folding bike")
    buyer, seller = _parties(session, order)
    _login(client, session, buyer)
    page = client.get(f"/orders/{order.id}").text
    assert f"Review {seller.display_name}" in page and f'href="/u/{seller.id}"' in page
    form = client.get(f"/orders/{order.id}/review")
    assert form.status_code == 200 and 'name="stars"' in form.text and "as_described" in form.text
    token = csrf(client, f"/orders/{order.id}/review")
    failed = client.post(
        f"/orders/{order.id}/review",
        data={"csrf_token": token, "text": "Lovely bike, as promised", "as_described": "yes"},
    )
    assert failed.status_code == 422
    assert 'id="stars-error"' in failed.text and "Lovely bike, as promised" in failed.text
    assert session.exec(select(Review)).all() == []
    sent = client.post(
        f"/orders/{order.id}/review",
        data={"csrf_token": token, "stars": "5", "text": "Lovely bike", "as_described": "yes"},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/orders/{order.id}"
    assert "You have reviewed" in client.get(f"/orders/{order.id}").text
    again = client.post(f"/orders/{order.id}/review", data={"csrf_token": token, "stars": "1"})
    assert again.status_code == 409
    # Not shown until the seller has written theirs.
    assert "Lovely bike" not in client.get(f"/u/{seller.id}").text
    _login(client, session, seller)
    token = csrf(client, f"/orders/{order.id}/review")
    client.post(f"/orders/{order.id}/review", data={"csrf_token": token, "stars": "4"})
    profile = client.get(f"/u/{seller.id}").text
    assert "Lovely bike" in profile and "Item as described" in profile
    assert "Answer publicly" in profile  # the seller may answer the buyer's review
    review = session.exec(select(Review).where(Review.author_id == buyer.id)).one()
    token = csrf(client, f"/u/{seller.id}")
    client.post(f"/reviews/{review.id}/reply", data={"csrf_token": token, "reply": "Thanks!"})
    profile = client.get(f"/u/{seller.id}").text
    assert "Thanks!" in profile and "Answer publicly" not in profile


def test_strangers_are_told_the_order_does_not_exist(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    order = make_completed_order(session, gateway)
    _login(client, session, make_user(session))
    assert client.get(f"/orders/{order.id}/review").status_code == 404
    headers = api_headers(session, make_user(session))
    answer = client.post(f"/api/v1/orders/{order.id}/review", json={"stars": 5}, headers=headers)
    assert answer.status_code == 404
    assert answer.json()["detail"][0]["loc"] == ["body", "order_id"]


def test_the_api_reviews_once_and_names_the_field(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    order = make_completed_order(session, gateway)
    buyer, seller = _parties(session, order)
    headers = api_headers(session, buyer)
    url = f"/api/v1/orders/{order.id}/review"
    bad = client.post(url, json={"stars": 9, "as_described": True}, headers=headers)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "stars"
    missing = client.post(url, json={"stars": 4}, headers=headers)
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "as_described"]
    made = client.post(
        url, json={"stars": 4, "as_described": True, "text": "Fine"}, headers=headers
    )
    assert made.status_code == 201, made.text
    assert made.json()["shown"] is False and made.json()["subject_id"] == seller.id
    assert (
        client.post(url, json={"stars": 4, "as_described": True}, headers=headers).status_code
        == 409
    )
    answer = client.post(url, json={"stars": 5}, headers=api_headers(session, seller))
    assert answer.status_code == 201 and answer.json()["shown"] is True
    profile = client.get(f"/api/v1/users/{seller.id}/profile").json()
    assert profile["rating"] == {"count": 1, "average": 4.0}
    assert profile["reviews"][0]["text"] == "Fine" and "lat" not in profile
    assert client.get("/api/v1/users/999999/profile").status_code == 404
    assert client.get(f"/api/v1/users/{seller.id}/profile?page=0").status_code == 422


def test_the_seller_card_shows_the_rating_and_links_to_the_profile(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    order = make_completed_order(session, gateway)
    buyer, seller = _parties(session, order)
    service.write_review(
        session=session, order_id=order.id, author=buyer, stars=4, as_described=True
    )
    service.write_review(session=session, order_id=order.id, author=seller, stars=5)
    other = make_listing(session, seller, title="Green armchair")
    page = client.get(f"/listings/{other.id}").text
    aside = page[page.index('<aside class="seller">') :]
    aside = aside[: aside.index("</aside>")]
    assert f'href="/u/{seller.id}"' in aside and "(1 review)" in aside


def _reviews(session: Session, order: Order, subject: User, count: int) -> None:
    now = utcnow()
    for n in range(count):
        author = make_user(session)
        session.add(
            Review(
                order_id=order.id or 0,
                author_id=author.id or 0,
                subject_id=subject.id or 0,
                role="buyer",
                stars=1 + n % 5,
                text=f"Review number {n}",
                as_described=True,
                created_at=now - timedelta(minutes=n),
                visible_at=now - timedelta(days=1),
            )
        )
    session.flush()


def test_the_profile_page_takes_one_query_per_block_whatever_the_reviews(
    client: TestClient, session: Session, gateway: DevGateway
) -> None:
    few_order = make_completed_order(session, gateway)
    _b, few = _parties(session, few_order)
    _reviews(session, few_order, few, 2)
    many_order = make_completed_order(session, gateway)
    _b, many = _parties(session, many_order)
    _reviews(session, many_order, many, 30)
    for _n in range(6):
        make_listing(session, many)
    session.commit()
    counts = {}
    for who in (few, many):
        client.get(f"/u/{who.id}")  # warm: compiled statements, caches
        with _counted(session) as statements:
            page = client.get(f"/u/{who.id}")
        assert page.status_code == 200
        counts[who.id] = len(statements)
    assert counts[few.id] == counts[many.id] > 7
    # user, rating, reviews, items for sale, counts, response time, carbon: seven blocks.
    with _counted(session) as statements:
        found = service.profile(session=session, user_id=many.id or 0)
    assert 5 <= len(statements) <= 7, statements
    assert len(found.reviews) == 10 and found.more_reviews and len(found.for_sale) == 6
    page = client.get(f"/u/{many.id}?page=3").text
    assert "Review number 29" in page and "Newer reviews" in page and "Older reviews" not in page


def test_response_time_badges_and_carbon_come_from_the_data(
    session: Session, gateway: DevGateway
) -> None:
    from resale.conversations import service as conversations
    from resale.conversations.models import Message

    order = make_completed_order(session, gateway, category="men-jeans")
    buyer, seller = _parties(session, order)
    seller.created_at = utcnow() - timedelta(days=400)
    session.add(seller)
    talk, _ = conversations.start(
        session=session, buyer=buyer, listing_id=make_listing(session, seller).id or 0
    )
    for _n in range(3):
        conversations.send_text(
            session=session, conversation=talk, sender=buyer, body="Still there?"
        )
        conversations.send_text(session=session, conversation=talk, sender=seller, body="Yes!")
    # Space the messages out: each answer 20 minutes after its question.
    messages = session.exec(
        select(Message).where(Message.conversation_id == talk.id).order_by(Message.id)
    ).all()
    start = utcnow() - timedelta(days=1)
    for index, message in enumerate(messages):
        message.created_at = start + timedelta(minutes=20 * index)
        session.add(message)
    session.flush()
    found = service.profile(session=session, user_id=seller.id or 0)
    assert found.response_seconds == 1200
    assert service.BADGE_QUICK in found.badges and service.BADGE_ONE_YEAR in found.badges
    assert service.BADGE_TEN_TRADES not in found.badges
    assert found.sold == 1 and found.trades == 1 and found.carbon_grams > 0
    quiet = make_user(session)
    assert service.profile(session=session, user_id=quiet.id or 0).response_seconds is None
