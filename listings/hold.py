"""The trade's hold on a listing: the order service claims, releases, sells and takes back
an item, each by one conditional UPDATE so an item is never sold twice."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col

from listings.models import Listing, ListingStatus
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
