"""Reviews after a trade, on both databases: who may review and until when, once; the
double-blind reveal; the one reply; an admin hiding one; the rating aggregate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from resale.core.db import utcnow
from resale.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from resale.core.notifications.models import Notification
from resale.trade.orders import service as orders
from resale.trade.orders.models import Order, OrderStatus
from resale.trade.payments.dev_gateway import DevGateway
from resale.trust import service
from resale.trust.models import Review, ReviewModeration
from resale.users.models import User
from tests.factories import make_completed_order, make_paid_order, make_user


def _parties(session: Session, order: Order) -> tuple[User, User]:
    buyer, seller = session.get(User, order.buyer_id), session.get(User, order.seller_id)
    assert buyer is not None and seller is not None
    return buyer, seller


def _age(session: Session, order: Order, days: float) -> None:
    """As if the order had completed ``days`` ago (and its reviews were written then)."""
    then = utcnow() - timedelta(days=days)
    session.execute(sa.update(Order).where(col(Order.id) == order.id).values(closed_at=then))
    session.execute(
        sa.update(Review)
        .where(col(Review.order_id) == order.id)
        .values(visible_at=then + timedelta(days=14))
    )
    session.expire_all()


def _review(session: Session, order: Order, author: User, stars: int = 5, **kw: Any) -> Review:
    if author.id == order.buyer_id:
        kw.setdefault("as_described", True)
    return service.write_review(
        session=session, order_id=order.id or 0, author=author, stars=stars, **kw
    )


def test_only_the_two_parties_of_a_completed_order_review_each_other(
    session: Session, gateway: DevGateway
) -> None:
    order = make_completed_order(session, gateway)
    buyer, seller = _parties(session, order)
    with pytest.raises(NotFound):
        _review(session, order, make_user(session))
    with pytest.raises(PermissionDenied):
        _review(session, order, make_user(session, is_admin=True))
    with pytest.raises(NotFound):
        service.write_review(session=session, order_id=999_999, author=buyer, stars=4)
    mine = _review(session, order, buyer, 4, text="  Great seller, quick to answer. ")
    assert mine.subject_id == seller.id and mine.text == "Great seller, quick to answer."
    assert mine.as_described is True
    with pytest.raises(Conflict) as twice:
        _review(session, order, buyer, 1)
    assert twice.value.field == "order_id"
    assert session.exec(select(Review).where(Review.order_id == order.id)).all() == [mine]
    theirs = _review(session, order, seller, 5, as_described=False)
    assert theirs.subject_id == buyer.id and theirs.as_described is None  # a buyer's word only


def test_bad_input_names_its_field_and_writes_nothing(
    session: Session, gateway: DevGateway
) -> None:
    order = make_completed_order(session, gateway)
    buyer, _seller = _parties(session, order)
    for kw, field in (
        ({"stars": 0}, "stars"),
        ({"stars": 6}, "stars"),
        ({"stars": 4, "text": "x" * 1001}, "text"),
        ({"stars": 4, "as_described": None}, "as_described"),
    ):
        with pytest.raises(InvalidInput) as caught:
            service.write_review(session=session, order_id=order.id, author=buyer, **kw)
        assert caught.value.field == field
    assert session.exec(select(Review)).all() == []


def test_not_after_the_window_nor_before_completion_nor_for_a_refund(
    session: Session, gateway: DevGateway
) -> None:
    late = make_completed_order(session, gateway)
    buyer, _seller = _parties(session, late)
    _age(session, late, 15)
    with pytest.raises(Conflict) as closed:
        _review(session, late, buyer)
    assert "14" in closed.value.message
    paid = make_paid_order(session, gateway)
    with pytest.raises(Conflict):
        _review(session, paid, _parties(session, paid)[0])
    # Refunded after a dispute: no sale, nothing to review.
    refunded = make_paid_order(session, gateway, fulfilment="shipping")
    buyer, seller = _parties(session, refunded)
    orders.ship(session=session, order=refunded, seller=seller, tracking="DHL 1")
    orders.dispute(session=session, order=refunded, buyer=buyer, reason="It arrived broken.")
    admin = make_user(session, is_admin=True)
    orders.resolve_dispute(
        session=session, order=refunded, admin=admin, outcome="refund", gateway=gateway
    )
    assert refunded.status is OrderStatus.REFUNDED
    for who in (buyer, seller):
        with pytest.raises(Conflict) as caught:
            _review(session, refunded, who)
        assert "refunded" in caught.value.message


def test_double_blind_hidden_until_both_have_written(session: Session, gateway: DevGateway) -> None:
    order = make_completed_order(session, gateway)
    buyer, seller = _parties(session, order)
    first = _review(session, order, buyer, 2)
    assert not service.is_shown(session=session, review_id=first.id or 0)
    assert service.rating_of(session=session, user_id=seller.id or 0).count == 0
    assert service.reviews_about(session=session, user_id=seller.id or 0) == ([], False)
    assert session.exec(select(Notification).where(Notification.kind == "review.shown")).all() == []
    second = _review(session, order, seller, 5)
    for review in (first, second):
        assert service.is_shown(session=session, review_id=review.id or 0)
    assert service.rating_of(session=session, user_id=seller.id or 0) == service.Rating(1, 2.0)
    assert service.rating_of(session=session, user_id=buyer.id or 0) == service.Rating(1, 5.0)
    told = session.exec(select(Notification).where(Notification.kind == "review.shown")).all()
    assert sorted(n.recipient_id for n in told) == sorted([buyer.id, seller.id])
    assert service.tell_shown(session=session) == 0  # told once


def test_double_blind_shown_when_the_window_ends(session: Session, gateway: DevGateway) -> None:
    order = make_completed_order(session, gateway)
    buyer, seller = _parties(session, order)
    alone = _review(session, order, buyer, 3)
    assert not service.is_shown(session=session, review_id=alone.id or 0)
    _age(session, order, 15)
    assert service.is_shown(session=session, review_id=alone.id or 0)
    assert service.rating_of(session=session, user_id=seller.id or 0) == service.Rating(1, 3.0)
    assert service.tell_shown(session=session) == 1
    assert service.tell_shown(session=session) == 0
    note = session.exec(select(Notification).where(Notification.kind == "review.shown")).one()
    assert note.recipient_id == seller.id and note.link == f"/u/{seller.id}#review-{alone.id}"


def test_one_reply_only_by_the_reviewed_person(session: Session, gateway: DevGateway) -> None:
    order = make_completed_order(session, gateway)
    buyer, seller = _parties(session, order)
    review = _review(session, order, buyer, 4)
    with pytest.raises(NotFound):  # not shown yet: not even its subject knows of it
        service.reply(session=session, review_id=review.id or 0, user=seller, text="Thanks!")
    _review(session, order, seller, 5)
    with pytest.raises(PermissionDenied):
        service.reply(session=session, review_id=review.id or 0, user=buyer, text="Me again")
    with pytest.raises(PermissionDenied):
        service.reply(session=session, review_id=review.id or 0, user=make_user(session), text="Hi")
    with pytest.raises(InvalidInput) as blank:
        service.reply(session=session, review_id=review.id or 0, user=seller, text="   ")
    assert blank.value.field == "reply"
    answered = service.reply(
        session=session, review_id=review.id or 0, user=seller, text="Thanks, enjoy it!"
    )
    assert answered.reply == "Thanks, enjoy it!" and answered.replied_at is not None
    with pytest.raises(Conflict):
        service.reply(session=session, review_id=review.id or 0, user=seller, text="Once more")
    session.refresh(answered)
    assert answered.reply == "Thanks, enjoy it!"


def test_an_admin_hides_a_review_with_a_reason_kept_in_the_log(
    session: Session, gateway: DevGateway
) -> None:
    order = make_completed_order(session, gateway)
    buyer, seller = _parties(session, order)
    review = _review(session, order, buyer, 1, text="Insults here")
    _review(session, order, seller, 5)
    admin = make_user(session, is_admin=True)
    with pytest.raises(PermissionDenied):
        service.hide(session=session, review_id=review.id or 0, admin=seller, reason="unfair")
    with pytest.raises(InvalidInput):
        service.hide(session=session, review_id=review.id or 0, admin=admin, reason=" ")
    with pytest.raises(NotFound):
        service.hide(session=session, review_id=999_999, admin=admin, reason="x")
    hidden = service.hide(
        session=session, review_id=review.id or 0, admin=admin, reason="Insulting words"
    )
    assert hidden.hidden_by == admin.id and hidden.hidden_reason == "Insulting words"
    assert hidden.hidden_at is not None
    with pytest.raises(Conflict):
        service.hide(session=session, review_id=review.id or 0, admin=admin, reason="again")
    log = service.moderation_log(session=session, review_id=review.id or 0)
    assert [(e.admin_id, e.action, e.reason) for e in log] == [
        (admin.id, "hide", "Insulting words")
    ]
    assert session.exec(select(ReviewModeration)).all() == log
    assert service.rating_of(session=session, user_id=seller.id or 0).count == 0
    assert not service.is_shown(session=session, review_id=review.id or 0)


def _insert_reviews(
    session: Session, order: Order, subject: User, entries: list[tuple[int, bool, bool]]
) -> None:
    """Reviews about ``subject`` as stored rows (stars, shown, hidden), each by a new author."""
    now = utcnow()
    for stars, shown, hidden in entries:
        author = make_user(session)
        session.add(
            Review(
                order_id=order.id or 0,
                author_id=author.id or 0,
                subject_id=subject.id or 0,
                role="buyer",
                stars=stars,
                visible_at=now - timedelta(days=1) if shown else now + timedelta(days=5),
                hidden_at=now if hidden else None,
            )
        )
    session.flush()


def test_the_rating_after_many_reviews(session: Session, gateway: DevGateway) -> None:
    order = make_completed_order(session, gateway)
    _buyer, seller = _parties(session, order)
    entries = [(1 + i % 5, True, False) for i in range(40)] + [(1, False, False), (1, True, True)]
    _insert_reviews(session, order, seller, entries)
    rating = service.rating_of(session=session, user_id=seller.id or 0)
    assert rating.count == 40 and rating.average == pytest.approx(3.0)
    page, more = service.reviews_about(session=session, user_id=seller.id or 0, per_page=10)
    assert len(page) == 10 and more
    last, more = service.reviews_about(session=session, user_id=seller.id or 0, page=4)
    assert len(last) == 10 and not more


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    entries=st.lists(
        st.tuples(st.integers(1, 5), st.booleans(), st.booleans()), min_size=0, max_size=12
    )
)
def test_the_rating_is_the_mean_of_the_shown_reviews(
    session: Session, gateway: DevGateway, entries: list[tuple[int, bool, bool]]
) -> None:
    order = session.exec(select(Order).where(Order.status == OrderStatus.COMPLETED)).first()
    if order is None:
        order = make_completed_order(session, gateway)
    subject = make_user(session)  # a fresh person each example
    _insert_reviews(session, order, subject, entries)
    shown = [stars for stars, visible, hidden in entries if visible and not hidden]
    rating = service.rating_of(session=session, user_id=subject.id or 0)
    assert rating.count == len(shown)
    if shown:
        assert rating.average == pytest.approx(sum(shown) / len(shown))
    else:
        assert rating.average is None
