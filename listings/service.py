"""Listings: drafts, photos, publishing, favourites, and the events the recommender learns
from. Saved searches live in ``saved_searches``, the trade's hold in ``hold``, the carbon
figures in ``carbon``; what other areas call of those is re-exported here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from listings import photos as photo_store
from listings import prohibited, views
from listings.carbon import listing_carbon as listing_carbon
from listings.distance import distance_km as distance_km
from listings.hold import ListingNotAvailable as ListingNotAvailable
from listings.hold import claim as claim
from listings.hold import claim_for as claim_for
from listings.hold import lapse_reservations as lapse_reservations
from listings.hold import mark_sold as mark_sold
from listings.hold import release as release
from listings.hold import reservation_of as reservation_of
from listings.hold import reserve_for as reserve_for
from listings.hold import take_back as take_back
from listings.models import (
    Favorite,
    InteractionEvent,
    InteractionKind,
    Listing,
    ListingPhoto,
    ListingStatus,
)
from listings.moderation import held_listings as held_listings
from listings.moderation import hide as hide
from listings.moderation import hide_seller_listings as hide_seller_listings
from listings.moderation import reject_held as reject_held
from listings.moderation import unhide as unhide
from listings.moderation import unhide_seller_listings as unhide_seller_listings
from listings.saved_searches import save_search as save_search
from listings.schemas import ListingCreate, ListingUpdate
from listings.text import search_document
from resale.core.config import settings
from resale.core.db import (
    insert_unless_present,
    lock_for_write,
    on_commit,
    on_rollback,
    pause,
    utcnow,
    write_session,
)
from resale.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from resale.core.geo import place_name_for, public_point
from resale.core.i18n import gettext as _
from resale.users.models import User

EDITABLE = {ListingStatus.DRAFT, ListingStatus.ACTIVE, ListingStatus.WITHDRAWN}
PUBLIC = {ListingStatus.ACTIVE, ListingStatus.RESERVED, ListingStatus.SOLD}


class ListingNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__(_("This listing does not exist or is no longer available."))


class NotYourListing(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(_("Only the seller can change this listing."))


class ListingNotEditable(Conflict):
    def __init__(self, status: ListingStatus) -> None:
        super().__init__(
            _("A %(status)s listing cannot be changed.") % {"status": status.label.lower()}
        )


def _ensure_editable(listing: Listing) -> None:
    if listing.status not in EDITABLE:
        raise ListingNotEditable(listing.status)


def _with_photos_and_seller() -> tuple[Any, ...]:
    # Relationships are lazy="raise": a list page must say what it loads (no N+1).
    return (selectinload(Listing.photos), selectinload(Listing.seller))  # type: ignore[arg-type]


def get_listing(*, session: Session, listing_id: int) -> Listing:
    """A listing with its photos and seller loaded, whatever its status."""
    listing = session.exec(
        select(Listing).where(Listing.id == listing_id).options(*_with_photos_and_seller())
    ).first()
    if listing is None:
        raise ListingNotFound()
    return listing


def get_listings(*, session: Session, listing_ids: Sequence[int]) -> dict[int, Listing]:
    """Several listings with their photos and sellers loaded, by id (for list pages)."""
    if not listing_ids:
        return {}
    rows = session.exec(
        select(Listing)
        .where(col(Listing.id).in_(set(listing_ids)))
        .options(*_with_photos_and_seller())
    ).all()
    return {row.id: row for row in rows if row.id is not None}


def get_visible_listing(*, session: Session, listing_id: int, viewer: User | None) -> Listing:
    """A listing the viewer may see: public ones not hidden by moderation, and any of their
    own (an admin sees a hidden one too)."""
    listing = get_listing(session=session, listing_id=listing_id)
    own = viewer is not None and viewer.id == listing.seller_id
    if listing.status not in PUBLIC and not own:
        raise ListingNotFound()
    if listing.hidden_at is not None and not own and not (viewer and viewer.is_admin):
        raise ListingNotFound()
    return listing


def get_owned_listing(*, session: Session, listing_id: int, owner: User) -> Listing:
    """A listing its seller is about to change; anyone else is refused."""
    listing = get_listing(session=session, listing_id=listing_id)
    if listing.seller_id != owner.id:
        if listing.status not in PUBLIC:
            raise ListingNotFound()  # do not reveal that someone's draft exists
        raise NotYourListing()
    return listing


def _apply_location(
    listing: Listing, *, place: str | None, lat: float | None, lon: float | None
) -> None:
    """Set where the item is: the place name and its public (grid) point."""
    if lat is not None and lon is not None:
        listing.lat, listing.lon = public_point(lat, lon)
        listing.place_name = place or place_name_for(lat, lon)
    elif place is not None:
        raise InvalidInput(_("A place needs its lat and lon."), field="lat")


def refresh_search_terms(listing: Listing) -> None:
    """Recompute what the full-text indexes see, after title, brand or description changed."""
    listing.search_doc = search_document(listing.title, listing.brand, listing.description)


def create_draft(*, session: Session, seller: User, data: ListingCreate) -> Listing:
    """A new draft; its location defaults to the seller's home."""
    assert seller.id is not None
    listing = Listing(
        seller_id=seller.id,
        seller=seller,
        photos=[],
        **data.model_dump(exclude={"place", "lat", "lon"}),
    )
    if data.lat is not None:
        _apply_location(listing, place=data.place, lat=data.lat, lon=data.lon)
    else:
        _apply_location(listing, place=seller.place_name, lat=seller.lat, lon=seller.lon)
    refresh_search_terms(listing)
    session.add(listing)
    session.flush()
    return listing


