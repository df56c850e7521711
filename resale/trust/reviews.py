"""Reviews after a trade: who may write one and until when, writing it (once), the
double-blind reveal, the reviewed person's reply, an admin hiding one, and reading them.

Rules in one place:
- only the buyer and the seller of a COMPLETED order review it, each the other, once, within
  ``settings.review_days`` of its completion (``closed_at``). A REFUNDED order (refunded
  during a dispute, or after completing) is not COMPLETED: it was no sale and cannot be
  reviewed as one. A review written before a later refund stays as written;
- double-blind: a review is shown once both have written theirs, or when the window ends
  (``visible_at``), so neither can answer the other's review with their own;
- no edits at all, before or after it is shown: what was sent is the review. The reviewed
  person may add one public reply; an admin may hide a review, with a reason, kept on the
  row and in the append-only ``review_moderation`` log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from resale.core.config import settings
from resale.core.db import insert_unless_present, utcnow
from resale.core.errors import InvalidInput
from resale.core.fields import text_check
from resale.core.i18n import N_
from resale.core.i18n import gettext as _
from resale.core.notifications import service as notifications
from resale.trade.orders import service as orders_service
from resale.trust.errors import (
    AdminsOnly,
    AlreadyAnswered,
    AlreadyHidden,
    AlreadyReviewed,
    NotAParty,
    NotCompleted,
    NotYourReview,
    OrderNotReviewable,
    ReviewNotFound,
    ReviewWindowClosed,
)
from resale.trust.models import (
    MAX_REASON,
    MAX_REPLY_TEXT,
    MAX_REVIEW_TEXT,
    Review,
    ReviewerRole,
    ReviewModeration,
)
from resale.users.models import User

REVIEW_SHOWN = N_("A review of you is now shown on your profile.")


# --- Who may review, until when ----------------------------------------------------------


@dataclass(frozen=True)
class ReviewChance:
    """A person's part in reviewing one order: whom they review, until when, and whether
    they have written theirs."""

    order_id: int
    role: ReviewerRole
    subject_id: int
    ends_at: datetime
    written: bool


def window_end(closed_at: datetime) -> datetime:
    return closed_at + timedelta(days=settings.review_days)


def review_chance(*, session: Session, order_id: int, author: User) -> ReviewChance:
    """The author's chance to review this order, or the reason there is none: 404 for an
    order not theirs, 403 for an admin who is not a party, 409 for one not completed
    (refunded included) or whose window has ended."""
    facts = orders_service.trade_facts(session=session, order_id=order_id)
    if facts is None or author.id not in (facts.buyer_id, facts.seller_id):
        if facts is not None and author.is_admin:
            raise NotAParty()
        raise OrderNotReviewable()
    if not facts.completed or facts.closed_at is None:
        raise NotCompleted(refunded=facts.status.value == "refunded")
    buyer = author.id == facts.buyer_id
    written = (
        session.execute(
            sa.select(col(Review.id)).where(
                col(Review.order_id) == order_id, col(Review.author_id) == author.id
            )
        ).first()
        is not None
    )
    return ReviewChance(
        order_id=order_id,
        role=ReviewerRole.BUYER if buyer else ReviewerRole.SELLER,
        subject_id=facts.seller_id if buyer else facts.buyer_id,
        ends_at=window_end(facts.closed_at),
        written=written,
    )


def open_chance(*, session: Session, order_id: int, author: User) -> ReviewChance:
    """``review_chance``, refused when the window is over or the review is written."""
    chance = review_chance(session=session, order_id=order_id, author=author)
    if chance.written:
        raise AlreadyReviewed()
    if utcnow() >= chance.ends_at:
        raise ReviewWindowClosed(settings.review_days)
    return chance


# --- Writing, answering, hiding ----------------------------------------------------------


def _text(value: str | None, *, field: str, limit: int, required: bool) -> str | None:
    try:
        text = text_check(1 if required else 0, limit, one_line=False)(value or "")
    except ValueError as exc:
        raise InvalidInput(str(exc)[:1].upper() + str(exc)[1:], field=field) from None
    return text or None


def _stars(stars: Any) -> int:
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise InvalidInput(_("Choose from 1 to 5 stars."), field="stars")
    return stars


def write_review(
    *,
    session: Session,
    order_id: int,
    author: User,
    stars: int,
    text: str | None = None,
    as_described: bool | None = None,
) -> Review:
    """The author's review of the other party (see the module's rules); a second one is a
    409, however the two race. When it is the second review of the order, both are shown
    now and both people are told."""
    chance = open_chance(session=session, order_id=order_id, author=author)
    stars = _stars(stars)
    body = _text(text, field="text", limit=MAX_REVIEW_TEXT, required=False)
    if chance.role is ReviewerRole.BUYER:
        if as_described is None:
            raise InvalidInput(_("Say whether the item was as described."), field="as_described")
    else:
        as_described = None
    now = utcnow()
    inserted = insert_unless_present(
        session,
        Review,
        {
            "order_id": order_id,
            "author_id": author.id,
            "subject_id": chance.subject_id,
            "role": chance.role,
            "stars": stars,
            "text": body,
            "as_described": as_described,
            "created_at": now,
            "visible_at": chance.ends_at,
        },
    )
    if not inserted:
        raise AlreadyReviewed()
    reviews = {
        r.author_id: r for r in session.exec(select(Review).where(Review.order_id == order_id))
    }
    mine = reviews[author.id]  # type: ignore[index]
    if len(reviews) == 2:  # both written: shown to everyone from now on
        session.execute(
            sa.update(Review)
            .where(col(Review.order_id) == order_id)
            .values(visible_at=now, told_at=now)
        )
        for review in reviews.values():
            _tell_shown(session, review)
        for review in reviews.values():
            session.refresh(review)
    session.flush()
    return mine


def _tell_shown(session: Session, review: Review) -> None:
    notifications.tell(
        session,
        review.subject_id,
        "review.shown",
        REVIEW_SHOWN,
        f"/u/{review.subject_id}#review-{review.id}",
        key=f"review.shown:{review.id}",
    )


def shown_clause(now: datetime) -> Any:
    """SQL: the review is shown to everyone. Its window ended, or the other side's review
    exists too (so two reviews written at the same moment show each other at once), and no
    admin hid it."""
    other = aliased(Review)
    both = (
        sa.select(sa.literal(1))
        .where(
            col(other.order_id) == col(Review.order_id),
            col(other.author_id) == col(Review.subject_id),
        )
        .exists()
    )
    return sa.and_(col(Review.hidden_at).is_(None), sa.or_(col(Review.visible_at) <= now, both))


def is_shown(*, session: Session, review_id: int) -> bool:
    return (
        session.execute(
            sa.select(col(Review.id)).where(col(Review.id) == review_id, shown_clause(utcnow()))
        ).first()
        is not None
    )


def _shown_review(session: Session, review_id: int) -> Review:
    review = session.exec(
        select(Review).where(Review.id == review_id, shown_clause(utcnow()))
    ).first()
    if review is None:
        raise ReviewNotFound()
    return review


def reply(*, session: Session, review_id: int, user: User, text: str) -> Review:
    """The reviewed person's one public answer to a shown review."""
    review = _shown_review(session, review_id)
    if review.subject_id != user.id:
        raise NotYourReview()
    if review.reply is not None:
        raise AlreadyAnswered()
    body = _text(text, field="reply", limit=MAX_REPLY_TEXT, required=True)
    now = utcnow()
    done = session.execute(
        sa.update(Review)
        .where(col(Review.id) == review_id, col(Review.reply).is_(None))
        .values(reply=body, replied_at=now)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise AlreadyAnswered()
    session.refresh(review)
    return review


def hide(*, session: Session, review_id: int, admin: User, reason: str) -> Review:
    """An admin takes a review down, saying why: on the row and in the log."""
    if not admin.is_admin:
        raise AdminsOnly()
    review = session.get(Review, review_id)
    if review is None:
        raise ReviewNotFound()
    if review.hidden_at is not None:
        raise AlreadyHidden()
    why = _text(reason, field="reason", limit=MAX_REASON, required=True)
    now = utcnow()
    done = session.execute(
        sa.update(Review)
        .where(col(Review.id) == review_id, col(Review.hidden_at).is_(None))
        .values(hidden_at=now, hidden_by=admin.id, hidden_reason=why)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise AlreadyHidden()
    session.add(
        ReviewModeration(review_id=review_id, admin_id=admin.id, action="hide", reason=why or "")
    )
    session.flush()
    session.refresh(review)
    return review


def moderation_log(*, session: Session, review_id: int) -> list[ReviewModeration]:
    return list(
        session.exec(
            select(ReviewModeration)
            .where(ReviewModeration.review_id == review_id)
            .order_by(col(ReviewModeration.id))
        )
    )


# --- Reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    """A person's shown reviews: how many, and their mean stars (None without any)."""

    count: int
    average: float | None


def rating_of(*, session: Session, user_id: int) -> Rating:
    """One query: the count and mean of the shown reviews about ``user_id``."""
    count, average = session.execute(
        sa.select(sa.func.count(), sa.func.avg(col(Review.stars))).where(
            col(Review.subject_id) == user_id, shown_clause(utcnow())
        )
    ).one()
    return Rating(count=int(count), average=float(average) if average is not None else None)


@dataclass(frozen=True)
class ShownReview:
    """A review as a profile shows it, with its author's name."""

    id: int
    order_id: int
    author_id: int
    author_name: str
    role: ReviewerRole
    stars: int
    text: str | None
    as_described: bool | None
    created_at: datetime
    reply: str | None
    replied_at: datetime | None


def reviews_about(
    *, session: Session, user_id: int, page: int = 1, per_page: int = 10
) -> tuple[list[ShownReview], bool]:
    """One page of the shown reviews about ``user_id``, newest first, and whether there are
    more: one query, whatever their number."""
    rows = session.execute(
        sa.select(
            col(Review.id),
            col(Review.order_id),
            col(Review.author_id),
            col(User.display_name),
            col(Review.role),
            col(Review.stars),
            col(Review.text),
            col(Review.as_described),
            col(Review.created_at),
            col(Review.reply),
            col(Review.replied_at),
        )
        .join(User, col(User.id) == col(Review.author_id))
        .where(col(Review.subject_id) == user_id, shown_clause(utcnow()))
        .order_by(col(Review.created_at).desc(), col(Review.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    shown = [
        ShownReview(
            id=row[0],
            order_id=row[1],
            author_id=row[2],
            author_name=row[3],
            role=ReviewerRole(row[4]),
            stars=row[5],
            text=row[6],
            as_described=row[7],
            created_at=row[8],
            reply=row[9],
            replied_at=row[10],
        )
        for row in rows[:per_page]
    ]
    return shown, len(rows) > per_page


def tell_shown(*, session: Session) -> int:
    """Tell the people whose reviews were shown at their window's end (or at once in a
    race the writer could not see): each once. For the periodic job."""
    now = utcnow()
    due = list(
        session.exec(
            select(Review).where(col(Review.told_at).is_(None), shown_clause(now)).limit(500)
        )
    )
    for review in due:
        _tell_shown(session, review)
    if due:
        session.execute(
            sa.update(Review).where(col(Review.id).in_([r.id for r in due])).values(told_at=now)
        )
    session.flush()
    return len(due)
