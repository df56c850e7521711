"""Blocks on listings' pages: "For you" on the home page, "Similar items nearby" and, for the
seller, "Buyers who may want this" on a listing page.

They are page sections (``resale.core.web.add_section``): listings' pages render whatever
the slot returns, so listings never imports matching. ``register()`` adds them once.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from sqlmodel import Session

from listings import service as listings_service
from listings.models import Listing
from matching import service
from resale.core import security, web
from resale.core.db import SessionDep
from resale.users.dependencies import CurrentUser, page_router
from resale.users.models import User

router = page_router()

FOR_YOU_LIMIT = 10
SIMILAR_LIMIT = 10


def _render(name: str, request: Request, viewer: User | None, **context: Any) -> str:
    """A block rendered with what its cards need (viewer, CSRF token for the heart buttons)."""
    next_url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return web.templates.get_template(name).render(
        request=request,
        user=viewer,
        csrf_token=security.csrf_token(request),
        next_url=next_url,
        **context,
    )


def _favorite_ids(session: Session, viewer: User | None, picks: service.Picks) -> set[int]:
    return listings_service.favorite_ids(
        session=session, user=viewer, listing_ids=[p.card.id for p in picks.items]
    )


def new_for_you(*, request: Request, session: Session, viewer: User | None, **_: Any) -> str | None:
    """The home page's banner: new listings that matched the buyer's searches or taste."""
    if viewer is None:
        return None
    count = service.unseen_notices(session=session, user=viewer)
    if not count:
        return None
    return _render("matching/new_banner.html", request, viewer, count=count)


@router.get("/me/notifications")
def notifications_page(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    """What this person was told (a sale...) and the new listings brought to their attention;
    looking at them marks them seen."""
    news = service.other_news(session=session, user=user, limit=20)
    notices = service.notices_for(session=session, user=user, limit=48)
    service.mark_notices_seen(session=session, user=user)
    request.state.unseen_notifications = 0  # the bell: all seen now
    favorites = listings_service.favorite_ids(
        session=session, user=user, listing_ids=[n.card.id for n in notices]
    )
    return web.render(
        request,
        "matching/notifications.html",
        {"news": news, "notices": notices, "favorite_ids": favorites},
    )


def for_you(*, request: Request, session: Session, viewer: User | None, **_: Any) -> str | None:
    """The home page's "For you": a signed-in buyer's feed."""
    if viewer is None:
        return None
    picks = service.feed(session=session, user=viewer, limit=FOR_YOU_LIMIT)
    if not picks.items:
        return None
    return _render(
        "matching/for_you.html",
        request,
        viewer,
        picks=picks,
        favorite_ids=_favorite_ids(session, viewer, picks),
    )


def similar_nearby(
    *, request: Request, session: Session, viewer: User | None, listing: Listing, **_: Any
) -> str | None:
    """Every listing page: active listings like this one, near the viewer (or the listing)."""
    picks = service.similar(session=session, listing=listing, viewer=viewer, limit=SIMILAR_LIMIT)
    if not picks.items:
        return None
    return _render(
        "matching/similar.html",
        request,
        viewer,
        picks=picks,
        favorite_ids=_favorite_ids(session, viewer, picks),
    )


def interested_buyers(
    *, request: Request, session: Session, viewer: User | None, listing: Listing, **_: Any
) -> str | None:
    """The seller's own listing page: how many buyers nearby may want it, by distance."""
    if viewer is None or viewer.id != listing.seller_id:
        return None
    audience = service.interested_buyers(session=session, listing=listing)
    return _render("matching/interested.html", request, viewer, audience=audience)


def register() -> None:
    """Add the blocks to the page slots (idempotent: safe to call from every create_app)."""
    web.add_section("home", new_for_you)
    web.add_section("home", for_you)
    web.add_section("listing", interested_buyers)
    web.add_section("listing", similar_nearby)
