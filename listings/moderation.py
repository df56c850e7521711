"""What the moderation desk (resale.moderation) does to listings, with plain ids: hide a
listing (withdrawn from sale if it was active, seen by its seller alone), hide all of a
suspended seller's, undo both, and the listings held for review at publishing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from listings.models import Listing, ListingStatus
from resale.core.db import lock_for_write, utcnow


def _locked(session: Session, listing_id: int) -> Listing | None:
    lock_for_write(session)
    return session.exec(select(Listing).where(Listing.id == listing_id).with_for_update()).first()


def hide(*, session: Session, listing_id: int, at: datetime | None = None) -> bool:
    """Hide a listing; False if there is none (or it is hidden already)."""
    listing = _locked(session, listing_id)
    if listing is None or listing.hidden_at is not None:
        return False
    listing.hidden_at = at or utcnow()
    listing.held_at = None
    if listing.status is ListingStatus.ACTIVE:
        listing.status = ListingStatus.WITHDRAWN
    listing.updated_at = utcnow()
    session.add(listing)
    session.flush()
    return True


def unhide(*, session: Session, listing_id: int) -> bool:
    """Undo hide: back on sale if hiding took it off sale; False if it was not hidden."""
    listing = _locked(session, listing_id)
    if listing is None or listing.hidden_at is None:
        return False
    listing.hidden_at = None
    if listing.status is ListingStatus.WITHDRAWN and listing.published_at is not None:
        listing.status = ListingStatus.ACTIVE
    listing.updated_at = utcnow()
    session.add(listing)
    session.flush()
    return True


def hide_seller_listings(*, session: Session, seller_id: int, at: datetime) -> list[int]:
    """Take a suspended seller's listings on sale out of sight, all marked ``at`` (so that
    lifting the suspension undoes these and no other hiding)."""
    lock_for_write(session)
    ids = list(
        session.exec(
            select(Listing.id)
            .where(
                Listing.seller_id == seller_id,
                col(Listing.hidden_at).is_(None),
                Listing.status == ListingStatus.ACTIVE,
            )
            .with_for_update()
        ).all()
    )
    for listing_id in ids:
        assert listing_id is not None
        hide(session=session, listing_id=listing_id, at=at)
    return [i for i in ids if i is not None]


def unhide_seller_listings(*, session: Session, seller_id: int, at: datetime) -> list[int]:
    """Undo hide_seller_listings of the suspension made ``at``."""
    lock_for_write(session)
    ids = [
        i
        for i in session.exec(
            select(Listing.id).where(Listing.seller_id == seller_id, Listing.hidden_at == at)
        ).all()
        if i is not None
    ]
    for listing_id in ids:
        unhide(session=session, listing_id=listing_id)
    return ids


def held_listings(*, session: Session, limit: int = 100) -> list[Listing]:
    """Listings held for review at publishing, oldest first, with photos and seller."""
    return list(
        session.exec(
            select(Listing)
            .where(col(Listing.held_at).is_not(None), col(Listing.hidden_at).is_(None))
            .order_by(col(Listing.held_at), col(Listing.id))
            .limit(limit)
            .options(
                selectinload(Listing.photos),  # type: ignore[arg-type]
                selectinload(Listing.seller),  # type: ignore[arg-type]
            )
        ).all()
    )


def reject_held(*, session: Session, listing_id: int) -> bool:
    """A held listing refused: not published, and hidden (restore undoes it)."""
    listing = _locked(session, listing_id)
    if listing is None or listing.held_at is None:
        return False
    return hide(session=session, listing_id=listing_id)
