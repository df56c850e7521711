"""Offers: one open offer per conversation; the buyer offers, the other side accepts,
declines or counters; an accepted offer reserves the item for its buyer at that price
(listings.hold) and closes every other open offer on it. Every answer is safe to send
twice: the same answer again returns what it made the first time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listings import service as listings_service
from listings.models import Listing, ListingStatus
from resale.conversations.errors import ConversationNotFound, OfferClosed
from resale.conversations.messaging import _listing, _post, _tell
from resale.conversations.models import (
    Conversation,
    MessageKind,
    Offer,
    OfferFloor,
    OfferStatus,
)
from resale.conversations.parties import _must_take_part, role_in
from resale.core.config import settings
from resale.core.db import lock_for_write, utcnow
from resale.core.errors import Conflict, InvalidInput, NotFound
from resale.core.i18n import N_, money
from resale.core.i18n import gettext as _
from resale.core.notifications import service as notifications
from resale.users.models import User

# The notification kind of offers and their answers, and what they say.
OFFER = "conversation.offer"
NEW_OFFER = N_("%(name)s offers %(amount)s for “%(title)s”.")
OFFER_ACCEPTED = N_("%(name)s accepted %(amount)s for “%(title)s”.")
OFFER_DECLINED = N_("%(name)s declined %(amount)s for “%(title)s”.")
OFFER_COUNTERED = N_("%(name)s answers %(amount)s for “%(title)s”.")
OFFER_WITHDRAWN = N_("“%(title)s” went to another buyer: your offer of %(amount)s is closed.")


class OfferAction(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    COUNTER = "counter"


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
