"""API input and output for conversations, messages, offers and blocks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field

from resale.conversations.models import MessageKind, OfferStatus
from resale.conversations.service import MAX_PLACE, MAX_TEXT, OfferAction
from resale.core.fields import AmountCents, BoundedText, Id

MessageText = Annotated[str, BoundedText(1, MAX_TEXT, one_line=False)]
MeetingPlace = Annotated[str, BoundedText(1, MAX_PLACE)]


class MessageIn(BaseModel):
    body: MessageText


class OfferIn(BaseModel):
    amount: Annotated[
        AmountCents, Field(description="The price offered, in cents of the listing's currency")
    ]


class OfferAnswerIn(BaseModel):
    action: OfferAction
    amount: Annotated[
        AmountCents | None, Field(description="With counter: the price asked instead, in cents")
    ] = None


class MeetingIn(BaseModel):
    at: Annotated[AwareDatetime, Field(description="When, with its time zone")]
    place: MeetingPlace


class FloorIn(BaseModel):
    floor: Annotated[
        AmountCents | None,
        Field(description="The lowest offer heard, in cents; null: any offer"),
    ] = None


class OfferOut(BaseModel):
    id: int
    amount: int
    currency: str
    status: OfferStatus
    made_by: Literal["buyer", "seller"]
    created_at: datetime
    expires_at: datetime


class PhotoUrls(BaseModel):
    display: str
    thumb: str


class MessageOut(BaseModel):
    id: int
    conversation_id: int
    sender: Literal["buyer", "seller"]
    mine: bool
    kind: MessageKind
    body: str
    photo: PhotoUrls | None = None
    offer: OfferOut | None = None
    meeting_at: datetime | None = None
    meeting_place: str | None = None
    warnings: list[str] = Field(
        default_factory=list,
        description="For the reader: contact details or payment requests that lead off resale",
    )
    created_at: datetime


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None = Field(
        default=None, description="Pass as before= for older messages; null at the start"
    )


class ConversationOut(BaseModel):
    id: int
    listing_id: int
    listing_title: str
    role: Literal["buyer", "seller", "admin"]
    other_party: str
    unread: int
    last_message_at: datetime
    open_offer: OfferOut | None = None
    reserved_until: datetime | None = Field(
        default=None, description="The item is kept for the buyer at the accepted offer until then"
    )
    blocked: bool = Field(description="Whether either person has blocked the other")


class InboxOut(BaseModel):
    items: list[ConversationOut]
    unread: int


class StartIn(BaseModel):
    listing_id: Id
