"""JSON API for listings, photos, favourites and saved searches."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field

from carbon.schemas import figure_out
from listings import carbon as listing_carbon
from listings import photos as photo_store
from listings import saved_searches, service
from listings.dependencies import OwnedListing
from listings.models import Condition, Listing, SavedSearch
from listings.schemas import (
    CarbonOption,
    CategoryPublic,
    Currency,
    ListingCarbonOut,
    ListingCreate,
    ListingPrivate,
    ListingPublic,
    ListingUpdate,
    PhotoPublic,
    SearchHit,
    SearchOrigin,
    SearchResults,
    SellerPublic,
    Sort,
)
from listings.search import DEFAULT_LIMIT, MAX_LIMIT, MAX_RADIUS_KM, SearchQuery, search
from resale.core import taxonomy, web
from resale.core.db import SessionDep
from resale.core.errors import InvalidInput
from resale.core.fields import AmountCents, Id
from resale.core.geo import currency_at, rounded_km
from resale.core.i18n import gettext as _
from resale.users.dependencies import CurrentUser, OptionalUser
from resale.users.models import User

router = APIRouter(prefix="/api/v1", tags=["listings"])


def listing_out(listing: Listing, *, viewer: User | None, favorite: bool | None) -> ListingPublic:
    """The listing as this viewer may see it (the seller also gets the exact point)."""
    km = service.distance_km(listing, viewer)
    assert listing.id is not None
    shown = {
        "category_label": taxonomy.label(listing.category),
        "place": listing.place_name,
        "distance_km": None if km is None else rounded_km(km),
        "seller": SellerPublic(
            id=listing.seller_id,
            display_name=listing.seller.display_name,
            place=listing.seller.place_name,
        ),
        "photos": [
            PhotoPublic(
                id=p.id or 0,
                position=p.position,
                url=photo_store.url(p.key, "display"),
                thumb_url=photo_store.url(p.key, "thumb"),
                width=p.width,
                height=p.height,
            )
            for p in listing.photos
        ],
        "favorite": favorite,
        "carbon": carbon_out(listing_carbon.listing_carbon(listing, viewer)),
    }
    if viewer is not None and viewer.id == listing.seller_id:
        return ListingPrivate.model_validate(listing, update=shown)
    return ListingPublic.model_validate(listing, update=shown)


def carbon_out(figures: listing_carbon.ListingCarbon | None) -> ListingCarbonOut | None:
    if figures is None:
        return None
    head = figures.headline
    everything = [*figures.pickup.values(), *([figures.shipping] if figures.shipping else [])]
    return figure_out(
        ListingCarbonOut,
        head,
        comparison=figures.comparison,
        options=[figure_out(CarbonOption, e) for e in everything],
    )


class FavoriteState(BaseModel):
    listing_id: int
    favorite: bool


@router.get("/categories", response_model=list[CategoryPublic])
def categories() -> list[CategoryPublic]:
    """The two-level taxonomy; listings use the slug of a subcategory."""
    return [
        CategoryPublic(
            slug=parent.slug,
            name=parent.name,
            children=[
                CategoryPublic(slug=c.slug, name=c.name) for c in taxonomy.children(parent.slug)
            ],
        )
        for parent in taxonomy.PARENTS
    ]


@router.post("/listings", status_code=201, response_model=ListingPrivate)
def create_listing(data: ListingCreate, user: CurrentUser, session: SessionDep) -> ListingPublic:
    """Create a draft. Add photos, then publish it."""
    listing = service.create_draft(session=session, seller=user, data=data)
    return listing_out(listing, viewer=user, favorite=None)


@router.get("/me/listings", response_model=list[ListingPrivate])
def my_listings(user: CurrentUser, session: SessionDep) -> list[ListingPublic]:
    return [
        listing_out(listing, viewer=user, favorite=None)
        for listing in service.seller_listings(session=session, seller=user)
    ]


@router.get("/me/favorites", response_model=list[ListingPublic])
def my_favorites(user: CurrentUser, session: SessionDep) -> list[ListingPublic]:
    return [
        listing_out(listing, viewer=user, favorite=True)
        for listing in service.favorites_of(session=session, user=user)
    ]


@router.get("/listings/search", response_model=SearchResults)
def search_listings(
    viewer: OptionalUser,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200, description="Words; all must match")] = "",
    category: Annotated[
        str | None, Query(description="A category slug; a group covers its subcategories")
    ] = None,
    min_price: Annotated[AmountCents | None, Query(description="In cents")] = None,
    max_price: Annotated[AmountCents | None, Query(description="In cents")] = None,
    currency: Annotated[
        Currency | None,
        Query(
            description="Of min_price and max_price: only listings priced in it match a price "
            "bound. Default: that of the place distance is measured from; with no point, CNY "
            "in Chinese and EUR in English"
        ),
    ] = None,
    condition: Annotated[list[Condition] | None, Query(description="Repeat for several")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_km: Annotated[float | None, Query(gt=0, le=MAX_RADIUS_KM)] = None,
    seller: Annotated[Id | None, Query(description="Only this seller's listings")] = None,
    with_photos: bool = False,
    sort: Sort = Sort.BEST,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> SearchResults:
    """Active listings matching words, filters and distance; without lat/lon, distance is
    measured from the signed-in viewer's home."""
    origin = None
    if lat is not None and lon is not None:
        origin = SearchOrigin(lat=lat, lon=lon, source="query")
    elif (
        lat is None
        and lon is None
        and viewer is not None
        and viewer.lat is not None
        and viewer.lon is not None
    ):
        origin = SearchOrigin(lat=viewer.lat, lon=viewer.lon, source="home")
    if currency is None and (min_price is not None or max_price is not None):
        currency = currency_at((origin.lat, origin.lon) if origin else None)
    query = SearchQuery(
        q=q,
        category=category,
        min_price=min_price,
        max_price=max_price,
        currency=currency,
        conditions=tuple(condition or ()),
        lat=origin.lat if origin else lat,
        lon=origin.lon if origin else lon,
        radius_km=radius_km,
        seller_id=seller,
        with_photos=with_photos,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    page = search(session=session, query=query)
    return SearchResults(
        items=[SearchHit.of(card) for card in page.items],
        next_cursor=page.next_cursor,
        sort=sort,
        origin=origin,
    )


@router.get("/listings/{listing_id:int}", response_model=ListingPublic | ListingPrivate)
def get_listing(
    listing_id: Id, request: Request, viewer: OptionalUser, session: SessionDep
) -> ListingPublic:
    listing = service.get_visible_listing(session=session, listing_id=listing_id, viewer=viewer)
    service.record_view(listing=listing, viewer=viewer, client=web.client_address(request))
    favorite = service.is_favorite(session=session, user=viewer, listing=listing)
    return listing_out(listing, viewer=viewer, favorite=favorite)


@router.patch("/listings/{listing_id:int}", response_model=ListingPrivate)
def update_listing(
    data: ListingUpdate, listing: OwnedListing, user: CurrentUser, session: SessionDep
) -> ListingPublic:
    listing = service.update_listing(session=session, listing=listing, data=data)
    return listing_out(listing, viewer=user, favorite=None)


@router.post(
    "/listings/{listing_id}/photos",
    status_code=201,
    response_model=ListingPrivate,
    responses={413: {"description": "The request is larger than the photos it may carry"}},
)
def add_photos(
    photos: Annotated[list[UploadFile], File(description="1-10 JPEG, PNG or WebP files")],
    listing: OwnedListing,
    user: CurrentUser,
    session: SessionDep,
) -> ListingPublic:
    # The files are read one at a time as they are checked, not all at once here.
    uploads: list[photo_store.Upload] = [(f.filename or "photo", f.file) for f in photos]
    if not uploads:
        raise InvalidInput(_("Choose at least one photo."), field="photos")
    service.add_photos(session=session, listing=listing, uploads=uploads)
    return listing_out(listing, viewer=user, favorite=None)


@router.delete("/listings/{listing_id}/photos/{photo_id}", status_code=204)
def delete_photo(photo_id: Id, listing: OwnedListing, session: SessionDep) -> Response:
    service.delete_photo(session=session, listing=listing, photo_id=photo_id)
    return Response(status_code=204)


@router.post(
    "/listings/{listing_id}/publish",
    response_model=ListingPrivate,
    responses={
        202: {
            "model": ListingPrivate,
            "description": "Held for a moderator's review (it names a prohibited item): "
            "held_at and held_reason are set and the status is unchanged",
        }
    },
)
def publish(
    listing: OwnedListing, user: CurrentUser, session: SessionDep, response: Response
) -> ListingPublic:
    published = service.publish(session=session, listing=listing)
    if published.held_at is not None:
        response.status_code = 202
    return listing_out(published, viewer=user, favorite=None)


@router.post("/listings/{listing_id}/withdraw", response_model=ListingPrivate)
def withdraw(listing: OwnedListing, user: CurrentUser, session: SessionDep) -> ListingPublic:
    return listing_out(
        service.withdraw(session=session, listing=listing), viewer=user, favorite=None
    )


@router.put("/listings/{listing_id}/favorite", response_model=FavoriteState)
def save_favorite(listing_id: Id, user: CurrentUser, session: SessionDep) -> FavoriteState:
    """Save a listing (safe to repeat)."""
    listing = service.get_visible_listing(session=session, listing_id=listing_id, viewer=user)
    service.set_favorite(session=session, user=user, listing=listing, saved=True)
    return FavoriteState(listing_id=listing_id, favorite=True)


@router.delete("/listings/{listing_id}/favorite", response_model=FavoriteState)
def remove_favorite(listing_id: Id, user: CurrentUser, session: SessionDep) -> FavoriteState:
    """Unsave a listing (safe to repeat, and possible after it left the market)."""
    listing = service.get_listing(session=session, listing_id=listing_id)
    service.set_favorite(session=session, user=user, listing=listing, saved=False)
    return FavoriteState(listing_id=listing_id, favorite=False)


class SavedSearchIn(BaseModel):
    query: str = Field(
        max_length=saved_searches.MAX_SAVED_QUERY_CHARS,
        description="A search page's query string, e.g. 'q=sofa&place=paris-marais&radius=10'",
        examples=["q=sofa&category=furniture&place=paris-marais&radius=10"],
    )


class SavedSearchPublic(BaseModel):
    id: int
    name: str = Field(description="A short summary for people")
    query: str = Field(description="The canonical query string of the search page")
    url: str = Field(description="The search page for it")
    created_at: datetime
    last_seen_at: datetime
    new_count: int = Field(
        description="Listings matching it published since last_seen_at (counting stops at "
        f"{saved_searches.NEW_COUNT_CAP + 1}; see new_count_capped)"
    )
    new_count_capped: bool = Field(description=f"More than {saved_searches.NEW_COUNT_CAP} are new")


def _saved_out(saved: SavedSearch, new_count: int) -> SavedSearchPublic:
    assert saved.id is not None
    return SavedSearchPublic(
        id=saved.id,
        name=saved.name,
        query=saved.query,
        url=f"/search?{saved.query}",
        created_at=saved.created_at,
        last_seen_at=saved.last_seen_at,
        new_count=new_count,
        new_count_capped=new_count > saved_searches.NEW_COUNT_CAP,
    )


@router.get("/me/searches", response_model=list[SavedSearchPublic])
def my_searches(user: CurrentUser, session: SessionDep) -> list[SavedSearchPublic]:
    """The viewer's saved searches, newest first, with how many listings are new for each."""
    return [
        _saved_out(status.search, status.new_count)
        for status in saved_searches.saved_searches(session=session, user=user)
    ]


@router.post("/me/searches", status_code=201, response_model=SavedSearchPublic)
def save_search(
    data: SavedSearchIn, user: CurrentUser, session: SessionDep, response: Response
) -> SavedSearchPublic:
    """Save a search (201); saving one already saved refreshes it (200). At most 50."""
    saved, created = saved_searches.save_search(session=session, user=user, query=data.query)
    if not created:
        response.status_code = 200
    return _saved_out(saved, 0)


@router.post("/me/searches/{search_id}/seen", response_model=SavedSearchPublic)
def saw_search(search_id: Id, user: CurrentUser, session: SessionDep) -> SavedSearchPublic:
    """Mark a saved search as seen now: its count of new listings starts again from 0."""
    saved = saved_searches.mark_search_seen(session=session, user=user, search_id=search_id)
    return _saved_out(saved, 0)


@router.delete("/me/searches/{search_id}", status_code=204)
def delete_search(search_id: Id, user: CurrentUser, session: SessionDep) -> Response:
    saved_searches.delete_saved_search(session=session, user=user, search_id=search_id)
    return Response(status_code=204)
