"""JSON API for conversations: the inbox, messages with a cursor, offers and their answers,
meetings, blocks, a listing's offer floor, and the live stream."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from listings import photos as photo_store
from listings import service as listings_service
from resale.conversations import live, service
from resale.conversations.dependencies import VisibleConversation
from resale.conversations.models import Conversation, Message, Offer
from resale.conversations.schemas import (
    ConversationOut,
    FloorIn,
    InboxOut,
    MeetingIn,
    MessageIn,
    MessageOut,
    MessagePage,
    OfferAnswerIn,
    OfferIn,
    OfferOut,
    PhotoUrls,
    StartIn,
)
from resale.core.db import SessionDep
from resale.core.errors import InvalidInput, NotAuthenticated
from resale.core.fields import Id
from resale.core.i18n import current
from resale.core.i18n import gettext as _
from resale.users.dependencies import CurrentUser
from resale.users.models import User

router = APIRouter(prefix="/api/v1", tags=["conversations"])


def offer_out(conversation: Conversation, offer: Offer) -> OfferOut:
    return OfferOut(
        id=offer.id,
        amount=offer.amount_cents,
        currency=offer.currency,
        status=offer.status,
        made_by="buyer" if offer.made_by == conversation.buyer_id else "seller",
        created_at=offer.created_at,
        expires_at=offer.expires_at,
    )


def messages_out(
    session: Session, conversation: Conversation, messages: Sequence[Message], viewer: User
) -> list[MessageOut]:
    offers = service.offers_of(session=session, messages=messages)
    return [
        MessageOut(
            id=m.id,
            conversation_id=m.conversation_id,
            sender="buyer" if m.sender_id == conversation.buyer_id else "seller",
            mine=m.sender_id == viewer.id,
            kind=m.kind,
            body=m.body,
            photo=PhotoUrls(
                display=photo_store.url(m.photo_key, "display"),
                thumb=photo_store.url(m.photo_key, "thumb"),
            )
            if m.photo_key
            else None,
            offer=offer_out(conversation, offers[m.offer_id]) if m.offer_id in offers else None,
            meeting_at=m.meeting_at,
            meeting_place=m.meeting_place,
            warnings=service.warnings_of(m) if m.sender_id != viewer.id else [],
            created_at=m.created_at,
        )
        for m in messages
    ]


def conversation_out(session: Session, conversation: Conversation, viewer: User) -> ConversationOut:
    listing = listings_service.get_listing(session=session, listing_id=conversation.listing_id)
    other = session.get(User, service.other_party(conversation, viewer))
    offer = service.open_offer(session=session, conversation=conversation)
    role = service.role_in(conversation, viewer)
    return ConversationOut(
        id=conversation.id,
        listing_id=conversation.listing_id,
        listing_title=listing.title,
        role=role or "admin",
        other_party=other.display_name if other else "",
        unread=service.unread_in(session, conversation, viewer) if role else 0,
        last_message_at=conversation.last_message_at,
        open_offer=offer_out(conversation, offer) if offer else None,
        reserved_until=service.reservation_note(session=session, conversation=conversation),
        blocked=service.is_blocked(
            session=session, a=conversation.buyer_id, b=conversation.seller_id
        ),
    )


def _cursor(message_id: int) -> str:
    return base64.urlsafe_b64encode(f"m{message_id}".encode()).decode().rstrip("=")


def _read_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("m"):
            raise ValueError
        value = int(raw[1:])
        if value < 1:
            raise ValueError
        return value
    except (ValueError, UnicodeDecodeError):
        refused = InvalidInput(_("This cursor is not valid."), field="before")
        refused.location = "query"
        raise refused from None


@router.post("/conversations", status_code=201, response_model=ConversationOut)
def start_conversation(
    body: StartIn, user: CurrentUser, session: SessionDep, response: Response
) -> ConversationOut:
    """Ask the seller of a listing: the conversation you already have about it, or a new one
    (201; 200 when it existed)."""
    conversation, created = service.start(session=session, buyer=user, listing_id=body.listing_id)
    if not created:
        response.status_code = 200
    return conversation_out(session, conversation, user)


@router.get("/conversations", response_model=InboxOut)
def inbox(user: CurrentUser, session: SessionDep) -> InboxOut:
    """Your conversations, the latest first, with unread counts."""
    assert user.id is not None
    rows = service.inbox(session=session, user=user)
    return InboxOut(
        items=[conversation_out(session, row.conversation, user) for row in rows],
        unread=service.unread_total(session, user.id),
    )


@router.get(
    "/conversations/live",
    response_class=StreamingResponse,
    # Signed in like every other call here, though the stream finds its viewer itself
    # (so that it holds no connection while it waits): say so in the document.
    openapi_extra={"security": [{"OAuth2PasswordBearer": []}]},
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}},
)
async def live_stream(
    request: Request,
    after: Annotated[int, Query(ge=0, le=2**31 - 1, description="The last message id seen")] = 0,
) -> StreamingResponse:
    """Server-sent events: ``message`` (a MessageOut, in any of your conversations) and
    ``unread`` ({"total": n}), as they happen. Resume with ``after`` or Last-Event-ID."""
    user = await live.viewer(request)
    if user is None:
        raise NotAuthenticated()
    assert user.id is not None
    start = max(after, _last_event_id(request))
    if not start:
        start = await live.read(lambda s: service.latest_message_id(session=s, user_id=user.id))  # type: ignore[arg-type]

    def poll(session: Session, mark: int) -> tuple[list[str], int]:
        new = service.new_messages_for(session=session, user_id=user.id, after_id=mark)  # type: ignore[arg-type]
        events = []
        for conversation, message in new:
            [out] = messages_out(session, conversation, [message], user)
            events.append(live.event("message", out.model_dump(mode="json"), event_id=out.id))
            mark = max(mark, out.id)
        events.append(live.event("unread", {"total": service.unread_total(session, user.id)}))  # type: ignore[arg-type]
        return events, mark

    return StreamingResponse(
        live.stream(user.id, poll, start, language=current()),
        media_type="text/event-stream",
        headers=live.STREAM_HEADERS,
    )


def _last_event_id(request: Request) -> int:
    value = request.headers.get("last-event-id", "")
    return int(value) if value.isdigit() and len(value) < 11 else 0


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
def get_conversation(
    conversation: VisibleConversation, user: CurrentUser, session: SessionDep
) -> ConversationOut:
    return conversation_out(session, conversation, user)


@router.get("/conversations/{conversation_id}/messages", response_model=MessagePage)
def list_messages(
    conversation: VisibleConversation,
    user: CurrentUser,
    session: SessionDep,
    before: Annotated[str | None, Query(max_length=40, description="A next_cursor")] = None,
    after: Annotated[
        int | None, Query(ge=0, le=2**31 - 1, description="Only messages after this id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> MessagePage:
    """The latest messages, oldest first; ``before`` pages back, ``after`` gives what is new."""
    before_id = _read_cursor(before) if before else None
    found = service.messages(
        session=session,
        conversation=conversation,
        after_id=after or 0,
        before_id=before_id,
        limit=limit,
    )
    older = (
        bool(found)
        and not after
        and service.has_before(
            session=session,
            conversation=conversation,
            message_id=found[0].id,  # type: ignore[arg-type]
        )
    )
    return MessagePage(
        items=messages_out(session, conversation, found, user),
        next_cursor=_cursor(found[0].id) if older else None,  # type: ignore[arg-type]
    )


@router.post(
    "/conversations/{conversation_id}/messages", status_code=201, response_model=MessageOut
)
def send_message(
    conversation: VisibleConversation, body: MessageIn, user: CurrentUser, session: SessionDep
) -> MessageOut:
    message = service.send_text(
        session=session, conversation=conversation, sender=user, body=body.body
    )
    [out] = messages_out(session, conversation, [message], user)
    return out


@router.post("/conversations/{conversation_id}/photos", status_code=201, response_model=MessageOut)
def send_photo(
    conversation: VisibleConversation,
    photo: Annotated[UploadFile, File(description="A JPEG, PNG or WebP picture")],
    user: CurrentUser,
    session: SessionDep,
) -> MessageOut:
    """A picture in the conversation (checked and re-encoded without its metadata)."""
    message = service.send_photo(
        session=session,
        conversation=conversation,
        sender=user,
        upload=(photo.filename or "photo", photo.file),
    )
    [out] = messages_out(session, conversation, [message], user)
    return out


@router.post("/conversations/{conversation_id}/read", status_code=204)
def mark_read(
    conversation: VisibleConversation, user: CurrentUser, session: SessionDep
) -> Response:
    """You have read the conversation up to its last message."""
    service.mark_read(session=session, conversation=conversation, user=user)
    return Response(status_code=204)


@router.post(
    "/conversations/{conversation_id}/meetings", status_code=201, response_model=MessageOut
)
def propose_meeting(
    conversation: VisibleConversation, body: MeetingIn, user: CurrentUser, session: SessionDep
) -> MessageOut:
    """Propose a time and place to hand the item over."""
    message = service.propose_meeting(
        session=session, conversation=conversation, sender=user, at=body.at, place=body.place
    )
    [out] = messages_out(session, conversation, [message], user)
    return out


@router.post(
    "/conversations/{conversation_id}/meetings/{message_id}/agree", response_model=MessageOut
)
def agree_meeting(
    conversation: VisibleConversation, message_id: Id, user: CurrentUser, session: SessionDep
) -> MessageOut:
    """Agree to the other person's proposed meeting (twice is once)."""
    message = service.agree_meeting(
        session=session, conversation=conversation, user=user, message_id=message_id
    )
    [out] = messages_out(session, conversation, [message], user)
    return out


