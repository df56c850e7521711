"""Conversations between a listing's buyer and seller, the offers they make, the meeting
they agree, blocks and limits: the area's public face for its pages, routes and other areas
(``from resale.conversations import service``). Nothing here speaks HTTP. The work is done in
modules of one job each, each importing only those before it: ``errors``, ``parties`` (who
talks, who may read, blocks, limits, the inbox), ``messaging``, ``meetings``, ``offers``.

Rules in one place:
- one conversation per listing and buyer; only its two people (and an admin) may read it,
  anyone else is told it does not exist;
- a blocked pair can neither message nor offer, whoever blocked whom;
- one open offer per conversation: a new price from the buyer replaces theirs, a price from
  the other side is a counter; an accepted offer reserves the item for the buyer at that
  price (listings.hold) and withdraws every other open offer on it;
- every action is safe to send twice: the same answer again changes nothing.
"""

from resale.conversations.errors import (
    Blocked,
    ConversationNotFound,
    MessageNotFound,
    OfferClosed,
    SenderSuspended,
    TooManyMessages,
)
from resale.conversations.meetings import (
    MAX_PLACE,
    Meeting,
    agree_meeting,
    meeting_for,
    propose_meeting,
)
from resale.conversations.messaging import (
    MAX_TEXT,
    has_before,
    latest_message_id,
    mark_read,
    messages,
    new_messages_for,
    offers_of,
    readable_message,
    response_delays,
    send_photo,
    send_text,
    typical_response_seconds,
    warnings_of,
)
from resale.conversations.offers import (
    OfferAction,
    answer_offer,
    expire_offers,
    floor_of,
    make_offer,
    open_offer,
    reservation_note,
    set_floor,
)
from resale.conversations.parties import (
    InboxRow,
    block,
    find,
    for_order,
    get_conversation,
    has_blocked,
    inbox,
    is_blocked,
    other_party,
    role_in,
    start,
    unblock,
    unread_in,
    unread_total,
)

__all__ = [
    "MAX_PLACE",
    "MAX_TEXT",
    "Blocked",
    "ConversationNotFound",
    "InboxRow",
    "Meeting",
    "MessageNotFound",
    "OfferAction",
    "OfferClosed",
    "SenderSuspended",
    "TooManyMessages",
    "agree_meeting",
    "answer_offer",
    "block",
    "expire_offers",
    "find",
    "floor_of",
    "for_order",
    "get_conversation",
    "has_before",
    "has_blocked",
    "inbox",
    "is_blocked",
    "latest_message_id",
    "make_offer",
    "mark_read",
    "meeting_for",
    "messages",
    "new_messages_for",
    "offers_of",
    "open_offer",
    "other_party",
    "propose_meeting",
    "readable_message",
    "reservation_note",
    "response_delays",
    "role_in",
    "send_photo",
    "send_text",
    "set_floor",
    "start",
    "typical_response_seconds",
    "unblock",
    "unread_in",
    "unread_total",
    "warnings_of",
]