def update_listing(*, session: Session, listing: Listing, data: ListingUpdate) -> Listing:
    """Change the fields that were sent; a reserved or sold listing is frozen."""
    _ensure_editable(listing)
    changes = data.model_dump(exclude_unset=True, exclude={"place", "lat", "lon"})
    for field in ("title", "description", "category", "condition", "price_cents", "currency"):
        if field in changes and changes[field] is None:
            raise InvalidInput(_("%(field)s cannot be empty.") % {"field": field}, field=field)
    for field, value in changes.items():
        setattr(listing, field, value)
    if changes.keys() & {"title", "brand", "description"}:
        refresh_search_terms(listing)
    sent = data.model_fields_set
    if {"place", "lat", "lon"} & sent:
        _apply_location(listing, place=data.place, lat=data.lat, lon=data.lon)
    listing.updated_at = utcnow()
    session.add(listing)
    session.flush()
    return listing


def add_photos(
    *, session: Session, listing: Listing, uploads: Sequence[photo_store.Upload]
) -> list[ListingPhoto]:
    """Check every upload first, then store them all, or none if any is refused.

    Decoding holds no lock: the transaction, which has only read so far, is paused first,
    and each file is read only when its turn comes (one upload's bytes in memory at a time).
    The limit holds when uploads race: the photos are counted again, from the database,
    with the listing locked (its row on PostgreSQL; SQLite's write transaction), so two
    requests adding photos to one listing at once take turns.
    """
    _ensure_editable(listing)
    if not uploads:
        raise InvalidInput(_("Choose at least one photo."), field="photos")
    _check_photo_room(len(listing.photos), len(uploads))
    pause(session)
    processed = [
        photo_store.process(photo_store.read_upload(content), filename=name)
        for name, content in uploads
    ]
    position = _lock_for_photos(session, listing, adding=len(processed))
    added: list[ListingPhoto] = []
    assert listing.id is not None
    for photo in processed:
        key = photo_store.new_key(listing.id)
        on_rollback(session, partial(photo_store.delete, key))
        photo_store.save(key, photo)
        position += 1
        added.append(_add_photo_row(session, listing, position, key, photo.width, photo.height))
    return _photos_added(session, listing, added)


