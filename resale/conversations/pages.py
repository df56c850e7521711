"""HTML pages: the inbox, a conversation (with its live updates), asking and offering from
a listing, answering offers, meetings and blocks; and what conversations add to the
listing and order pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlmodel import Session
from starlette.datastructures import UploadFile

from listings import photos as photo_store
from listings import service as listings_service
from listings.models import Listing, ListingStatus
from listings.schemas import PriceError, parse_price
from resale.conversations import live, service
from resale.conversations.dependencies import VisibleConversation
from resale.conversations.models import Conversation, Message, Offer, OfferStatus
from resale.core import security, web
from resale.core.db import SessionDep
from resale.core.errors import InvalidInput, NotAuthenticated, ResaleError
from resale.core.fields import Id
from resale.core.geo import nearest_place
from resale.core.i18n import N_, current, money, zone_name
from resale.core.i18n import gettext as _
from resale.core.notifications import service as notifications
from resale.core.web import FormDep
from resale.trade.orders import service as orders_service
from resale.users.dependencies import CurrentUser, page_router
from resale.users.models import User

router = page_router()
# The live stream holds no session for its life: not a page router (whose viewer
# dependency would keep one), it finds its viewer itself (resale.conversations.live).
live_router = APIRouter(include_in_schema=False)

# What a conversation says when its order moves (order event kinds).
TRADE_LINES = {
    "paid": N_("Paid. resale holds the money until the buyer has the item."),
    "shipped": N_("The seller posted the item."),
    "handed_over": N_("Handed over: the buyer has the item."),
    "confirmed": N_("The buyer confirmed that all is well."),
    "disputed": N_("The buyer reported a problem; resale is looking into it."),
    "completed": N_("Completed: the seller is paid."),
    "cancelled": N_("The order was cancelled."),
    "expired": N_("The order was not paid in time; the item is back on sale."),
    "refunded": N_("The buyer was refunded."),
}


@dataclass(frozen=True)
class Line:
    """One entry of the conversation as shown: a message, or a step of the order."""

    at: datetime
    message: Message | None = None
    offer: Offer | None = None
    trade_text: str | None = None
    order_id: int | None = None


def _zone(listing: Listing) -> str:
    """The time zone of the item's place: meetings are at its local time."""
    if listing.lat is None or listing.lon is None:
        return "Europe/Paris"
    return nearest_place(listing.lat, listing.lon)[0].timezone


def _lines(session: Session, conversation: Conversation, messages: Sequence[Message]) -> list[Line]:
    offers = service.offers_of(session=session, messages=messages)
    lines = [
        Line(at=m.created_at, message=m, offer=offers.get(m.offer_id) if m.offer_id else None)
        for m in messages
    ]
    since = messages[0].created_at if messages else None
    for step in orders_service.trade_lines(
        session=session, listing_id=conversation.listing_id, buyer_id=conversation.buyer_id
    ):
        if step.kind in TRADE_LINES and (since is None or step.at >= since):
            lines.append(
                Line(at=step.at, trade_text=_(TRADE_LINES[step.kind]), order_id=step.order_id)
            )
    return sorted(lines, key=lambda line: line.at)


def _line_context(
    session: Session, conversation: Conversation, viewer: User, csrf_token: str
) -> dict[str, Any]:
    """What the partial template of one line needs besides the line."""
    listing = listings_service.get_listing(session=session, listing_id=conversation.listing_id)
    open_offer = service.open_offer(session=session, conversation=conversation)
    latest_meeting = service.meeting_for(
        session=session, listing_id=conversation.listing_id, buyer_id=conversation.buyer_id
    )
    return {
        "viewer": viewer,
        "conversation": conversation,
        "listing": listing,
        "open_offer_id": open_offer.id if open_offer else None,
        "latest_meeting": latest_meeting,
        "zone": _zone(listing),
        "warnings_of": service.warnings_of,
        "csrf_token": csrf_token,
        "money": money,
        "photo_url": photo_store.url,
    }


def _render_line(line: Line, context: Mapping[str, Any]) -> str:
    template = web.templates.env.get_template("conversations/_line.html")
    return template.render({**context, "line": line})


