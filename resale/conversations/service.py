"""Conversations between a listing's buyer and seller, the offers they make, the meeting
they agree, blocks and limits. Pages and routes call these; nothing here speaks HTTP.

Rules in one place:
- one conversation per listing and buyer; only its two people (and an admin) may read it,
  anyone else is told it does not exist;
- a blocked pair can neither message nor offer, whoever blocked whom;
- one open offer per conversation: a new price from the buyer replaces theirs, a price from
  the other side is a counter; an accepted offer reserves the item for the buyer at that
  price (listings.hold) and withdraws every other open offer on it;
- every action is safe to send twice: the same answer again changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listings import photos as photo_store
from listings import service as listings_service
from listings.models import Listing, ListingStatus
from resale.conversations import safety
from resale.conversations.models import (
    Block,
    Conversation,
    Message,
    MessageKind,
    Offer,
    OfferFloor,
    OfferStatus,
)
from resale.core.config import settings
from resale.core.db import insert_unless_present, lock_for_write, on_rollback, pause, utcnow
from resale.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ResaleError
from resale.core.i18n import N_, money
from resale.core.i18n import gettext as _
from resale.core.live import wake_after_commit
from resale.core.notifications import service as notifications
from resale.trade.orders import service as orders_service
from resale.users.models import User

MAX_TEXT = 2000
MAX_PLACE = 200

# Notification kinds told by this area.
MESSAGE = "conversation.message"
OFFER = "conversation.offer"

NEW_MESSAGE = N_("%(name)s about “%(title)s”: %(text)s")
NEW_OFFER = N_("%(name)s offers %(amount)s for “%(title)s”.")
OFFER_ACCEPTED = N_("%(name)s accepted %(amount)s for “%(title)s”.")
OFFER_DECLINED = N_("%(name)s declined %(amount)s for “%(title)s”.")
OFFER_COUNTERED = N_("%(name)s answers %(amount)s for “%(title)s”.")
OFFER_WITHDRAWN = N_("“%(title)s” went to another buyer: your offer of %(amount)s is closed.")
NEW_PHOTO = N_("%(name)s sent a photo about “%(title)s”.")
NEW_MEETING = N_("%(name)s proposes to meet for “%(title)s”.")
MEETING_AGREED = N_("%(name)s agreed to meet for “%(title)s”.")


class ConversationNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__(_("No such conversation."), field="conversation_id")


class Blocked(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(
            _("You cannot message this person: one of you has blocked the other."),
            field="conversation_id",
        )


class TooManyMessages(ResaleError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OfferClosed(Conflict):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="offer_id")


class OfferAction(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    COUNTER = "counter"


# --- Who may see what ------------------------------------------------------------------


def role_in(conversation: Conversation, user: User) -> str | None:
    if user.id == conversation.buyer_id:
        return "buyer"
    if user.id == conversation.seller_id:
        return "seller"
    return None


def other_party(conversation: Conversation, user: User) -> int:
    return conversation.seller_id if user.id == conversation.buyer_id else conversation.buyer_id


def get_conversation(*, session: Session, conversation_id: int, viewer: User) -> Conversation:
    """A conversation its two people (or an admin) may read; "not found" for anyone else."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or not (viewer.is_admin or role_in(conversation, viewer)):
        raise ConversationNotFound()
    return conversation


def _must_take_part(conversation: Conversation, user: User) -> None:
    """Only the two people write in a conversation (an admin reads, never speaks for them)."""
    if role_in(conversation, user) is None:
        raise ConversationNotFound()


def is_blocked(*, session: Session, a: int, b: int) -> bool:
    """Whether either of two people has blocked the other."""
    return (
        session.exec(
            select(Block).where(
                sa.or_(
                    sa.and_(col(Block.blocker_id) == a, col(Block.blocked_id) == b),
                    sa.and_(col(Block.blocker_id) == b, col(Block.blocked_id) == a),
                )
            )
        ).first()
        is not None
    )


def has_blocked(*, session: Session, blocker_id: int, blocked_id: int) -> bool:
    return session.get(Block, (blocker_id, blocked_id)) is not None


def block(*, session: Session, user: User, other_id: int) -> None:
    """``user`` wants nothing more from ``other_id`` (twice is once)."""
    assert user.id is not None
    if other_id == user.id or session.get(User, other_id) is None:
        raise InvalidInput(_("Choose someone else to block."), field="user_id")
    insert_unless_present(
        session, Block, {"blocker_id": user.id, "blocked_id": other_id, "created_at": utcnow()}
    )


