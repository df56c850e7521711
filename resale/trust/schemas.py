"""API input and output for reviews and public profiles."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, StrictBool

from resale.core.fields import BoundedText, NotBoolean, blank_to_none
from resale.trust.models import MAX_REASON, MAX_REPLY_TEXT, MAX_REVIEW_TEXT, ReviewerRole

Stars = Annotated[int, Field(ge=1, le=5, description="1 (poor) to 5 (excellent)"), NotBoolean]
ReviewText = Annotated[
    Annotated[str, BoundedText(0, MAX_REVIEW_TEXT, one_line=False)] | None,
    BeforeValidator(blank_to_none),
]
ReplyText = Annotated[str, BoundedText(1, MAX_REPLY_TEXT, one_line=False)]
Reason = Annotated[str, BoundedText(1, MAX_REASON)]


class ReviewIn(BaseModel):
    stars: Stars
    text: ReviewText = None
    as_described: Annotated[
        StrictBool | None,
        Field(description="The buyer's word: was the item as described? (required of the buyer)"),
    ] = None


class ReplyIn(BaseModel):
    text: ReplyText


class HideIn(BaseModel):
    reason: Reason


class ReviewOut(BaseModel):
    id: int
    order_id: int
    author_id: int
    author_name: str
    role: ReviewerRole = Field(description="The author's part in the trade")
    stars: int
    text: str | None
    as_described: bool | None
    created_at: datetime
    reply: str | None = None
    replied_at: datetime | None = None


class WrittenReviewOut(BaseModel):
    """Your review as written, and whether it is shown yet (double-blind)."""

    id: int
    order_id: int
    subject_id: int
    stars: int
    text: str | None
    as_described: bool | None
    created_at: datetime
    shown: bool
    shown_from: datetime = Field(description="Shown at the latest from then")
    hidden: bool = False


class RatingOut(BaseModel):
    count: int
    average: float | None = Field(description="Mean stars of the shown reviews; null without any")


class CardOut(BaseModel):
    id: int
    title: str
    price_cents: int
    currency: str
    place_name: str | None


class ProfileOut(BaseModel):
    id: int
    display_name: str
    place_name: str | None = Field(description="A place name, never a point")
    member_since: datetime
    rating: RatingOut
    reviews: list[ReviewOut]
    page: int
    more_reviews: bool
    for_sale: list[CardOut]
    items_sold: int
    trades: int
    response_seconds: float | None = Field(
        description="Median seconds to answer a message in conversations; null when unknown"
    )
    carbon_avoided_grams: int
    badges: list[str]
