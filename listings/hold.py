"""The trade's hold on a listing: the order service claims, releases, sells and takes back
an item, and an accepted offer reserves it for one buyer, each by one conditional UPDATE so
an item is never sold (or reserved) twice."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listings.models import Listing, ListingReservation, ListingStatus
from resale.core.db import utcnow
from resale.core.errors import Conflict
from resale.core.i18n import gettext as _


class ListingNotAvailable(Conflict):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message if message is not None else _("Sorry, this item is no longer available."),
            field="listing_id",
        )


def _move_status(
    *, session: Session, listing_id: int, from_status: ListingStatus, to_status: ListingStatus
) -> bool:
    # One conditional UPDATE: of two racing transactions only one can see from_status.
    result = session.execute(
        sa.update(Listing)
        .where(col(Listing.id) == listing_id, col(Listing.status) == from_status)
        .values(status=to_status, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    claimed = bool(result.rowcount)  # type: ignore[attr-defined]
    if claimed:
        listing = session.get(Listing, listing_id)
        if listing is not None:
            session.refresh(listing, ["status", "updated_at"])
    return claimed


def claim(*, session: Session, listing_id: int) -> None:
    """Reserve an active listing for an order; raises ListingNotAvailable if it is not active."""
    if not _move_status(
        session=session,
        listing_id=listing_id,
        from_status=ListingStatus.ACTIVE,
        to_status=ListingStatus.RESERVED,
    ):
        raise ListingNotAvailable()


def reserve_for(
    *, session: Session, listing_id: int, buyer_id: int, price_cents: int, until: datetime
) -> None:
    """Keep an active listing for ``buyer_id`` at ``price_cents`` until ``until`` (an
    accepted offer); raises ListingNotAvailable if it is not on sale. Of an accept racing
    another accept or a direct Buy, exactly one takes the listing."""
    claim(session=session, listing_id=listing_id)
    session.add(
        ListingReservation(
            listing_id=listing_id, buyer_id=buyer_id, price_cents=price_cents, until=until
        )
    )
    session.flush()


def reservation_of(*, session: Session, listing_id: int) -> ListingReservation | None:
    """The reservation holding a listing for one buyer, if any (lapsed or not)."""
    return session.get(ListingReservation, listing_id)


def claim_for(*, session: Session, listing_id: int, buyer_id: int) -> int | None:
    """Claim a listing for an order by ``buyer_id``: the price agreed for them if the item
    is reserved for them (the reservation becomes the order's), else None after claiming
    it at its listed price. Raises ListingNotAvailable if neither can be."""
    reservation = session.exec(
        select(ListingReservation)
        .where(
            ListingReservation.listing_id == listing_id,
            ListingReservation.buyer_id == buyer_id,
            col(ListingReservation.until) > utcnow(),
        )
        .with_for_update()
    ).first()
    if reservation is None:
        claim(session=session, listing_id=listing_id)
        return None
    price = reservation.price_cents
    session.delete(reservation)
    session.flush()
    return price


def lapse_reservations(*, session: Session, now: datetime) -> list[ListingReservation]:
    """Reservations past their time end: their items are back on sale. Returns them."""
    lapsed = list(
        session.exec(
            select(ListingReservation)
            .where(col(ListingReservation.until) <= now)
            .with_for_update(skip_locked=True)
        ).all()
    )
    for reservation in lapsed:
        release(session=session, listing_id=reservation.listing_id)
        session.delete(reservation)
    session.flush()
    return lapsed


def release(*, session: Session, listing_id: int) -> bool:
    """Put a reserved listing back on sale (its order ended without a sale)."""
    return _move_status(
        session=session,
        listing_id=listing_id,
        from_status=ListingStatus.RESERVED,
        to_status=ListingStatus.ACTIVE,
    )


def mark_sold(*, session: Session, listing_id: int) -> bool:
    """A reserved listing's order completed: it is sold."""
    return _move_status(
        session=session,
        listing_id=listing_id,
        from_status=ListingStatus.RESERVED,
        to_status=ListingStatus.SOLD,
    )


def take_back(*, session: Session, listing_id: int) -> bool:
    """A sold or reserved item came back to its seller (refund): withdrawn until they relist it."""
    return any(
        _move_status(
            session=session,
            listing_id=listing_id,
            from_status=status,
            to_status=ListingStatus.WITHDRAWN,
        )
        for status in (ListingStatus.RESERVED, ListingStatus.SOLD)
    )