def unblock(*, session: Session, user: User, other_id: int) -> None:
    lock_for_write(session)
    session.execute(
        sa.delete(Block).where(col(Block.blocker_id) == user.id, col(Block.blocked_id) == other_id)
    )


# --- Starting and listing conversations ---------------------------------------------------


def _lock_person(session: Session, user_id: int) -> None:
    """Hold one person's row until the end of the transaction, so that their own requests
    count against their limits one after another (SQLite's write lock does it already)."""
    lock_for_write(session)
    session.exec(select(User.id).where(User.id == user_id).with_for_update()).first()


def _check_rate(
    session: Session, *, count_since: int, limit: int, window: timedelta, message: str
) -> None:
    if limit and count_since >= limit:
        raise TooManyMessages(message, retry_after=int(window.total_seconds()))


def _count_messages(session: Session, sender_id: int, since: datetime) -> int:
    return int(
        session.execute(
            sa.select(sa.func.count())
            .select_from(Message)
            .where(col(Message.sender_id) == sender_id, col(Message.created_at) > since)
        ).scalar_one()
    )


def start(*, session: Session, buyer: User, listing_id: int) -> tuple[Conversation, bool]:
    """The conversation between ``buyer`` and the seller of a listing: the one they already
    have, else a new one (the listing must be on sale). Returns (conversation, created)."""
    assert buyer.id is not None
    _lock_person(session, buyer.id)
    listing = session.get(Listing, listing_id)
    if listing is None or listing.status is ListingStatus.DRAFT:
        raise NotFound(_("No such listing."), field="listing_id")
    existing = session.exec(
        select(Conversation).where(
            Conversation.listing_id == listing_id, Conversation.buyer_id == buyer.id
        )
    ).first()
    if existing is not None:
        return existing, False
    if listing.seller_id == buyer.id:
        raise InvalidInput(_("This is your own listing."), field="listing_id")
    if listing.status is not ListingStatus.ACTIVE:
        raise Conflict(_("This item is no longer on sale."), field="listing_id")
    if is_blocked(session=session, a=buyer.id, b=listing.seller_id):
        raise Blocked()
    hour = timedelta(hours=1)
    started = int(
        session.execute(
            sa.select(sa.func.count())
            .select_from(Conversation)
            .where(
                col(Conversation.buyer_id) == buyer.id,
                col(Conversation.created_at) > utcnow() - hour,
            )
        ).scalar_one()
    )
    _check_rate(
        session,
        count_since=started,
        limit=settings.conversations_per_hour,
        window=hour,
        message=_("You have started many conversations in the last hour. Please try again later."),
    )
    return _open(session, listing_id, buyer.id, listing.seller_id)


def _open(
    session: Session, listing_id: int, buyer_id: int, seller_id: int
) -> tuple[Conversation, bool]:
    """The conversation of a listing and buyer, made unless it is there (two clicks at
    once make one); returns (conversation, created)."""
    now = utcnow()
    created = insert_unless_present(
        session,
        Conversation,
        {
            "listing_id": listing_id,
            "buyer_id": buyer_id,
            "seller_id": seller_id,
            "created_at": now,
            "last_message_at": now,
            "buyer_read_id": 0,
            "seller_read_id": 0,
        },
    )
    found = find(session=session, listing_id=listing_id, buyer_id=buyer_id)
    assert found is not None
    return found, created


def for_order(*, session: Session, order_id: int, viewer: User) -> Conversation:
    """The conversation about an order's item between its buyer and seller (made if they
    never talked before the sale: they must be able to now)."""
    order = orders_service.get_order(session=session, order_id=order_id, viewer=viewer)
    found = find(session=session, listing_id=order.listing_id, buyer_id=order.buyer_id)
    if found is not None:
        return found
    if viewer.id not in (order.buyer_id, order.seller_id):
        raise ConversationNotFound()  # an admin reads what the two people wrote, never starts
    lock_for_write(session)
    return _open(session, order.listing_id, order.buyer_id, order.seller_id)[0]


def find(*, session: Session, listing_id: int, buyer_id: int) -> Conversation | None:
    return session.exec(
        select(Conversation).where(
            Conversation.listing_id == listing_id, Conversation.buyer_id == buyer_id
        )
    ).first()


@dataclass(frozen=True)
class InboxRow:
    conversation: Conversation
    listing: Listing
    other: User
    last: Message | None
    unread: int