def stage_photos(
    *,
    session: Session,
    owner: User,
    kept: Sequence[photo_store.PendingPhoto],
    removed: Sequence[photo_store.PendingPhoto],
    uploads: Sequence[photo_store.Upload],
) -> StagedPhotos:
    """The photos for a listing that does not exist yet: those kept from an earlier submit
    (less the ones removed), then the new uploads that pass, all kept pending.

    The sell form calls this on every submit, so that a mistake in another field does not
    lose the photos: they wait in the photo store (no database row) for the next submit.
    Uploads beyond the photo limit are not even decoded.
    """
    for photo in removed:
        if photo.owner_id == owner.id:
            photo_store.delete(photo.key)
    staged = StagedPhotos(kept=[], refused=[])
    mine = [p for p in kept if p.owner_id == owner.id and p not in removed]
    staged.kept = [p for p in mine if p.exists()]
    if len(staged.kept) < len(mine):
        staged.refused.append(
            _("Some photos you chose earlier were no longer kept; please choose them again.")
        )
    limit = settings.max_photos_per_listing
    room = max(limit - len(staged.kept), 0)
    if uploads:
        pause(session)  # decoding holds no lock
    assert owner.id is not None
    for name, content in uploads[:room]:
        try:
            checked = photo_store.process(photo_store.read_upload(content), filename=name)
        except photo_store.InvalidPhoto as exc:
            staged.refused.append(exc.message)
            continue
        staged.kept.append(photo_store.keep_pending(owner.id, checked))
    if len(uploads) > room:
        staged.refused.append(
            _("A listing has at most %(limit)s photos; we kept the first %(limit)s.")
            % {"limit": limit}
        )
    return staged


def attach_pending_photos(
    *, session: Session, listing: Listing, photos: Sequence[photo_store.PendingPhoto]
) -> list[ListingPhoto]:
    """Move photos kept pending (see stage_photos) onto a listing; a rollback puts them back."""
    _ensure_editable(listing)
    position = _lock_for_photos(session, listing, adding=len(photos))
    added: list[ListingPhoto] = []
    assert listing.id is not None
    for pending in photos:
        key = photo_store.new_key(listing.id)
        photo_store.move(pending.key, key)
        on_rollback(session, partial(photo_store.move, key, pending.key))
        position += 1
        added.append(_add_photo_row(session, listing, position, key, pending.width, pending.height))
    return _photos_added(session, listing, added)


@dataclass(slots=True)
class StagedPhotos:
    kept: list[photo_store.PendingPhoto]
    refused: list[str]  # one message per upload that was not kept


def _lock_for_photos(session: Session, listing: Listing, *, adding: int) -> int:
    """Lock the listing, check it still takes ``adding`` photos; the last position in use."""
    assert listing.id is not None
    status = ListingStatus(
        session.exec(select(Listing.status).where(Listing.id == listing.id).with_for_update()).one()
    )
    if status not in EDITABLE:  # changed by another request while the photos decoded
        raise ListingNotEditable(status)
    count, last_position = session.execute(
        sa.select(sa.func.count(), sa.func.max(ListingPhoto.position)).where(
            col(ListingPhoto.listing_id) == listing.id
        )
    ).one()
    _check_photo_room(int(count), adding)
    return -1 if last_position is None else int(last_position)


def _add_photo_row(
    session: Session, listing: Listing, position: int, key: str, width: int, height: int
) -> ListingPhoto:
    assert listing.id is not None
    row = ListingPhoto(
        listing_id=listing.id, position=position, key=key, width=width, height=height
    )
    session.add(row)
    return row


def _photos_added(
    session: Session, listing: Listing, added: list[ListingPhoto]
) -> list[ListingPhoto]:
    listing.updated_at = utcnow()
    session.add(listing)
    session.flush()
    # The listing as it now is, photos another request added included.
    session.refresh(listing, attribute_names=["photos"])
    return added


