"""JSON API for reviews and public profiles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session

from resale.core.db import SessionDep
from resale.core.fields import Id
from resale.core.i18n import gettext as _
from resale.trust import service
from resale.trust.models import Review
from resale.trust.schemas import (
    CardOut,
    HideIn,
    ProfileOut,
    RatingOut,
    ReplyIn,
    ReviewIn,
    ReviewOut,
    WrittenReviewOut,
)
from resale.users.dependencies import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["reviews"])

Page = Annotated[int, Query(ge=1, le=10_000, description="Page of reviews, from 1")]


def written_out(session: Session, review: Review) -> WrittenReviewOut:
    assert review.id is not None
    shown = service.is_shown(session=session, review_id=review.id)
    return WrittenReviewOut(
        id=review.id,
        order_id=review.order_id,
        subject_id=review.subject_id,
        stars=review.stars,
        text=review.text,
        as_described=review.as_described,
        created_at=review.created_at,
        shown=shown,
        shown_from=review.visible_at,
        hidden=review.hidden_at is not None,
    )


@router.post("/orders/{order_id}/review", status_code=201, response_model=WrittenReviewOut)
def write_review(
    order_id: Id, body: ReviewIn, user: CurrentUser, session: SessionDep
) -> WrittenReviewOut:
    """Review the other party of a completed order of yours, once, within the review window
    (409 after it, or a second time). Shown when both have written theirs, or when the
    window ends."""
    review = service.write_review(
        session=session,
        order_id=order_id,
        author=user,
        stars=body.stars,
        text=body.text,
        as_described=body.as_described,
    )
    return written_out(session, review)


@router.post("/reviews/{review_id}/reply", response_model=WrittenReviewOut)
def reply(review_id: Id, body: ReplyIn, user: CurrentUser, session: SessionDep) -> WrittenReviewOut:
    """Answer a shown review about you, once (409 the second time)."""
    review = service.reply(session=session, review_id=review_id, user=user, text=body.text)
    return written_out(session, review)


@router.post("/reviews/{review_id}/hide", response_model=WrittenReviewOut)
def hide(review_id: Id, body: HideIn, user: CurrentUser, session: SessionDep) -> WrittenReviewOut:
    """Admins: take a review down, saying why (kept in the moderation log)."""
    review = service.hide(session=session, review_id=review_id, admin=user, reason=body.reason)
    return written_out(session, review)


@router.get("/users/{user_id}/profile", response_model=ProfileOut)
def profile(user_id: Id, session: SessionDep, page: Page = 1) -> ProfileOut:
    """A member's public profile: rating, shown reviews (newest first, ten a page), items on
    sale, items sold, typical response time, carbon avoided and badges."""
    found = service.profile(session=session, user_id=user_id, page=page)
    return ProfileOut(
        id=found.user_id,
        display_name=found.display_name,
        place_name=found.place_name,
        member_since=found.member_since,
        rating=RatingOut(count=found.rating.count, average=found.rating.average),
        reviews=[ReviewOut(**review.__dict__) for review in found.reviews],
        page=found.page,
        more_reviews=found.more_reviews,
        for_sale=[
            CardOut(
                id=card.id,
                title=card.title,
                price_cents=card.price_cents,
                currency=card.currency,
                place_name=card.place_name,
            )
            for card in found.for_sale
        ],
        items_sold=found.sold,
        trades=found.trades,
        response_seconds=found.response_seconds,
        carbon_avoided_grams=found.carbon_grams,
        badges=[_(badge) for badge in found.badges],
    )