def _unread_clause(user_id: int) -> sa.ColumnElement[bool]:
    """Messages of a conversation that ``user_id`` has not read (none of their own)."""
    read_up_to = sa.case(
        (col(Conversation.buyer_id) == user_id, col(Conversation.buyer_read_id)),
        else_=col(Conversation.seller_read_id),
    )
    return sa.and_(col(Message.id) > read_up_to, col(Message.sender_id) != user_id)


def inbox(*, session: Session, user: User, limit: int = 50) -> list[InboxRow]:
    """The user's conversations, the latest first, each with its last message and unread count."""
    assert user.id is not None
    conversations = list(
        session.exec(
            select(Conversation)
            .where(
                sa.or_(
                    col(Conversation.buyer_id) == user.id, col(Conversation.seller_id) == user.id
                )
            )
            .order_by(col(Conversation.last_message_at).desc(), col(Conversation.id).desc())
            .limit(limit)
        ).all()
    )
    if not conversations:
        return []
    ids = [c.id for c in conversations]
    unread = dict(
        session.execute(
            sa.select(col(Message.conversation_id), sa.func.count())
            .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
            .where(col(Message.conversation_id).in_(ids), _unread_clause(user.id))
            .group_by(col(Message.conversation_id))
        ).all()
    )
    last_ids = (
        sa.select(sa.func.max(col(Message.id)))
        .where(col(Message.conversation_id).in_(ids))
        .group_by(col(Message.conversation_id))
    )
    lasts = {
        m.conversation_id: m
        for m in session.exec(select(Message).where(col(Message.id).in_(last_ids))).all()
    }
    listings = listings_service.get_listings(
        session=session, listing_ids=[c.listing_id for c in conversations]
    )
    others = {
        row.id: row
        for row in session.exec(
            select(User).where(col(User.id).in_([other_party(c, user) for c in conversations]))
        ).all()
    }
    return [
        InboxRow(
            conversation=c,
            listing=listings[c.listing_id],
            other=others[other_party(c, user)],
            last=lasts.get(c.id or 0),
            unread=int(unread.get(c.id or 0, 0)),
        )
        for c in conversations
    ]


def unread_total(session: Session, user_id: int) -> int:
    """Messages sent to ``user_id`` that they have not read, over all their conversations."""
    return int(
        session.execute(
            sa.select(sa.func.count())
            .select_from(Message)
            .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
            .where(
                sa.or_(
                    col(Conversation.buyer_id) == user_id, col(Conversation.seller_id) == user_id
                ),
                _unread_clause(user_id),
            )
        ).scalar_one()
    )


def unread_in(session: Session, conversation: Conversation, user: User) -> int:
    assert user.id is not None
    return int(
        session.execute(
            sa.select(sa.func.count())
            .select_from(Message)
            .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
            .where(col(Message.conversation_id) == conversation.id, _unread_clause(user.id))
        ).scalar_one()
    )


# --- Messages --------------------------------------------------------------------------


def messages(
    *,
    session: Session,
    conversation: Conversation,
    after_id: int = 0,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Message]:
    """Messages oldest first: those after ``after_id`` (what is new), or the ``limit``
    latest before ``before_id`` (an older page)."""
    query = select(Message).where(
        Message.conversation_id == conversation.id, col(Message.id) > after_id
    )
    if before_id is not None:
        query = query.where(col(Message.id) < before_id)
        page = list(session.exec(query.order_by(col(Message.id).desc()).limit(limit)).all())
        return page[::-1]
    if after_id:
        return list(session.exec(query.order_by(col(Message.id)).limit(limit)).all())
    page = list(session.exec(query.order_by(col(Message.id).desc()).limit(limit)).all())
    return page[::-1]


def has_before(*, session: Session, conversation: Conversation, message_id: int) -> bool:
    return (
        session.exec(
            select(Message.id).where(
                Message.conversation_id == conversation.id, col(Message.id) < message_id
            )
        ).first()
        is not None
    )


def latest_message_id(*, session: Session, user_id: int) -> int:
    """The newest message in any of ``user_id``'s conversations (0 if none)."""
    return int(
        session.execute(
            sa.select(sa.func.max(col(Message.id)))
            .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
            .where(
                sa.or_(
                    col(Conversation.buyer_id) == user_id, col(Conversation.seller_id) == user_id
                )
            )
        ).scalar()
        or 0
    )


