"""Who talks: a listing's conversations, who may read them, blocks, what one person
may start and send (the limits), and the inbox with its unread counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listings import service as listings_service
from listings.models import Listing, ListingStatus
from resale.conversations.errors import Blocked, ConversationNotFound, TooManyMessages
from resale.conversations.models import (
    Block,
    Conversation,
    Message,
)
from resale.core.config import settings
from resale.core.db import insert_unless_present, lock_for_write, utcnow
from resale.core.errors import Conflict, InvalidInput, NotFound
from resale.core.i18n import gettext as _
from resale.trade.orders import service as orders_service
from resale.users.models import User

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