def _conversation_context(
    request: Request,
    session: Session,
    conversation: Conversation,
    viewer: User,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    messages = service.messages(session=session, conversation=conversation, limit=100)
    listing = listings_service.get_listing(session=session, listing_id=conversation.listing_id)
    other = session.get(User, service.other_party(conversation, viewer))
    role = service.role_in(conversation, viewer)
    assert viewer.id is not None
    order_id = orders_service.latest_order_between(
        session=session, listing_id=conversation.listing_id, buyer_id=conversation.buyer_id
    )
    zone = _zone(listing)
    reserved_until = service.reservation_note(session=session, conversation=conversation)
    return {
        "conversation": conversation,
        "listing": listing,
        "photo_url": photo_store.url,
        "other": other,
        "role": role,
        "lines": _lines(session, conversation, messages),
        "line_context": _line_context(session, conversation, viewer, security.csrf_token(request)),
        "last_id": messages[-1].id if messages else 0,
        "open_offer": service.open_offer(session=session, conversation=conversation),
        "reserved_until": reserved_until,
        "blocked": service.is_blocked(
            session=session, a=conversation.buyer_id, b=conversation.seller_id
        ),
        "i_blocked": other is not None
        and service.has_blocked(session=session, blocker_id=viewer.id, blocked_id=other.id),  # type: ignore[arg-type]
        "order_id": order_id,
        "can_buy": role == "buyer"
        and (listing.status is ListingStatus.ACTIVE or reserved_until is not None),
        "zone": zone,
        "zone_label": zone_name(zone),
        "values": dict(values or {}),
        "errors": dict(errors or {}),
        "render_line": _render_line,
    }


def _show(
    request: Request,
    session: Session,
    conversation: Conversation,
    viewer: User,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = _conversation_context(
        request, session, conversation, viewer, values=values, errors=errors
    )
    return web.render(request, "conversations/conversation.html", context, status_code=status_code)


def _failed(
    request: Request,
    session: Session,
    conversation: Conversation,
    viewer: User,
    exc: Exception,
    values: Mapping[str, str],
) -> Response:
    """The conversation again, the message beside its field and what was typed kept."""
    return web.form_failed(
        request,
        "conversations/conversation.html",
        lambda errors: _conversation_context(
            request, session, conversation, viewer, values=values, errors=errors
        ),
        exc,
        session=session,
    )


def _url(conversation: Conversation) -> str:
    return f"/messages/{conversation.id}"


# --- The inbox and a conversation --------------------------------------------------------


@router.get("/messages")
def inbox_page(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    rows = service.inbox(session=session, user=user)
    return web.render(
        request,
        "conversations/inbox.html",
        {"rows": rows, "photo_url": photo_store.url, "viewer": user},
    )


@router.get("/messages/{conversation_id}")
def conversation_page(
    conversation: VisibleConversation, request: Request, user: CurrentUser, session: SessionDep
) -> Response:
    service.mark_read(session=session, conversation=conversation, user=user)
    assert user.id is not None
    # What the bell said of this conversation is seen too; the header counts are read again.
    notifications.mark_seen(session, user.id, link=_url(conversation))
    request.state.unseen_notifications = notifications.unseen_count(session, user.id)
    request.state.header_counts = web.header_counts(session, user.id)
    return _show(request, session, conversation, user)


@live_router.get("/messages/{conversation_id}/live")
async def conversation_live(
    conversation_id: Id,
    request: Request,
    after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Response:
    """New lines of a conversation as server-sent events, each as the HTML the page shows,
    and the viewer's unread count. The page works without it (reload to see what is new)."""
    viewer = await live.viewer(request)
    if viewer is None:
        raise NotAuthenticated()
    assert viewer.id is not None
    conversation = await live.read(
        lambda s: service.get_conversation(
            session=s, conversation_id=conversation_id, viewer=viewer
        )
    )
    csrf_token = security.csrf_token(request)

    def poll(session: Session, mark: int) -> tuple[list[str], int]:
        new = service.messages(session=session, conversation=conversation, after_id=mark)
        events = []
        if new:
            context = _line_context(session, conversation, viewer, csrf_token)
            for line in _lines(session, conversation, new):
                if line.message is None:
                    continue
                html = _render_line(line, context)
                events.append(live.event("line", {"id": line.message.id, "html": html}))
            mark = new[-1].id or mark
        events.append(live.event("unread", {"total": service.unread_total(session, viewer.id)}))  # type: ignore[arg-type]
        return events, mark

    return StreamingResponse(
        live.stream(viewer.id, poll, after, language=current()),
        media_type="text/event-stream",
        headers=live.STREAM_HEADERS,
    )


@router.post("/messages/{conversation_id}/send")
def send_submit(
    conversation: VisibleConversation,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    form: FormDep,
) -> Response:
    values = web.form_values(form)
    try:
        service.send_text(
            session=session, conversation=conversation, sender=user, body=values.get("body", "")
        )
    except ResaleError as exc:
        return _failed(request, session, conversation, user, exc, values)
    return web.redirect(_url(conversation) + "#latest")


@router.post("/messages/{conversation_id}/photo")
def photo_submit(
    conversation: VisibleConversation,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    form: FormDep,
) -> Response:
    values = web.form_values(form)
    upload = form.get("photo")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput(_("Choose a photo to send."), field="photo")
        service.send_photo(
            session=session,
            conversation=conversation,
            sender=user,
            upload=(upload.filename, upload.file),
        )
    except ResaleError as exc:
        return _failed(request, session, conversation, user, exc, values)
    return web.redirect(_url(conversation) + "#latest")


def _amount(values: Mapping[str, str]) -> int:
    """The price typed in the form ("12,50", "€ 80"), in minor units."""
    try:
        return parse_price(values.get("amount", ""))
    except PriceError as exc:
        raise InvalidInput(str(exc), field="amount") from None


@router.post("/messages/{conversation_id}/offer")
def offer_submit(
    conversation: VisibleConversation,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    form: FormDep,
) -> Response:
    values = web.form_values(form)
    try:
        service.make_offer(
            session=session, conversation=conversation, buyer=user, amount_cents=_amount(values)
        )
    except ResaleError as exc:
        return _failed(request, session, conversation, user, exc, values)
    return web.redirect(_url(conversation) + "#latest", flash=_("Your offer is sent."))


@router.post("/messages/{conversation_id}/offers/{offer_id}")
def answer_submit(
    conversation: VisibleConversation,
    offer_id: Id,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    form: FormDep,
) -> Response:
    values = web.form_values(form)
    try:
        action = service.OfferAction(values.get("action", ""))
    except ValueError:
        return _failed(
            request,
            session,
            conversation,
            user,
            InvalidInput(_("Choose accept, decline or counter."), field="action"),
            values,
        )
    try:
        amount = _amount(values) if action is service.OfferAction.COUNTER else None
        offer = service.answer_offer(
            session=session,
            conversation=conversation,
            user=user,
            offer_id=offer_id,
            action=action,
            amount_cents=amount,
        )
    except ResaleError as exc:
        return _failed(request, session, conversation, user, exc, values)
    said = {
        OfferStatus.ACCEPTED: _("Offer accepted: the item is reserved for the buyer."),
        OfferStatus.DECLINED: _("Offer declined."),
    }.get(offer.status, _("Your price is sent."))
    return web.redirect(_url(conversation) + "#latest", flash=said)


@router.post("/messages/{conversation_id}/meeting")
def meeting_submit(
    conversation: VisibleConversation,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    form: FormDep,
) -> Response:
    values = web.form_values(form)
    listing = listings_service.get_listing(session=session, listing_id=conversation.listing_id)
    try:
        try:
            local = datetime.fromisoformat(values.get("meeting_at", ""))
        except ValueError:
            raise InvalidInput(_("Choose a day and a time."), field="meeting_at") from None
        at = local.replace(tzinfo=ZoneInfo(_zone(listing))) if local.tzinfo is None else local
        try:
            service.propose_meeting(
                session=session,
                conversation=conversation,
                sender=user,
                at=at,
                place=values.get("meeting_place", ""),
            )
        except InvalidInput as exc:
            if exc.field == "at":
                exc.field = "meeting_at"
            elif exc.field == "place":
                exc.field = "meeting_place"
            raise
    except ResaleError as exc:
        return _failed(request, session, conversation, user, exc, values)
    return web.redirect(_url(conversation) + "#latest", flash=_("Your proposal is sent."))


@router.post("/messages/{conversation_id}/meetings/{message_id}/agree")
def agree_submit(
    conversation: VisibleConversation,
    message_id: Id,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
) -> Response:
    try:
        service.agree_meeting(
            session=session, conversation=conversation, user=user, message_id=message_id
        )
    except ResaleError as exc:
        return web.refused(session, exc, _url(conversation))
    return web.redirect(_url(conversation) + "#latest", flash=_("Meeting agreed."))


@router.post("/messages/{conversation_id}/block")
def block_submit(
    conversation: VisibleConversation, user: CurrentUser, session: SessionDep, form: FormDep
) -> Response:
    other = service.other_party(conversation, user)
    if web.form_values(form).get("blocked") == "0":
        service.unblock(session=session, user=user, other_id=other)
        return web.redirect(_url(conversation), flash=_("Unblocked."))
    service.block(session=session, user=user, other_id=other)
    return web.redirect(
        _url(conversation), flash=_("Blocked: no more messages or offers between you.")
    )


# --- From a listing and an order ---------------------------------------------------------


@router.post("/listings/{listing_id}/ask")
def ask_submit(listing_id: Id, user: CurrentUser, session: SessionDep, form: FormDep) -> Response:
    """ "Ask the seller": the conversation about this item, started if need be."""
    values = web.form_values(form)
    try:
        conversation, _created = service.start(session=session, buyer=user, listing_id=listing_id)
        if values.get("amount"):
            service.make_offer(
                session=session,
                conversation=conversation,
                buyer=user,
                amount_cents=_amount(values),
            )
    except ResaleError as exc:
        return web.refused(session, exc, f"/listings/{listing_id}")
    return web.redirect(_url(conversation) + ("#latest" if values.get("amount") else "#compose"))


@router.get("/orders/{order_id}/messages")
def order_conversation(order_id: Id, user: CurrentUser, session: SessionDep) -> Response:
    """The conversation about an order's item, between its buyer and seller."""
    conversation = service.for_order(session=session, order_id=order_id, viewer=user)
    return web.redirect(_url(conversation))


def listing_actions(
    *, request: Request, session: Session, viewer: User | None, listing: Listing
) -> str | None:
    """On a listing page: ask the seller and make an offer; for the seller, their floor."""
    if listing.status is ListingStatus.DRAFT:
        return None
    conversation = None
    reserved = None
    if viewer is not None and viewer.id is not None and viewer.id != listing.seller_id:
        conversation = service.find(session=session, listing_id=listing.id, buyer_id=viewer.id)  # type: ignore[arg-type]
        if conversation is not None:
            reserved = service.reservation_note(session=session, conversation=conversation)
    if listing.status is not ListingStatus.ACTIVE and conversation is None:
        return None
    template = web.templates.env.get_template("conversations/_listing_actions.html")
    return template.render(
        viewer=viewer,
        listing=listing,
        conversation=conversation,
        reserved_until=reserved,
        zone=_zone(listing),
        floor=service.floor_of(session=session, listing_id=listing.id),  # type: ignore[arg-type]
        csrf_token=security.csrf_token(request),
    )


def order_meeting(*, session: Session, viewer: User, order: Any) -> str | None:
    """On an order page: the meeting the two people agreed (or the latest proposal), and the
    way to their conversation."""
    meeting = service.meeting_for(
        session=session, listing_id=order.listing_id, buyer_id=order.buyer_id
    )
    listing = listings_service.get_listing(session=session, listing_id=order.listing_id)
    template = web.templates.env.get_template("conversations/_order_meeting.html")
    return template.render(
        order=order, meeting=meeting, zone=_zone(listing), pickup=order.fulfilment.value == "pickup"
    )


@router.post("/listings/{listing_id}/offer-floor")
def floor_submit(listing_id: Id, user: CurrentUser, session: SessionDep, form: FormDep) -> Response:
    values = web.form_values(form)
    back = f"/listings/{listing_id}"
    try:
        floor = parse_price(values["floor"]) if values.get("floor") else None
    except PriceError as exc:
        return web.redirect(back, flash=str(exc), kind="error")
    try:
        service.set_floor(session=session, seller=user, listing_id=listing_id, floor_cents=floor)
    except ResaleError as exc:
        return web.refused(session, exc, back)
    return web.redirect(
        back,
        flash=_("Offers below %(floor)s will be refused.")
        % {"floor": money(floor, _currency(session, listing_id))}
        if floor
        else _("Any offer is welcome now."),
    )


def _currency(session: Session, listing_id: int) -> str:
    return listings_service.get_listing(session=session, listing_id=listing_id).currency


def register() -> None:
    """What conversations add to other areas' pages and headers (called by the app)."""
    web.add_section("listing_actions", listing_actions)
    web.add_section("order", order_meeting)
    web.add_count("messages", service.unread_total)