def new_messages_for(
    *, session: Session, user_id: int, after_id: int, limit: int = 100
) -> list[tuple[Conversation, Message]]:
    """Messages after ``after_id`` in any of ``user_id``'s conversations, oldest first."""
    rows = session.exec(
        select(Conversation, Message)
        .join(Message, col(Message.conversation_id) == col(Conversation.id))
        .where(
            sa.or_(col(Conversation.buyer_id) == user_id, col(Conversation.seller_id) == user_id),
            col(Message.id) > after_id,
        )
        .order_by(col(Message.id))
        .limit(limit)
    ).all()
    return [(c, m) for c, m in rows]


def offers_of(*, session: Session, messages: Sequence[Message]) -> dict[int, Offer]:
    ids = {m.offer_id for m in messages if m.offer_id is not None}
    if not ids:
        return {}
    return {o.id: o for o in session.exec(select(Offer).where(col(Offer.id).in_(ids))).all()}  # type: ignore[misc]


def mark_read(*, session: Session, conversation: Conversation, user: User) -> None:
    """``user`` has read the conversation up to its last message."""
    role = role_in(conversation, user)
    if role is None:
        return  # an admin reading leaves it unread for its people
    last = session.execute(
        sa.select(sa.func.max(col(Message.id))).where(
            col(Message.conversation_id) == conversation.id
        )
    ).scalar()
    column = "buyer_read_id" if role == "buyer" else "seller_read_id"
    if not last or getattr(conversation, column) >= last:
        return
    lock_for_write(session)
    session.execute(
        sa.update(Conversation)
        .where(
            col(Conversation.id) == conversation.id,
            getattr(Conversation, column) < last,
        )
        .values({column: last})
        .execution_options(synchronize_session=False)
    )
    setattr(conversation, column, last)
    assert user.id is not None
    wake_after_commit(session, [user.id])  # their other pages' counts


def _listing(session: Session, conversation: Conversation) -> Listing:
    return listings_service.get_listing(session=session, listing_id=conversation.listing_id)


def _post(
    session: Session,
    conversation: Conversation,
    sender: User,
    kind: MessageKind,
    *,
    body: str = "",
    offer: Offer | None = None,
    meeting_at: datetime | None = None,
    meeting_place: str | None = None,
    photo_key: str | None = None,
) -> Message:
    """Store a message from ``sender`` (limits counted, blocks checked), move the
    conversation up the inboxes, and tell the other person."""
    assert sender.id is not None
    _lock_person(session, sender.id)
    other = other_party(conversation, sender)
    if is_blocked(session=session, a=sender.id, b=other):
        raise Blocked()
    now = utcnow()
    minute, day = timedelta(minutes=1), timedelta(days=1)
    _check_rate(
        session,
        count_since=_count_messages(session, sender.id, now - minute),
        limit=settings.messages_per_minute,
        window=minute,
        message=_("You are sending messages very fast. Please wait a minute."),
    )
    _check_rate(
        session,
        count_since=_count_messages(session, sender.id, now - day),
        limit=settings.messages_per_day,
        window=day,
        message=_("You have sent many messages today. Please try again tomorrow."),
    )
    found = safety.concerns(body) if body else ()
    message = Message(
        conversation_id=conversation.id,  # type: ignore[arg-type]
        sender_id=sender.id,
        kind=kind,
        body=body,
        offer_id=offer.id if offer else None,
        photo_key=photo_key,
        meeting_at=meeting_at,
        meeting_place=meeting_place,
        concerns=",".join(found) or None,
        created_at=now,
    )
    session.add(message)
    session.flush()
    # The sender has read their own conversation up to what they just said.
    read_column = "buyer_read_id" if sender.id == conversation.buyer_id else "seller_read_id"
    session.execute(
        sa.update(Conversation)
        .where(col(Conversation.id) == conversation.id)
        .values({"last_message_at": now, read_column: message.id})
        .execution_options(synchronize_session=False)
    )
    conversation.last_message_at = now
    setattr(conversation, read_column, message.id)
    wake_after_commit(session, [sender.id, other])
    return message


def _tell(
    session: Session,
    conversation: Conversation,
    sender: User,
    kind: str,
    wording: str,
    key: str,
    **params: str,
) -> None:
    listing = _listing(session, conversation)
    notifications.tell(
        session,
        other_party(conversation, sender),
        kind,
        text=wording,
        link=f"/messages/{conversation.id}",
        key=key,
        params={"name": sender.display_name, "title": listing.title, **params},
    )


