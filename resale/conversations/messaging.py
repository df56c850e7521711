"""Messages: reading them, what is unread, and sending text and photos; every message
is stored by ``_post`` (limits counted, blocks checked, the safety check's findings kept)
and told to the other person by ``_tell``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listings import photos as photo_store
from listings import service as listings_service
from listings.models import Listing
from resale.conversations import safety
from resale.conversations.errors import Blocked, MessageNotFound, SenderSuspended
from resale.conversations.models import (
    Conversation,
    Message,
    MessageKind,
    Offer,
)
from resale.conversations.parties import (
    _check_rate,
    _count_messages,
    _lock_person,
    _must_take_part,
    is_blocked,
    other_party,
    role_in,
)
from resale.core.config import settings
from resale.core.db import lock_for_write, on_rollback, pause, utcnow
from resale.core.errors import InvalidInput
from resale.core.i18n import N_
from resale.core.i18n import gettext as _
from resale.core.live import wake_after_commit
from resale.core.notifications import service as notifications
from resale.users.models import User

MAX_TEXT = 2000

# The notification kind of messages, and what it says (worded when read).
MESSAGE = "conversation.message"
NEW_MESSAGE = N_("%(name)s about “%(title)s”: %(text)s")
NEW_PHOTO = N_("%(name)s sent a photo about “%(title)s”.")

# --- Messages --------------------------------------------------------------------------


def readable_message(*, session: Session, message_id: int, viewer: User) -> Message:
    """A message its viewer may read (one of the two people, or an admin); anyone else is
    told it does not exist."""
    message = session.get(Message, message_id)
    conversation = session.get(Conversation, message.conversation_id) if message else None
    if message is None or conversation is None:
        raise MessageNotFound()
    if role_in(conversation, viewer) is None and not viewer.is_admin:
        raise MessageNotFound()
    return message


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
    if sender.suspended_at is not None:
        raise SenderSuspended()
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


# --- For profiles: how soon someone answers ----------------------------------------------

# Messages of the last this many days count towards a typical response time.
RESPONSE_WINDOW_DAYS = 180


def response_delays(*, session: Session, user_id: int) -> list[float]:
    """Seconds between a message to ``user_id`` (the first still unanswered in its
    conversation) and their next message there, for their conversations of the last
    ``RESPONSE_WINDOW_DAYS`` days: one query, worked out here."""
    since = utcnow() - timedelta(days=RESPONSE_WINDOW_DAYS)
    rows = session.execute(
        sa.select(col(Message.conversation_id), col(Message.sender_id), col(Message.created_at))
        .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
        .where(
            sa.or_(col(Conversation.buyer_id) == user_id, col(Conversation.seller_id) == user_id),
            col(Message.created_at) >= since,
        )
        .order_by(col(Message.conversation_id), col(Message.id))
    ).all()
    delays: list[float] = []
    current: int | None = None
    waiting: datetime | None = None
    for conversation_id, sender_id, at in rows:
        if conversation_id != current:
            current, waiting = conversation_id, None
        if sender_id != user_id:
            waiting = waiting or at
        elif waiting is not None:
            delays.append(max(0.0, (at - waiting).total_seconds()))
            waiting = None
    return delays


def typical_response_seconds(*, session: Session, user_id: int) -> float | None:
    """The median of ``response_delays``; None when they have answered nobody yet."""
    delays = sorted(response_delays(session=session, user_id=user_id))
    if not delays:
        return None
    middle = len(delays) // 2
    return delays[middle] if len(delays) % 2 else (delays[middle - 1] + delays[middle]) / 2
