"""HTML pages: a member's public profile, the review form after a trade, a reply, an admin
hiding a review; and what trust adds to the listing page (the seller's rating, a link to
their profile) and to the order page (the way to review while it is open)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Query, Request, Response
from sqlmodel import Session

from listings.models import Listing
from resale.core import web
from resale.core.db import SessionDep, utcnow
from resale.core.errors import InvalidInput, ResaleError
from resale.core.fields import Id
from resale.core.i18n import gettext as _
from resale.core.web import FormDep
from resale.trust import service
from resale.trust.schemas import ReviewIn
from resale.users.dependencies import CurrentUser, OptionalUser, page_router
from resale.users.models import User

router = page_router()

Page = Annotated[int, Query(ge=1, le=10_000)]


def _duration(seconds: float) -> str:
    """A typical response time in words: within minutes, hours or days."""
    if seconds < 3600:
        return _("within %(count)s minutes") % {"count": max(1, round(seconds / 60))}
    if seconds < 86_400:
        return _("within %(count)s hours") % {"count": round(seconds / 3600)}
    return _("within %(count)s days") % {"count": round(seconds / 86_400)}


@router.get("/u/{user_id}")
def profile_page(
    user_id: Id, request: Request, viewer: OptionalUser, session: SessionDep, page: Page = 1
) -> Response:
    found = service.profile(session=session, user_id=user_id, page=page)
    return web.render(
        request,
        "trust/profile.html",
        {
            "profile": found,
            "viewer": viewer,
            "response": _duration(found.response_seconds)
            if found.response_seconds is not None
            else None,
            "badges": [_(badge) for badge in found.badges],
        },
    )


# --- Writing a review --------------------------------------------------------------------


def _form_context(
    session: Session,
    chance: service.ReviewChance,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    subject = session.get(User, chance.subject_id)
    return {
        "chance": chance,
        "subject_name": subject.display_name if subject else _("a former member"),
        "values": dict(values or {}),
        "errors": dict(errors or {}),
    }


@router.get("/orders/{order_id}/review")
def review_form(order_id: Id, request: Request, user: CurrentUser, session: SessionDep) -> Response:
    chance = service.open_chance(session=session, order_id=order_id, author=user)
    return web.render(request, "trust/review_form.html", _form_context(session, chance))


def _as_described(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


@router.post("/orders/{order_id}/review")
def review_submit(
    order_id: Id, request: Request, user: CurrentUser, session: SessionDep, form: FormDep
) -> Response:
    values = web.form_values(form)
    chance = service.open_chance(session=session, order_id=order_id, author=user)
    try:
        if values.get("stars") not in {"1", "2", "3", "4", "5"}:
            raise InvalidInput(_("Choose from 1 to 5 stars."), field="stars")
        data = ReviewIn.model_validate(
            {
                "stars": values.get("stars") or None,
                "text": values.get("text") or None,
                "as_described": _as_described(values.get("as_described")),
            }
        )
        service.write_review(
            session=session,
            order_id=order_id,
            author=user,
            stars=data.stars,
            text=data.text,
            as_described=data.as_described,
        )
    except (ResaleError, ValueError) as exc:
        return web.form_failed(
            request,
            "trust/review_form.html",
            lambda errors: _form_context(session, chance, values=values, errors=errors),
            exc,
            session=session,
        )
    return web.redirect(
        f"/orders/{order_id}",
        flash=_(
            "Thank you. Your review is shown once both of you have written one, or when the"
            " time to review ends."
        ),
    )


@router.post("/reviews/{review_id}/reply")
def reply_submit(review_id: Id, user: CurrentUser, session: SessionDep, form: FormDep) -> Response:
    back = f"/u/{user.id}#review-{review_id}"
    try:
        service.reply(
            session=session,
            review_id=review_id,
            user=user,
            text=web.form_values(form).get("reply", ""),
        )
    except ResaleError as exc:
        return web.refused(session, exc, back)
    return web.redirect(back, flash=_("Your reply is published."))


@router.post("/reviews/{review_id}/hide")
def hide_submit(review_id: Id, user: CurrentUser, session: SessionDep, form: FormDep) -> Response:
    values = web.form_values(form)
    back = web.safe_next(values.get("next"))
    try:
        service.hide(
            session=session, review_id=review_id, admin=user, reason=values.get("reason", "")
        )
    except ResaleError as exc:
        return web.refused(session, exc, back)
    return web.redirect(back, flash=_("The review is hidden."))


# --- On other areas' pages ---------------------------------------------------------------


def seller_card(
    *, request: Request, session: Session, viewer: User | None, listing: Listing
) -> str | None:
    """In the seller card of a listing: their rating and the way to their profile."""
    rating = service.rating_of(session=session, user_id=listing.seller_id)
    template = web.templates.env.get_template("trust/_seller.html")
    return template.render(seller_id=listing.seller_id, rating=rating)


def order_review(*, session: Session, viewer: User, order: Any) -> str | None:
    """On a completed order's page, for its buyer and seller: review the other while the
    window is open, or what became of the review written."""
    if viewer.id not in (order.buyer_id, order.seller_id) or order.status.value != "completed":
        return None
    try:
        chance = service.review_chance(session=session, order_id=order.id, author=viewer)
    except ResaleError:
        return None
    subject = session.get(User, chance.subject_id)
    template = web.templates.env.get_template("trust/_order_review.html")
    return template.render(
        order=order,
        chance=chance,
        open=not chance.written and utcnow() < chance.ends_at,
        subject_name=subject.display_name if subject else _("a former member"),
    )


def register() -> None:
    """What trust adds to other areas' pages (called by the app)."""
    web.add_section("seller", seller_card)
    web.add_section("order", order_review)
