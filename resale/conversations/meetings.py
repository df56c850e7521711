"""Meetings: a time and a place to hand the item over, proposed by either person and
agreed by the other; the latest one is what the order page shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from resale.conversations.messaging import MESSAGE, _post, _tell
from resale.conversations.models import (
    Conversation,
    Message,
    MessageKind,
)
from resale.conversations.parties import _must_take_part, find
from resale.core.db import lock_for_write, utcnow
from resale.core.errors import Conflict, InvalidInput, NotFound
from resale.core.i18n import N_
from resale.core.i18n import gettext as _
from resale.users.models import User

MAX_PLACE = 200

NEW_MEETING = N_("%(name)s proposes to meet for “%(title)s”.")
MEETING_AGREED = N_("%(name)s agreed to meet for “%(title)s”.")

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
