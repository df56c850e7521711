"""Pages: home, search, listing, sell / edit, my listings, my favourites, saved searches."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from babel.dates import format_skeleton
from fastapi import Request, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from listings import carbon as listing_carbon
from listings import photos as photo_store
from listings import saved_searches, service
from listings.dependencies import OwnedListing
from listings.models import Condition, Listing, ListingStatus
from listings.schemas import (
    CURRENCIES,
    ListingCard,
    ListingCreate,
    ListingUpdate,
    PriceError,
    Sort,
    parse_price,
)
from listings.search import (
    ANYWHERE,
    HOME,
    RADIUS_CHOICES_KM,
    SearchQuery,
    UrlSearch,
    from_url,
    load_cards,
    search,
    to_url,
)
from resale.core import i18n, security, taxonomy, web
from resale.core.config import settings
from resale.core.db import SessionDep
from resale.core.errors import ResaleError
from resale.core.fields import Id
from resale.core.geo import PLACES, currency_at
from resale.core.i18n import N_, ngettext
from resale.core.i18n import gettext as _
from resale.core.web import FormDep
from resale.users.dependencies import CurrentUser, OptionalUser, page_router
from resale.users.models import User
from resale.users.service import home_of, home_point

router = page_router()


def place_label(name: str | None) -> str:
    """A stored place name in the language spoken ("Paris, Le Marais" -> "巴黎 玛莱区"); a
    name the catalogs do not know stays as it is. Plain text: the page escapes it (a name
    can be one a person typed, so it never goes through the templates' ``_()``)."""
    return _(name) if name else ""


def category_label(slug: str) -> str:
    """``Furniture › Sofas & armchairs`` (a parent: its name), in the language spoken."""
    category = taxonomy.get(slug)
    if category is None:
        return slug
    parent = taxonomy.parent_of(category)
    return f"{_(parent.name)} › {_(category.name)}" if parent else _(category.name)


def _month(when: datetime) -> str:
    """A month in the locale's words: ``December 2026`` / ``2026年12月``."""
    return format_skeleton("yMMMM", when, locale=i18n.babel_locale())


# Result cards everywhere show what buying the item second-hand avoids, and where it is.
web.templates.env.globals["card_carbon"] = listing_carbon.card_carbon
web.templates.env.globals["place_label"] = place_label


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
    # Blank means pickup only (sent as None, so an edit can take shipping away again).
    shipping = values.get("shipping", "")
    try:
        data["shipping_cents"] = parse_price(shipping) if shipping else None
    except PriceError as exc:
        errors["shipping"] = str(exc)
    return data


EMPTY_CHOICE = {
    "category": N_("Choose a category."),
    "condition": N_("Choose the item's condition."),
}


def _errors_from(exc: ValidationError, values: dict[str, str]) -> dict[str, str]:
    errors = web.field_errors(exc)
    for field, message in EMPTY_CHOICE.items():
        if field in errors and not values.get(field):
            errors[field] = _(message)
    return errors


def _uploads(form: Any) -> list[photo_store.Upload]:
    """The chosen files, each read only when it is checked."""
    files = [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]
    return [(f.filename or "photo", f.file) for f in files]


# Photos kept from a sell form that failed travel in hidden fields as signed tokens: the
# key in the photo store, the size, and (in the key) whose they are.
KEPT_PHOTO_PURPOSE = "kept-photo"


def _kept_token(photo: photo_store.PendingPhoto) -> str:
    value = f"{photo.key}:{photo.width}x{photo.height}"
    return security.sign(value, secret=settings.secret_key, purpose=KEPT_PHOTO_PURPOSE)


def _kept_from(form: Any, field: str, owner: User) -> list[photo_store.PendingPhoto]:
    """The kept photos a form names; forged tokens and other people's photos are ignored."""
    photos: list[photo_store.PendingPhoto] = []
    for token in form.getlist(field):
        value = isinstance(token, str) and security.unsign(
            token, secret=settings.secret_key, purpose=KEPT_PHOTO_PURPOSE
        )
        if not value:
            continue
        key, _, size = value.rpartition(":")
        match = photo_store.PENDING_KEY.fullmatch(key)
        width, _, height = size.partition("x")
        if match is None or int(match.group(1)) != owner.id:
            continue
        photo = photo_store.PendingPhoto(key=key, width=int(width), height=int(height))
        if photo not in photos:
            photos.append(photo)
    return photos


def _kept_context(photos: list[photo_store.PendingPhoto]) -> list[dict[str, Any]]:
    return [
        {
            "token": _kept_token(p),
            "thumb_url": photo_store.url(p.key, "thumb"),
            "width": p.width,
            "height": p.height,
        }
        for p in photos
    ]


def _conditions() -> dict[Condition, str]:
    """Each condition and its name in the language spoken, in order."""
    return {c: c.label for c in Condition}


def _form_context(values: dict[str, str], errors: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "parents": taxonomy.PARENTS,
        "children": taxonomy.children,
        "conditions": _conditions(),
        "currencies": CURRENCIES,
        "places": PLACES,
        "max_photos": settings.max_photos_per_listing,
        "kept": [],
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
        "shipping": "" if listing.shipping_cents is None else f"{listing.shipping_cents / 100:.2f}",
        "place_slug": place_slug,
        "geo_lat": "" if listing.lat is None else str(listing.lat),
        "geo_lon": "" if listing.lon is None else str(listing.lon),
    }


def _hearts(session: SessionDep, viewer: User | None, cards: list[ListingCard]) -> set[int]:
    """Which of these cards the viewer saved (their hearts show filled)."""
    return service.favorite_ids(session=session, user=viewer, listing_ids=[c.id for c in cards])


@router.get("/")
def home(request: Request, viewer: OptionalUser, session: SessionDep) -> Response:
    home = home_of(viewer)
    newest = SearchQuery(sort=Sort.NEWEST, limit=24)
    items: list[ListingCard] = []
    if home is not None:
        near = replace(newest, lat=home.lat, lon=home.lon, radius_km=settings.home_radius_km)
        items = search(session=session, query=near).items
    nearby_only = bool(items)
    if not items:
        items = search(session=session, query=newest).items
    # "See all": the same listings on the search page, where they can be narrowed down.
    see_all = {"sort": Sort.NEWEST.value, "place": ANYWHERE}
    if nearby_only:
        see_all.update(place=HOME, radius=f"{settings.home_radius_km:g}")
    return web.render(
        request,
        "listings/home.html",
        {
            "items": items,
            "nearby_only": nearby_only,
            "radius_km": settings.home_radius_km,
            "favorite_ids": _hearts(session, viewer, items),
            "see_all_url": "/search?" + to_url(see_all),
            "categories": taxonomy.PARENTS,
            "sections": web.sections("home", request=request, session=session, viewer=viewer),
        },
    )


def _price_label(found: UrlSearch) -> str | None:
    query = found.query
    label = saved_searches.price_range(query.min_price, query.max_price, query.price_currency)
    return None if label is None else label[:1].upper() + label[1:]


def _heading(found: UrlSearch) -> tuple[str, str]:
    """What the results are, in words: ("Sofas & armchairs", "within 10 km of Paris, Le Marais")."""
    query = found.query
    category = taxonomy.get(query.category) if query.category else None
    if query.q and category is not None:
        subject = _("“%(words)s” in %(category)s") % {
            "words": query.q,
            "category": _(category.name),
        }
    elif query.q:
        subject = _("Results for “%(words)s”") % {"words": query.q}
    elif category is not None:
        subject = _(category.name)
    else:
        subject = _("Everything for sale")
    if found.place_name and query.radius_km is not None:
        return subject, _("within %(km)s km of %(place)s") % {
            "km": f"{query.radius_km:g}",
            "place": found.place_name,
        }
    if found.place_name:
        return subject, _("near %(place)s") % {"place": found.place_name}
    return subject, ""


class _Links:
    """Links to variations of the search on the page: each one a whole, shareable search."""

    def __init__(self, found: UrlSearch) -> None:
        self.found = found
        self.values = saved_searches.canonical_values(found)

    def __call__(self, **changes: Any) -> str:
        # Without a place, "nearest" would be refused: fall back to the default order.
        if changes.get("place") == ANYWHERE and self.values.get("sort") == Sort.NEAREST.value:
            changes.setdefault("sort", Sort.BEST.value)
        return "/search?" + to_url(self.values, **changes)

    def chips(self) -> list[tuple[str, str]]:
        """Each filter in use, and the search without it."""
        query, values = self.found.query, self.values
        chips: list[tuple[str, str]] = []
        if query.q:
            chips.append((f"“{query.q}”", self(q="")))
        category = taxonomy.get(query.category) if query.category else None
        if category is not None:
            chips.append((_(category.name), self(category="")))
        price = _price_label(self.found)
        if price:
            chips.append((price, self(min_price="", max_price="")))
        for condition in query.conditions:
            rest = [c for c in values["condition"] if c != condition.value]
            chips.append((condition.label, self(condition=rest)))
        if query.radius_km is not None:
            chips.append((_("Within %(km)s km") % {"km": f"{query.radius_km:g}"}, self(radius="")))
        if query.with_photos:
            chips.append((_("With photos"), self(photos="")))
        return chips

    def wider(self) -> list[tuple[str, str]]:
        """For an empty result: the same search over a larger distance, or anywhere."""
        radius = self.found.query.radius_km
        if radius is None:
            return []
        larger = [r for r in RADIUS_CHOICES_KM if r > radius][:3]
        options = [(_("Within %(km)s km") % {"km": r}, self(radius=str(r))) for r in larger]
        options.append((_("Anywhere"), self(radius="", place=ANYWHERE)))
        return options

    def cleared(self) -> str:
        """The words and the place, without any other filter."""
        return self(category="", min_price="", max_price="", condition=[], radius="", photos="")


def _radius_choices(values: dict[str, Any]) -> list[str]:
    """The distances to offer; one arriving from elsewhere (the home page's 30 km) is kept."""
    choices = [str(r) for r in RADIUS_CHOICES_KM]
    typed = values.get("radius") or ""
    if typed and typed not in choices:
        choices.append(typed)
    return choices


@router.get("/search")
def search_page(request: Request, viewer: OptionalUser, session: SessionDep) -> Response:
    found = from_url(request.query_params, home=home_of(viewer))
    page = search(session=session, query=found.query)
    links = _Links(found)
    canonical = to_url(links.values)
    saved = None
    if viewer is not None and not found.errors:
        saved = saved_searches.find_saved_search(session=session, user=viewer, query=canonical)
    return web.render(
        request,
        "listings/search.html",
        {
            "found": found,
            "values": found.values,
            "errors": found.errors,
            "items": page.items,
            "favorite_ids": _hearts(session, viewer, page.items),
            "heading": _heading(found),  # (what, where)
            "link": links,
            "chips": links.chips(),
            "wider": links.wider() if not page.items else [],
            "cleared_url": links.cleared(),
            "more_url": f"/search?{canonical}&cursor={page.next_cursor}"
            if page.next_cursor
            else None,
            "first_url": f"/search?{canonical}" if found.query.cursor else None,
            "canonical": canonical,
            "saved": saved,
            "search_form": "filters",
            "search_q": found.values["q"],
            "parents": taxonomy.PARENTS,
            "children": taxonomy.children,
            "conditions": _conditions(),
            "places": PLACES,
            "currencies": CURRENCIES,
            "home_place": place_label(viewer.place_name) or _("your home")
            if viewer is not None and viewer.has_location
            else None,
            "radius_choices": _radius_choices(found.values),
            "sorts": {s: s.label for s in Sort},
            "login_next": web.login_url(f"/search?{canonical}"),
        },
    )


@router.get("/listings/{listing_id}")
def listing_page(
    listing_id: Id, request: Request, viewer: OptionalUser, session: SessionDep
) -> Response:
    listing = service.get_visible_listing(session=session, listing_id=listing_id, viewer=viewer)
    service.record_view(listing=listing, viewer=viewer, client=web.client_address(request))
    is_owner = viewer is not None and viewer.id == listing.seller_id
    return web.render(
        request,
        "listings/detail.html",
        {
            "listing": listing,
            "is_owner": is_owner,
            "favorite": service.is_favorite(session=session, user=viewer, listing=listing),
            "distance_km": None if is_owner else service.distance_km(listing, viewer),
            "carbon": listing_carbon.listing_carbon(listing, None if is_owner else viewer),
            "category_label": category_label(listing.category),
            "condition_label": listing.condition.label,
            "seller_since": _month(listing.seller.created_at),
            "photo_url": photo_store.url,
            "sections": web.sections(
                "listing", request=request, session=session, viewer=viewer, listing=listing
            ),
            "action_sections": web.sections(
                "listing_actions", request=request, session=session, viewer=viewer, listing=listing
            ),
            # What another area says of the seller in their card (trust: rating, profile).
            "seller_sections": web.sections(
                "seller", request=request, session=session, viewer=viewer, listing=listing
            ),
        },
    )


@router.get("/sell")
def sell_page(request: Request, user: CurrentUser) -> Response:
    values = {
        "currency": currency_at(home_point(user)),
        "place_slug": "home" if user.has_location else "",
    }
    return web.render(request, "listings/sell.html", _form_context(values, {}, seller=user))


@router.post("/sell")
def sell_submit(
    request: Request, user: CurrentUser, session: SessionDep, form: FormDep
) -> Response:
    values = web.form_values(form)
    publish_now = values.get("action") != "draft"
    errors: dict[str, str] = {}
    data = _listing_input(values, errors)
    try:
        create = ListingCreate.model_validate(data)
    except ValidationError as exc:
        errors = {**_errors_from(exc, values), **errors}
    # Whatever else is wrong, the good photos are checked and kept for the next submit.
    staged = service.stage_photos(
        session=session,
        owner=user,
        kept=_kept_from(form, "kept_photos", user),
        removed=_kept_from(form, "remove_photos", user),
        uploads=_uploads(form),
    )
    if staged.refused:
        errors.setdefault("photos", " ".join(staged.refused))
    if publish_now and not staged.kept:
        errors.setdefault("photos", _("Add at least one photo to publish (or save a draft)."))

    def context(errors: dict[str, str]) -> dict[str, Any]:
        return _form_context(values, errors, seller=user, kept=_kept_context(staged.kept))

    if errors:
        return web.form_failed(request, "listings/sell.html", context, errors)
    try:
        listing = service.sell(
            session=session, seller=user, data=create, photos=staged.kept, publish_now=publish_now
        )
    except ResaleError as exc:  # nothing of this attempt stays: no draft; the photos go back
        return web.form_failed(request, "listings/sell.html", context, exc, session=session)
    if publish_now and listing.held_at is not None:
        return web.redirect(f"/listings/{listing.id}", flash=_held_message(), kind="error")
    message = (
        _("Your item is on sale.")
        if publish_now
        else _("Draft saved. Publish it when you are ready.")
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
def edit_submit(
    request: Request, listing: OwnedListing, user: CurrentUser, session: SessionDep, form: FormDep
) -> Response:
    values = web.form_values(form)
    errors: dict[str, str] = {}
    data = _listing_input(values, errors)
    if values.get("place_slug") == "home":
        data.update(place=user.place_name, lat=user.lat, lon=user.lon)

    listing_id = listing.id or 0

    def context(errors: dict[str, str]) -> dict[str, Any]:
        # Read again: a refused attempt's rollback has expired what was loaded.
        fresh = service.get_listing(session=session, listing_id=listing_id)
        return _form_context(values, errors, listing=fresh, seller=user, photo_url=photo_store.url)

    try:
        update = ListingUpdate.model_validate(data)
        if not errors:
            service.update_listing(session=session, listing=listing, data=update)
    except ValidationError as exc:
        errors = {**_errors_from(exc, values), **errors}
    except ResaleError as exc:  # what the listing was before the attempt is shown again
        return web.form_failed(request, "listings/edit.html", context, exc, session=session)
    if errors:
        return web.form_failed(request, "listings/edit.html", context, errors)
    return web.redirect(f"/listings/{listing.id}", flash=_("Your changes are saved."))


@router.post("/listings/{listing_id}/photos")
def add_photos_submit(listing: OwnedListing, session: SessionDep, form: FormDep) -> Response:
    uploads = _uploads(form)
    try:
        service.add_photos(session=session, listing=listing, uploads=uploads)
    except ResaleError as exc:
        return web.refused(session, exc, f"/listings/{listing.id}/edit#photos")
    count = len(uploads)
    return web.redirect(
        f"/listings/{listing.id}/edit#photos",
        flash=ngettext("%(num)s photo added.", "%(num)s photos added.", count) % {"num": count},
    )


@router.post("/listings/{listing_id}/photos/{photo_id}/delete")
def delete_photo_submit(photo_id: Id, listing: OwnedListing, session: SessionDep) -> Response:
    try:
        service.delete_photo(session=session, listing=listing, photo_id=photo_id)
    except ResaleError as exc:
        return web.redirect(f"/listings/{listing.id}/edit#photos", flash=exc.message, kind="error")
    return web.redirect(f"/listings/{listing.id}/edit#photos", flash=_("Photo removed."))


@router.post("/listings/{listing_id}/publish")
def publish_submit(listing: OwnedListing, session: SessionDep) -> Response:
    try:
        service.publish(session=session, listing=listing)
    except ResaleError as exc:
        return web.redirect(f"/listings/{listing.id}/edit", flash=exc.message, kind="error")
    if listing.held_at is not None:
        return web.redirect(f"/listings/{listing.id}", flash=_held_message(), kind="error")
    return web.redirect(f"/listings/{listing.id}", flash=_("Your item is on sale."))


def _held_message() -> str:
    return _(
        "Your listing mentions something that may not be sold here, so a moderator will "
        "review it before it goes on sale. You will be told the outcome."
    )


@router.post("/listings/{listing_id}/withdraw")
def withdraw_submit(listing: OwnedListing, session: SessionDep) -> Response:
    try:
        service.withdraw(session=session, listing=listing)
    except ResaleError as exc:
        return web.redirect(f"/listings/{listing.id}", flash=exc.message, kind="error")
    return web.redirect(
        "/me/listings", flash=_("The listing is withdrawn; you can publish it again any time.")
    )


@router.post("/listings/{listing_id}/favorite")
def favorite_submit(
    listing_id: Id, user: CurrentUser, session: SessionDep, form: FormDep
) -> Response:
    values = web.form_values(form)
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
        back, flash=_("Saved to your favourites.") if saved else _("Removed from your favourites.")
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
    cards = load_cards(session=session, ids=ids, point=home_point(user))
    items = [cards[i] for i in ids if i in cards]
    return web.render(
        request, "listings/favorites.html", {"items": items, "favorite_ids": set(ids)}
    )


@router.get("/me/searches")
def my_searches_page(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    searches = saved_searches.saved_searches(session=session, user=user)
    return web.render(
        request,
        "listings/searches.html",
        {
            "searches": searches,
            "cap": saved_searches.NEW_COUNT_CAP,
            "limit": saved_searches.MAX_SAVED_SEARCHES,
        },
    )


@router.post("/me/searches")
def save_search_submit(user: CurrentUser, session: SessionDep, form: FormDep) -> Response:
    values = web.form_values(form)
    query = values.get("query", "")
    try:
        saved, created = saved_searches.save_search(session=session, user=user, query=query)
    except ResaleError as exc:
        return web.refused(session, exc, f"/search?{query}")
    message = (
        _("Search saved. Saved searches show how many new items match it.")
        if created
        else _("You had already saved this search.")
    )
    return web.redirect(f"/search?{saved.query}", flash=message)


@router.get("/me/searches/{search_id}/open")
def open_saved_search(search_id: Id, user: CurrentUser, session: SessionDep) -> Response:
    """Open a saved search: what matches it now stops counting as new.

    A GET, so that "Open" is a plain link (new tab, copy link address). The only thing it
    changes is when the user last looked, so a prefetch can at worst clear a badge early.
    """
    saved = saved_searches.mark_search_seen(session=session, user=user, search_id=search_id)
    return web.redirect(f"/search?{saved.query}")


@router.post("/me/searches/{search_id}/delete")
def delete_search_submit(search_id: Id, user: CurrentUser, session: SessionDep) -> Response:
    saved_searches.delete_saved_search(session=session, user=user, search_id=search_id)
    return web.redirect("/me/searches", flash=_("Saved search deleted."))