def send_text(*, session: Session, conversation: Conversation, sender: User, body: str) -> Message:
    """A text message; what is found by the safety check is stored with it and shown to the
    reader as a warning, and the message is delivered all the same."""
    _must_take_part(conversation, sender)
    text = body.strip()
    if not text:
        raise InvalidInput(_("Write a message."), field="body")
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            _("A message is at most %(count)s characters.") % {"count": MAX_TEXT}, field="body"
        )
    message = _post(session, conversation, sender, MessageKind.TEXT, body=text)
    preview = text if len(text) <= 80 else text[:79] + "…"
    _tell(
        session, conversation, sender, MESSAGE, NEW_MESSAGE, f"message:{message.id}", text=preview
    )
    return message


def send_photo(
    *, session: Session, conversation: Conversation, sender: User, upload: photo_store.Upload
) -> Message:
    """A picture, through the listing photos' checks (a real JPEG, PNG or WebP within the
    limits), re-encoded without its metadata (EXIF, GPS). Nothing is kept if it fails."""
    _must_take_part(conversation, sender)
    name, content = upload
    pause(session)  # decoding holds no lock
    try:
        photo = photo_store.process(photo_store.read_upload(content), filename=name)
    except photo_store.InvalidPhoto as exc:
        raise InvalidInput(exc.message, field="photo") from None
    key = f"messages/{conversation.id}/{uuid.uuid4().hex}"
    message = _post(session, conversation, sender, MessageKind.PHOTO, photo_key=key)
    written = photo_store.save(key, photo)

    def remove_files() -> None:
        for path in written:
            path.unlink(missing_ok=True)

    on_rollback(session, remove_files)
    _tell(session, conversation, sender, MESSAGE, NEW_PHOTO, f"message:{message.id}")
    return message


def warnings_of(message: Message) -> list[str]:
    """What the safety check found in a message, worded for the reader."""
    if not message.concerns:
        return []
    kinds = []
    for value in message.concerns.split(","):
        try:
            kinds.append(safety.Concern(value))
        except ValueError:
            continue
    return [_(kind.label) for kind in kinds]


# --- Meetings --------------------------------------------------------------------------


def propose_meeting(
    *,
    session: Session,
    conversation: Conversation,
    sender: User,
    at: datetime,
    place: str,
) -> Message:
    """A time and a place to hand the item over; either person may propose another."""
    _must_take_part(conversation, sender)
    where = place.strip()
    if not where:
        raise InvalidInput(_("Say where to meet."), field="place")
    if len(where) > MAX_PLACE:
        raise InvalidInput(
            _("A place is at most %(count)s characters.") % {"count": MAX_PLACE}, field="place"
        )
    if at.tzinfo is None:
        raise InvalidInput(_("Give the time with its time zone."), field="at")
    if at <= utcnow():
        raise InvalidInput(_("Choose a time in the future."), field="at")
    if at > utcnow() + timedelta(days=90):
        raise InvalidInput(_("Choose a time within 90 days."), field="at")
    message = _post(
        session,
        conversation,
        sender,
        MessageKind.MEETING,
        body=where,
        meeting_at=at,
        meeting_place=where,
    )
    _tell(session, conversation, sender, MESSAGE, NEW_MEETING, f"message:{message.id}")
    return message


def agree_meeting(
    *, session: Session, conversation: Conversation, user: User, message_id: int
) -> Message:
    """``user`` agrees to the meeting the other person proposed in ``message_id``. Agreeing
    twice is once; only the latest proposal can be agreed."""
    _must_take_part(conversation, user)
    lock_for_write(session)
    proposal = session.get(Message, message_id)
    if (
        proposal is None
        or proposal.conversation_id != conversation.id
        or proposal.kind is not MessageKind.MEETING
    ):
        raise NotFound(_("No such meeting proposal."), field="message_id")
    agreed = _after(session, proposal, MessageKind.MEETING_AGREED)
    if agreed is not None:
        return agreed  # agreed already: sent twice
    if proposal.sender_id == user.id:
        raise InvalidInput(_("Wait for the other person to agree."), field="message_id")
    if _after(session, proposal, MessageKind.MEETING) is not None:
        raise Conflict(_("A newer time was proposed since."), field="message_id")
    message = _post(
        session,
        conversation,
        user,
        MessageKind.MEETING_AGREED,
        body=proposal.meeting_place or "",
        meeting_at=proposal.meeting_at,
        meeting_place=proposal.meeting_place,
    )
    _tell(session, conversation, user, MESSAGE, MEETING_AGREED, f"message:{message.id}")
    return message