def _check_photo_room(have: int, adding: int) -> None:
    room = settings.max_photos_per_listing - have
    if adding > room:
        raise InvalidInput(
            _("A listing has at most %(limit)s photos; there is room for %(room)s more.")
            % {"limit": settings.max_photos_per_listing, "room": max(room, 0)},
            field="photos",
        )


def delete_photo(*, session: Session, listing: Listing, photo_id: int) -> None:
    """Remove one photo; an active listing keeps at least one."""
    _ensure_editable(listing)
    photo = next((p for p in listing.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound(_("That photo is not on this listing."))
    if listing.status is ListingStatus.ACTIVE and len(listing.photos) == 1:
        raise Conflict(
            _("A published listing needs at least one photo; add another first."), field="photos"
        )
    listing.photos.remove(photo)
    session.flush()
    # The files go only once the row's removal is committed; a rollback keeps both.
    on_commit(session, partial(photo_store.delete, photo.key))


def sell(
    *,
    session: Session,
    seller: User,
    data: ListingCreate,
    photos: Sequence[photo_store.PendingPhoto],
    publish_now: bool,
) -> Listing:
    """The sell form in one step: a draft, its photos (checked and kept pending by
    stage_photos), and (if asked) on sale at once."""
    listing = create_draft(session=session, seller=seller, data=data)
    if photos:
        attach_pending_photos(session=session, listing=listing, photos=photos)
    if publish_now:
        publish(session=session, listing=listing)
    return listing


class ListingTakenDown(Conflict):
    def __init__(self) -> None:
        super().__init__(_("This listing was taken down by a moderator and cannot be published."))


def publish(*, session: Session, listing: Listing, reviewed: bool = False) -> Listing:
    """Put a draft (or a withdrawn listing) on sale; one that names a prohibited item
    (listings.prohibited) is held for review instead: ``held_at`` set, its status
    unchanged, until a moderator approves it (``reviewed``) or rejects it."""
    if listing.status is ListingStatus.ACTIVE:
        return listing
    if listing.hidden_at is not None:
        raise ListingTakenDown()
    if listing.status not in {ListingStatus.DRAFT, ListingStatus.WITHDRAWN}:
        raise Conflict(
            _("A %(status)s listing cannot be published.")
            % {"status": listing.status.label.lower()}
        )
    if not listing.photos:
        raise InvalidInput(_("Add at least one photo before publishing."), field="photos")
    if not listing.has_point:
        raise InvalidInput(
            _("Set where the item is (or a home location on your profile) before publishing."),
            field="place",
        )
    if not reviewed:
        if listing.held_at is not None:
            return listing  # waiting for a moderator
        found = prohibited.match(
            title=listing.title,
            description=listing.description,
            brand=listing.brand,
            category=listing.category,
        )
        if found is not None:
            listing.held_at = utcnow()
            listing.held_reason = found
            listing.updated_at = utcnow()
            session.add(listing)
            session.flush()
            return listing
    listing.held_at = None
    listing.held_reason = None
    listing.status = ListingStatus.ACTIVE
    listing.published_at = listing.published_at or utcnow()
    listing.updated_at = utcnow()
    session.add(listing)
    session.flush()
    return listing


def approve_held(*, session: Session, listing_id: int) -> Listing | None:
    """A moderator lets a held listing go on sale; None if it is not held."""
    lock_for_write(session)
    listing = get_listing(session=session, listing_id=listing_id)
    if listing.held_at is None or listing.hidden_at is not None:
        return None
    return publish(session=session, listing=listing, reviewed=True)


def withdraw(*, session: Session, listing: Listing) -> Listing:
    """Take a listing off sale; it can be published again later."""
    if listing.status is ListingStatus.WITHDRAWN:
        return listing
    if listing.status not in {ListingStatus.ACTIVE, ListingStatus.DRAFT}:
        raise Conflict(
            _("A %(status)s listing cannot be withdrawn.")
            % {"status": listing.status.label.lower()}
        )
    listing.status = ListingStatus.WITHDRAWN
    listing.updated_at = utcnow()
    session.add(listing)
    session.flush()
    return listing


def seller_listings(*, session: Session, seller: User) -> list[Listing]:
    """All of a seller's listings, newest first, with photos."""
    return list(
        session.exec(
            select(Listing)
            .where(Listing.seller_id == seller.id)
            .order_by(col(Listing.created_at).desc(), col(Listing.id).desc())
            .options(*_with_photos_and_seller())
        )
    )


def is_favorite(*, session: Session, user: User | None, listing: Listing) -> bool | None:
    """Whether the viewer saved it; None where it makes no sense (visitor, or the seller)."""
    if user is None or user.id == listing.seller_id:
        return None
    return session.get(Favorite, (user.id, listing.id)) is not None


def set_favorite(*, session: Session, user: User, listing: Listing, saved: bool) -> bool:
    """Save or unsave a listing; saying the same twice changes nothing and records nothing."""
    assert user.id is not None and listing.id is not None
    if saved and listing.status is not ListingStatus.ACTIVE:
        raise Conflict(_("Only a listing that is on sale can be saved."))
    if saved and listing.seller_id == user.id:
        raise Conflict(_("This is your own listing."))
    # One statement decides, so a double click (two requests at once) saves once: the row
    # count says whether this request changed anything, and only then is an event recorded.
    if saved:
        changed = insert_unless_present(
            session,
            Favorite,
            {"user_id": user.id, "listing_id": listing.id, "created_at": utcnow()},
        )
    else:
        deleted = session.execute(
            sa.delete(Favorite).where(
                col(Favorite.user_id) == user.id, col(Favorite.listing_id) == listing.id
            )
        )
        changed = bool(deleted.rowcount)  # type: ignore[attr-defined]
    if not changed:
        return saved
    kind = InteractionKind.FAVORITE if saved else InteractionKind.UNFAVORITE
    session.add(InteractionEvent(user_id=user.id, listing_id=listing.id, kind=kind))
    session.flush()
    return saved


def favorites_of(*, session: Session, user: User) -> list[Listing]:
    """What a user saved, most recent first, with photos."""
    return list(
        session.exec(
            select(Listing)
            .join(Favorite, col(Favorite.listing_id) == col(Listing.id))
            .where(Favorite.user_id == user.id)
            .order_by(col(Favorite.created_at).desc())
            .options(*_with_photos_and_seller())
        )
    )


def saved_listing_ids(*, session: Session, user: User) -> list[int]:
    """The listings a user saved, most recently saved first."""
    return list(
        session.exec(
            select(Favorite.listing_id)
            .where(Favorite.user_id == user.id)
            .order_by(col(Favorite.created_at).desc(), col(Favorite.listing_id).desc())
        )
    )


def favorite_ids(*, session: Session, user: User | None, listing_ids: Sequence[int]) -> set[int]:
    """Which of these listings the user saved, in one query (for heart icons on a list)."""
    if user is None or not listing_ids:
        return set()
    rows = session.exec(
        select(Favorite.listing_id).where(
            Favorite.user_id == user.id, col(Favorite.listing_id).in_(listing_ids)
        )
    )
    return set(rows)


def record_view(*, listing: Listing, viewer: User | None, client: str | None) -> None:
    """Note that someone looked at a listing (not its own seller), off the request's
    transaction: see listings.views. ``client`` tells anonymous visitors apart."""
    if listing.status is not ListingStatus.ACTIVE:
        return
    if viewer is not None and viewer.id == listing.seller_id:
        return
    assert listing.id is not None
    views.recorder.note(listing_id=listing.id, user_id=viewer.id if viewer else None, client=client)


def write_noted_views(*, engine: Engine | None = None) -> int:
    """Write the views noted since the last call, in one short write transaction."""
    if not views.recorder.pending():
        return 0
    with write_session(engine) as session:
        written = views.recorder.flush(session)
        session.commit()
    return written