@router.post("/conversations/{conversation_id}/offers", status_code=201, response_model=OfferOut)
def make_offer(
    conversation: VisibleConversation, body: OfferIn, user: CurrentUser, session: SessionDep
) -> OfferOut:
    """The buyer offers a price (the same offer twice is one offer)."""
    offer = service.make_offer(
        session=session, conversation=conversation, buyer=user, amount_cents=body.amount
    )
    return offer_out(conversation, offer)


@router.post("/conversations/{conversation_id}/offers/{offer_id}", response_model=OfferOut)
def answer_offer(
    conversation: VisibleConversation,
    offer_id: Id,
    body: OfferAnswerIn,
    user: CurrentUser,
    session: SessionDep,
) -> OfferOut:
    """Accept, decline or counter the other person's offer. A counter returns the new offer;
    accepting reserves the item for the buyer at that price."""
    offer = service.answer_offer(
        session=session,
        conversation=conversation,
        user=user,
        offer_id=offer_id,
        action=body.action,
        amount_cents=body.amount,
    )
    return offer_out(conversation, offer)


@router.put("/users/{user_id}/block", status_code=204)
def block_user(user_id: Id, user: CurrentUser, session: SessionDep) -> Response:
    """No more messages or offers between you and this person."""
    service.block(session=session, user=user, other_id=user_id)
    return Response(status_code=204)


@router.delete("/users/{user_id}/block", status_code=204)
def unblock_user(user_id: Id, user: CurrentUser, session: SessionDep) -> Response:
    service.unblock(session=session, user=user, other_id=user_id)
    return Response(status_code=204)


@router.put("/listings/{listing_id}/offer-floor", status_code=204)
def set_offer_floor(
    listing_id: Id, body: FloorIn, user: CurrentUser, session: SessionDep
) -> Response:
    """The lowest offer you will hear for your listing; lower offers are refused."""
    service.set_floor(session=session, seller=user, listing_id=listing_id, floor_cents=body.floor)
    return Response(status_code=204)