def _after(session: Session, message: Message, kind: MessageKind) -> Message | None:
    """The first message of ``kind`` after ``message`` in its conversation."""
    return session.exec(
        select(Message)
        .where(
            Message.conversation_id == message.conversation_id,
            Message.kind == kind,
            col(Message.id) > message.id,
        )
        .order_by(col(Message.id))
    ).first()


@dataclass(frozen=True)
class Meeting:
    at: datetime
    place: str
    agreed: bool


def meeting_for(*, session: Session, listing_id: int, buyer_id: int) -> Meeting | None:
    """The latest meeting the two people proposed or agreed about a listing."""
    conversation = find(session=session, listing_id=listing_id, buyer_id=buyer_id)
    if conversation is None:
        return None
    latest = session.exec(
        select(Message)
        .where(
            Message.conversation_id == conversation.id,
            col(Message.kind).in_([MessageKind.MEETING, MessageKind.MEETING_AGREED]),
        )
        .order_by(col(Message.id).desc())
    ).first()
    if latest is None or latest.meeting_at is None:
        return None
    return Meeting(
        at=latest.meeting_at,
        place=latest.meeting_place or "",
        agreed=latest.kind is MessageKind.MEETING_AGREED,
    )


# --- Offers ----------------------------------------------------------------------------


def floor_of(*, session: Session, listing_id: int) -> int | None:
    row = session.get(OfferFloor, listing_id)
    return row.floor_cents if row else None


def set_floor(*, session: Session, seller: User, listing_id: int, floor_cents: int | None) -> None:
    """The lowest offer the seller will hear for their listing (None: any offer)."""
    lock_for_write(session)
    listing = session.get(Listing, listing_id)
    if listing is None or listing.seller_id != seller.id:
        raise NotFound(_("No such listing."), field="listing_id")
    if floor_cents is not None and not 0 < floor_cents <= listing.price_cents:
        raise InvalidInput(
            _("Choose a lowest offer between 0 and the asking price."), field="floor"
        )
    existing = session.get(OfferFloor, listing_id)
    if floor_cents is None:
        if existing is not None:
            session.delete(existing)
    elif existing is None:
        session.add(OfferFloor(listing_id=listing_id, floor_cents=floor_cents))
    else:
        existing.floor_cents = floor_cents
        session.add(existing)
    session.flush()


def _expire_if_due(session: Session, offer: Offer) -> None:
    if offer.status is OfferStatus.OPEN and offer.expires_at <= utcnow():
        offer.status = OfferStatus.EXPIRED
        offer.answered_at = offer.expires_at
        session.add(offer)
        session.flush()


def open_offer(*, session: Session, conversation: Conversation) -> Offer | None:
    """The offer waiting for an answer in a conversation, if any (expired ones are not)."""
    offer = session.exec(
        select(Offer).where(
            Offer.conversation_id == conversation.id,
            Offer.status == OfferStatus.OPEN,
            col(Offer.expires_at) > utcnow(),
        )
    ).first()
    return offer


def accepted_offer(*, session: Session, listing_id: int, buyer_id: int) -> Offer | None:
    """The offer accepted between a listing's seller and ``buyer_id``, if any."""
    conversation = find(session=session, listing_id=listing_id, buyer_id=buyer_id)
    if conversation is None:
        return None
    return session.exec(
        select(Offer)
        .where(Offer.conversation_id == conversation.id, Offer.status == OfferStatus.ACCEPTED)
        .order_by(col(Offer.id).desc())
    ).first()


def _check_amount(session: Session, listing: Listing, amount_cents: int, *, by_buyer: bool) -> None:
    if amount_cents <= 0:
        raise InvalidInput(_("Offer a price above zero."), field="amount")
    if amount_cents > listing.price_cents:
        raise InvalidInput(
            _("Offer at most the asking price, %(price)s.")
            % {"price": money(listing.price_cents, listing.currency)},
            field="amount",
        )
    floor = floor_of(session=session, listing_id=listing.id)  # type: ignore[arg-type]
    if by_buyer and floor is not None and amount_cents < floor:
        raise InvalidInput(
            _("The seller does not take offers below %(floor)s.")
            % {"floor": money(floor, listing.currency)},
            field="amount",
        )


