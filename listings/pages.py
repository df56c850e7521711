"""Pages: home, listing, sell / edit, my listings, my favourites."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import Request, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from listings import photos as photo_store
from listings import service, taxonomy
from listings.dependencies import OwnedListing
from listings.models import CONDITION_LABELS, Listing, ListingStatus
from listings.schemas import (
    CURRENCIES,
    ListingCard,
    ListingCreate,
    ListingUpdate,
    PriceError,
    Sort,
    parse_price,
)
from listings.search import SearchQuery, load_cards, search
from resale import web
from resale.config import settings
from resale.db import SessionDep
from resale.errors import ResaleError
from resale.geo import PLACES
from resale.users.dependencies import CurrentUser, OptionalUser, page_router
from resale.users.models import User

router = page_router()


def _listing_input(values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": values.get("title", ""),
        "description": values.get("description", ""),
        "category": values.get("category", ""),
        "condition": values.get("condition", ""),
        "currency": values.get("currency") or "EUR",
        "brand": values.get("brand") or None,
        "weight_kg": (values.get("weight_kg") or "").replace(",", ".") or None,
        **web.location_from_form(values),
    }
    try:
        data["price_cents"] = parse_price(values.get("price", ""))
    except PriceError as exc:
        errors["price"] = str(exc)
    return data


EMPTY_CHOICE = {"category": "Choose a category.", "condition": "Choose the item's condition."}


def _errors_from(exc: ValidationError, values: dict[str, str]) -> dict[str, str]:
    errors = web.field_errors(exc)
    for field, message in EMPTY_CHOICE.items():
        if field in errors and not values.get(field):
            errors[field] = message
    return errors


def _uploads(form: Any) -> list[tuple[str, bytes]]:
    files = [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]
    return [(f.filename or "photo", f.file.read(settings.max_photo_bytes + 1)) for f in files]


def _form_context(values: dict[str, str], errors: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "parents": taxonomy.PARENTS,
        "children": taxonomy.children,
        "conditions": CONDITION_LABELS,
        "currencies": CURRENCIES,
        "places": PLACES,
        "max_photos": settings.max_photos_per_listing,
        **extra,
    }


def _values_of(listing: Listing) -> dict[str, str]:
    # Listing points are kept on a grid, so a listed place is recognised by its name.
    place_slug = next(
        (p.slug for p in PLACES if p.name == listing.place_name),
        "geolocation" if listing.has_point else "",
    )
    return {
        "title": listing.title,
        "description": listing.description,
        "category": listing.category,
        "condition": listing.condition.value,
        "price": f"{listing.price_cents / 100:.2f}",
        "currency": listing.currency,
        "brand": listing.brand or "",
        "weight_kg": "" if listing.weight_kg is None else f"{listing.weight_kg:g}",
        "place_slug": place_slug,
        "geo_lat": "" if listing.lat is None else str(listing.lat),
        "geo_lon": "" if listing.lon is None else str(listing.lon),
    }


def _hearts(session: SessionDep, viewer: User | None, cards: list[ListingCard]) -> set[int]:
    """Which of these cards the viewer saved (their hearts show filled)."""
    return service.favorite_ids(session=session, user=viewer, listing_ids=[c.id for c in cards])


def _home_point(viewer: User | None) -> tuple[float, float] | None:
    if viewer is None or viewer.lat is None or viewer.lon is None:
        return None
    return viewer.lat, viewer.lon


@router.get("/")
def home(request: Request, viewer: OptionalUser, session: SessionDep) -> Response:
    home = _home_point(viewer)
    newest = SearchQuery(sort=Sort.NEWEST, limit=24)
    items: list[ListingCard] = []
    if home is not None:
        near = replace(newest, lat=home[0], lon=home[1], radius_km=settings.home_radius_km)
        items = search(session=session, query=near).items
    nearby_only = bool(items)
    if not items:
        items = search(session=session, query=newest).items
    return web.render(
        request,
        "listings/home.html",
        {
            "items": items,
            "nearby_only": nearby_only,
            "radius_km": settings.home_radius_km,
            "favorite_ids": _hearts(session, viewer, items),
        },
    )


@router.get("/listings/{listing_id}")
def listing_page(
    listing_id: int, request: Request, viewer: OptionalUser, session: SessionDep
) -> Response:
    listing = service.get_visible_listing(session=session, listing_id=listing_id, viewer=viewer)
    service.record_view(session=session, listing=listing, viewer=viewer)
    is_owner = viewer is not None and viewer.id == listing.seller_id
    return web.render(
        request,
        "listings/detail.html",
        {
            "listing": listing,
            "is_owner": is_owner,
            "favorite": service.is_favorite(session=session, user=viewer, listing=listing),
            "distance_km": None if is_owner else service.distance_km(listing, viewer),
            "category_label": taxonomy.label(listing.category),
            "condition_label": CONDITION_LABELS[listing.condition],
            "photo_url": photo_store.url,
        },
    )


@router.get("/sell")
def sell_page(request: Request, user: CurrentUser) -> Response:
    currency = "GBP" if (user.place_name or "").startswith("London") else "EUR"
    values = {"currency": currency, "place_slug": "home" if user.has_location else ""}
    return web.render(request, "listings/sell.html", _form_context(values, {}, seller=user))


@router.post("/sell")
async def sell_submit(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    form = await request.form()
    values = web.form_values(form)
    uploads = _uploads(form)
    publish_now = values.get("action") != "draft"
    errors: dict[str, str] = {}
    data = _listing_input(values, errors)
    try:
        create = ListingCreate.model_validate(data)
    except ValidationError as exc:
        errors = {**_errors_from(exc, values), **errors}
    if publish_now and not uploads:
        errors.setdefault("photos", "Add at least one photo to publish (or save a draft).")
    if errors:
        if uploads and "photos" not in errors:
            errors["photos"] = "Please choose your photos again."
        return web.render(
            request,
            "listings/sell.html",
            _form_context(values, errors, seller=user),
            status_code=422,
        )
    try:
        listing = service.create_draft(session=session, seller=user, data=create)
        if uploads:
            service.add_photos(session=session, listing=listing, uploads=uploads)
        if publish_now:
            service.publish(session=session, listing=listing)
    except ResaleError as exc:
        session.rollback()  # nothing of this attempt stays: no draft, no photo files
        errors = {web.error_field(exc.field): exc.message}
        return web.render(
            request,
            "listings/sell.html",
            _form_context(values, errors, seller=user),
            status_code=exc.status_code,
        )
    message = (
        "Your item is on sale." if publish_now else "Draft saved. Publish it when you are ready."
    )
    return web.redirect(f"/listings/{listing.id}", flash=message)


@router.get("/listings/{listing_id}/edit")
def edit_page(request: Request, listing: OwnedListing, user: CurrentUser) -> Response:
    return web.render(
        request,
        "listings/edit.html",
        _form_context(
            _values_of(listing), {}, listing=listing, seller=user, photo_url=photo_store.url
        ),
    )


@router.post("/listings/{listing_id}/edit")
async def edit_submit(
    request: Request, listing: OwnedListing, user: CurrentUser, session: SessionDep
) -> Response:
    values = web.form_values(await request.form())
    errors: dict[str, str] = {}
    data = _listing_input(values, errors)
    if values.get("place_slug") == "home":
        data.update(place=user.place_name, lat=user.lat, lon=user.lon)
    try:
        update = ListingUpdate.model_validate(data)
        if not errors:
            service.update_listing(session=session, listing=listing, data=update)
    except ValidationError as exc:
        errors = {**_errors_from(exc, values), **errors}
    except ResaleError as exc:
        errors = {web.error_field(exc.field): exc.message}
    if errors:
        session.rollback()
        listing = service.get_listing(session=session, listing_id=listing.id or 0)
        return web.render(
            request,
            "listings/edit.html",
            _form_context(values, errors, listing=listing, seller=user, photo_url=photo_store.url),
            status_code=422,
        )
    return web.redirect(f"/listings/{listing.id}", flash="Your changes are saved.")


@router.post("/listings/{listing_id}/photos")
async def add_photos_submit(
    request: Request, listing: OwnedListing, session: SessionDep
) -> Response:
    uploads = _uploads(await request.form())
    try:
        service.add_photos(session=session, listing=listing, uploads=uploads)
    except ResaleError as exc:
        session.rollback()
        return web.redirect(f"/listings/{listing.id}/edit#photos", flash=exc.message, kind="error")
    count = len(uploads)
    return web.redirect(
        f"/listings/{listing.id}/edit#photos",
        flash=f"{count} photo{'s' if count > 1 else ''} added.",
    )


@router.post("/listings/{listing_id}/photos/{photo_id}/delete")
def delete_photo_submit(photo_id: int, listing: OwnedListing, session: SessionDep) -> Response:
    try:
        service.delete_photo(session=session, listing=listing, photo_id=photo_id)
    except ResaleError as exc:
        return web.redirect(f"/listings/{listing.id}/edit#photos", flash=exc.message, kind="error")
    return web.redirect(f"/listings/{listing.id}/edit#photos", flash="Photo removed.")


@router.post("/listings/{listing_id}/publish")
def publish_submit(listing: OwnedListing, session: SessionDep) -> Response:
    try:
        service.publish(session=session, listing=listing)
    except ResaleError as exc:
        return web.redirect(f"/listings/{listing.id}/edit", flash=exc.message, kind="error")
    return web.redirect(f"/listings/{listing.id}", flash="Your item is on sale.")


@router.post("/listings/{listing_id}/withdraw")
def withdraw_submit(listing: OwnedListing, session: SessionDep) -> Response:
    try:
        service.withdraw(session=session, listing=listing)
    except ResaleError as exc:
        return web.redirect(f"/listings/{listing.id}", flash=exc.message, kind="error")
    return web.redirect(
        "/me/listings", flash="The listing is withdrawn; you can publish it again any time."
    )


@router.post("/listings/{listing_id}/favorite")
async def favorite_submit(
    listing_id: int, request: Request, user: CurrentUser, session: SessionDep
) -> Response:
    values = web.form_values(await request.form())
    saved = values.get("saved") == "1"
    back = web.safe_next(values.get("next") or f"/listings/{listing_id}")
    listing = (
        service.get_visible_listing(session=session, listing_id=listing_id, viewer=user)
        if saved
        else service.get_listing(session=session, listing_id=listing_id)
    )
    try:
        service.set_favorite(session=session, user=user, listing=listing, saved=saved)
    except ResaleError as exc:
        return web.redirect(back, flash=exc.message, kind="error")
    return web.redirect(
        back, flash="Saved to your favourites." if saved else "Removed from your favourites."
    )


@router.get("/me/listings")
def my_listings_page(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    mine = service.seller_listings(session=session, seller=user)
    groups = {
        status: [item for item in mine if item.status is status]
        for status in (
            ListingStatus.ACTIVE,
            ListingStatus.DRAFT,
            ListingStatus.RESERVED,
            ListingStatus.SOLD,
            ListingStatus.WITHDRAWN,
        )
    }
    return web.render(request, "listings/mine.html", {"groups": groups, "total": len(mine)})


@router.get("/me/favorites")
def my_favorites_page(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    ids = service.saved_listing_ids(session=session, user=user)
    cards = load_cards(session=session, ids=ids, point=_home_point(user))
    items = [cards[i] for i in ids if i in cards]
    return web.render(
        request, "listings/favorites.html", {"items": items, "favorite_ids": set(ids)}
    )