def _new_offer(
    session: Session, conversation: Conversation, listing: Listing, maker: User, amount: int
) -> Offer:
    now = utcnow()
    offer = Offer(
        conversation_id=conversation.id,  # type: ignore[arg-type]
        listing_id=listing.id,  # type: ignore[arg-type]
        made_by=maker.id,  # type: ignore[arg-type]
        amount_cents=amount,
        currency=listing.currency,
        status=OfferStatus.OPEN,
        created_at=now,
        expires_at=now + timedelta(hours=settings.offer_hours),
    )
    session.add(offer)
    session.flush()
    return offer


def _lock_offers(session: Session, conversation: Conversation) -> list[Offer]:
    """Lock the conversation's row and read its open offers: one offer action at a time
    per conversation."""
    lock_for_write(session)
    session.exec(
        select(Conversation.id).where(Conversation.id == conversation.id).with_for_update()
    ).first()
    offers = list(
        session.exec(
            select(Offer).where(
                Offer.conversation_id == conversation.id, Offer.status == OfferStatus.OPEN
            )
        ).all()
    )
    for offer in offers:
        session.refresh(offer)
        _expire_if_due(session, offer)
    return [o for o in offers if o.status is OfferStatus.OPEN]


def make_offer(
    *, session: Session, conversation: Conversation, buyer: User, amount_cents: int
) -> Offer:
    """The buyer offers a price. Their open offer at another price is replaced; an open
    counter from the seller is answered by it. The same offer twice is one offer."""
    if buyer.id != conversation.buyer_id:
        if role_in(conversation, buyer) == "seller":
            raise InvalidInput(
                _("Sellers answer offers: counter the buyer's offer instead."), field="amount"
            )
        raise ConversationNotFound()
    listing = _listing(session, conversation)
    open_offers = _lock_offers(session, conversation)
    for offer in open_offers:
        if offer.made_by == buyer.id and offer.amount_cents == amount_cents:
            return offer  # sent twice
    if listing.status is not ListingStatus.ACTIVE:
        raise Conflict(_("This item is no longer on sale."), field="listing_id")
    _check_amount(session, listing, amount_cents, by_buyer=True)
    return _replace_and_offer(session, conversation, listing, buyer, amount_cents, open_offers)


def _replace_and_offer(
    session: Session,
    conversation: Conversation,
    listing: Listing,
    maker: User,
    amount_cents: int,
    open_offers: Sequence[Offer],
) -> Offer:
    now = utcnow()
    for previous in open_offers:
        previous.status = (
            OfferStatus.WITHDRAWN if previous.made_by == maker.id else OfferStatus.COUNTERED
        )
        previous.answered_at = now
        session.add(previous)
    offer = _new_offer(session, conversation, listing, maker, amount_cents)
    countering = any(p.made_by != maker.id for p in open_offers)
    message = _post(session, conversation, maker, MessageKind.OFFER, offer=offer)
    amount = money(amount_cents, listing.currency)
    _tell(
        session,
        conversation,
        maker,
        OFFER,
        OFFER_COUNTERED if countering else NEW_OFFER,
        f"message:{message.id}",
        amount=amount,
    )
    return offer


def answer_offer(
    *,
    session: Session,
    conversation: Conversation,
    user: User,
    offer_id: int,
    action: OfferAction,
    amount_cents: int | None = None,
) -> Offer:
    """Accept, decline or counter the other person's open offer. The same answer sent
    again returns what it made the first time; any other answer to a closed offer is
    refused with what became of it."""
    _must_take_part(conversation, user)
    listing = _listing(session, conversation)
    open_offers = _lock_offers(session, conversation)
    offer = session.get(Offer, offer_id)
    if offer is None or offer.conversation_id != conversation.id:
        raise NotFound(_("No such offer."), field="offer_id")
    session.refresh(offer)
    if offer.status is not OfferStatus.OPEN:
        repeat = _repeated_answer(session, conversation, offer, user, action, amount_cents)
        if repeat is not None:
            return repeat
        raise OfferClosed(_closed_message(offer))
    if offer.made_by == user.id:
        raise InvalidInput(_("Wait for the other person to answer your offer."), field="offer_id")
    now = utcnow()
    if action is OfferAction.COUNTER:
        if amount_cents is None:
            raise InvalidInput(_("Give the price you would take."), field="amount")
        _check_amount(session, listing, amount_cents, by_buyer=user.id == conversation.buyer_id)
        return _replace_and_offer(session, conversation, listing, user, amount_cents, open_offers)
    if action is OfferAction.DECLINE:
        return _close(session, conversation, user, offer, OfferStatus.DECLINED, OFFER_DECLINED)
    # Accept: the item is kept for the buyer at this price (one conditional UPDATE decides
    # between two accepts, or an accept and a Buy, racing).
    try:
        listings_service.reserve_for(
            session=session,
            listing_id=listing.id,  # type: ignore[arg-type]
            buyer_id=conversation.buyer_id,
            price_cents=offer.amount_cents,
            until=now + timedelta(hours=settings.offer_reservation_hours),
        )
    except listings_service.ListingNotAvailable:
        raise Conflict(
            _("This item is no longer available: it was sold or reserved meanwhile."),
            field="offer_id",
        ) from None
    _close(session, conversation, user, offer, OfferStatus.ACCEPTED, OFFER_ACCEPTED)
    _withdraw_others(session, listing, keep=offer)
    return offer


def _close(
    session: Session,
    conversation: Conversation,
    user: User,
    offer: Offer,
    status: OfferStatus,
    wording: str,
) -> Offer:
    """``user``'s answer that closes the other person's offer: said in the conversation and
    told to them."""
    offer.status, offer.answered_at = status, utcnow()
    session.add(offer)
    message = _post(session, conversation, user, MessageKind.OFFER, offer=offer)
    _tell(
        session,
        conversation,
        user,
        OFFER,
        wording,
        f"message:{message.id}",
        amount=money(offer.amount_cents, offer.currency),
    )
    return offer


def _repeated_answer(
    session: Session,
    conversation: Conversation,
    offer: Offer,
    user: User,
    action: OfferAction,
    amount_cents: int | None,
) -> Offer | None:
    """What a repeat of an answer already given returns (None if it is no repeat)."""
    if offer.made_by == user.id:
        return None
    if action is OfferAction.ACCEPT and offer.status is OfferStatus.ACCEPTED:
        return offer
    if action is OfferAction.DECLINE and offer.status is OfferStatus.DECLINED:
        return offer
    if action is OfferAction.COUNTER and offer.status is OfferStatus.COUNTERED:
        counter = session.exec(
            select(Offer)
            .where(
                Offer.conversation_id == conversation.id,
                Offer.made_by == user.id,
                col(Offer.id) > offer.id,
            )
            .order_by(col(Offer.id))
        ).first()
        if counter is not None and counter.amount_cents == amount_cents:
            return counter
    return None


def _closed_message(offer: Offer) -> str:
    return {
        OfferStatus.ACCEPTED: _("This offer was already accepted."),
        OfferStatus.DECLINED: _("This offer was declined."),
        OfferStatus.COUNTERED: _("This offer was answered with another price."),
        OfferStatus.EXPIRED: _("This offer has expired."),
        OfferStatus.WITHDRAWN: _("This offer is closed."),
    }.get(offer.status, _("This offer is closed."))


def _withdraw_others(session: Session, listing: Listing, keep: Offer) -> None:
    """Every other open offer on an item that went to someone is closed, with a word to
    each buyer who made or received one."""
    others = list(
        session.exec(
            select(Offer).where(
                Offer.listing_id == listing.id,
                Offer.status == OfferStatus.OPEN,
                Offer.id != keep.id,
            )
        ).all()
    )
    now = utcnow()
    for offer in others:
        offer.status, offer.answered_at = OfferStatus.WITHDRAWN, now
        session.add(offer)
        conversation = session.get(Conversation, offer.conversation_id)
        if conversation is None:
            continue
        notifications.tell(
            session,
            conversation.buyer_id,
            OFFER,
            text=OFFER_WITHDRAWN,
            link=f"/messages/{conversation.id}",
            key=f"offer:{offer.id}:withdrawn",
            params={"title": listing.title, "amount": money(offer.amount_cents, offer.currency)},
        )
    session.flush()


def expire_offers(*, session: Session, now: datetime | None = None) -> int:
    """Open offers past their time are expired; returns how many."""
    lock_for_write(session)
    result = session.execute(
        sa.update(Offer)
        .where(col(Offer.status) == OfferStatus.OPEN, col(Offer.expires_at) <= (now or utcnow()))
        .values(status=OfferStatus.EXPIRED, answered_at=col(Offer.expires_at))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def reservation_note(*, session: Session, conversation: Conversation) -> datetime | None:
    """Until when the item is kept for this conversation's buyer, if it is."""
    reservation = listings_service.reservation_of(
        session=session, listing_id=conversation.listing_id
    )
    if reservation is None or reservation.buyer_id != conversation.buyer_id:
        return None
    return reservation.until if reservation.until > utcnow() else None
