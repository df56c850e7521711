"""Pages: register, log in, log out, profile."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from pydantic import ValidationError

from resale.core import i18n, security, web
from resale.core.config import settings
from resale.core.db import SessionDep
from resale.core.errors import ResaleError
from resale.core.geo import PLACES
from resale.core.i18n import gettext as _
from resale.users import service
from resale.users.dependencies import CurrentUser, OptionalUser, page_router
from resale.users.models import TokenKind, User
from resale.users.schemas import ProfileUpdate, UserCreate
from resale.users.throttle import LoginThrottle, TooManyAttempts, login_throttle

router = page_router()
GEOLOCATION = "geolocation"


def _place_slug_for(user: User) -> str:
    for place in PLACES:
        if user.place_name == place.name and user.lat == place.lat and user.lon == place.lon:
            return place.slug
    return GEOLOCATION if user.has_location else ""


def _logged_in(response: Response, token: str) -> Response:
    web.set_cookie(response, security.SESSION_COOKIE, token, max_age=settings.session_days * 86400)
    # Forms are now bound to the new session; the visitor id from before it goes.
    response.delete_cookie(security.CSRF_COOKIE)
    return response


def _form_context(values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    return {"values": values, "errors": errors, "places": PLACES}


def _form_page(request: Request, name: str, values: dict[str, str]) -> Response:
    return web.render(request, name, _form_context(values, {}))


@router.get("/register")
def register_page(request: Request, user: OptionalUser, next: str = "/") -> Response:
    if user is not None:
        return web.redirect(web.safe_next(next))
    return _form_page(request, "users/register.html", {"next": next})


@router.post("/register", dependencies=[security.PASSWORD_TURN])
def register_submit(request: Request, session: SessionDep, form: web.FormDep) -> Response:
    values = web.form_values(form)
    try:
        data = UserCreate.model_validate(
            {
                "email": values.get("email", ""),
                "password": values.get("password", ""),
                "display_name": values.get("display_name", ""),
                **web.location_from_form(values),
            }
        )
        user = service.register(session=session, data=data)
    except (ValidationError, ResaleError) as exc:
        return web.form_failed(
            request, "users/register.html", partial(_form_context, values), exc, session=session
        )
    token, _lifetime = service.issue_token(session=session, user=user, kind=TokenKind.SESSION)
    response = web.redirect(
        web.safe_next(values.get("next")),
        flash=_("Welcome to resale, %(name)s!") % {"name": user.display_name},
    )
    return _logged_in(response, token)


@router.get("/login")
def login_page(request: Request, user: OptionalUser, next: str = "/") -> Response:
    if user is not None:
        return web.redirect(web.safe_next(next))
    return _form_page(request, "users/login.html", {"next": next})


@router.post("/login", dependencies=[security.PASSWORD_TURN])
def login_submit(
    request: Request,
    session: SessionDep,
    form: web.FormDep,
    throttle: Annotated[LoginThrottle, Depends(login_throttle)],
) -> Response:
    values = web.form_values(form)
    try:
        user = service.authenticate(
            session=session,
            email=values.get("email", ""),
            password=values.get("password", ""),
            throttle=throttle,
            address=web.client_address(request),
        )
    except ResaleError as exc:
        # The failure the throttle counted stays. A wrong password is a plain 400 on a page:
        # a 401 would ask the browser for HTTP authentication.
        return web.form_failed(
            request,
            "users/login.html",
            partial(_form_context, values),
            exc,
            status_code=429 if isinstance(exc, TooManyAttempts) else 400,
        )
    token, _lifetime = service.issue_token(session=session, user=user, kind=TokenKind.SESSION)
    return _logged_in(web.redirect(web.safe_next(values.get("next"))), token)


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(security.SESSION_COOKIE)
    if token:
        service.revoke_token(session=session, token=token)
    response = web.redirect("/", flash=_("You are logged out."), kind="info")
    response.delete_cookie(security.SESSION_COOKIE)
    # The next page gives a new visitor id: no token from before this session works again.
    response.delete_cookie(security.CSRF_COOKIE)
    return response


@router.post("/language")
def choose_language(
    request: Request, session: SessionDep, user: OptionalUser, form: web.FormDep
) -> Response:
    """The switch in every page's footer: the cookie for this browser and, signed in, the
    account's setting; back to the same page, whose address does not change."""
    values = web.form_values(form)
    tag = values.get("language", "")
    if tag not in i18n.LANGUAGES:
        return web.redirect(web.safe_next(values.get("next")))
    if user is not None:
        service.set_language(session=session, user=user, language=tag)  # type: ignore[arg-type]
    response = web.redirect(web.safe_next(values.get("next")))
    web.set_cookie(response, i18n.COOKIE, tag, max_age=365 * 86400)
    return response


@router.get("/profile")
def profile_page(request: Request, user: CurrentUser) -> Response:
    values = {
        "display_name": user.display_name,
        "place_slug": _place_slug_for(user),
        "geo_lat": "" if user.lat is None else str(user.lat),
        "geo_lon": "" if user.lon is None else str(user.lon),
        "language": user.language or "",
        "email_notifications": "1" if user.email_notifications else "",
    }
    return _form_page(request, "users/profile.html", values)


@router.post("/profile")
def profile_submit(
    request: Request, user: CurrentUser, session: SessionDep, form: web.FormDep
) -> Response:
    values = web.form_values(form)
    language = values.get("language") or None
    if language is not None and language not in i18n.LANGUAGES:
        refusal = {"language": _("Choose a language from the list.")}
        return web.form_failed(
            request, "users/profile.html", partial(_form_context, values), refusal
        )
    try:
        data = ProfileUpdate.model_validate(
            {
                "display_name": values.get("display_name", ""),
                "language": language,
                # a box left unticked sends nothing
                "email_notifications": bool(values.get("email_notifications")),
                **web.location_from_form(values),
            }
        )
    except ValidationError as exc:
        return web.form_failed(request, "users/profile.html", partial(_form_context, values), exc)
    service.update_profile(session=session, user=user, data=data)
    # From here on (this flash, the next page) in the language chosen; without one, in
    # this browser's (the footer switch's cookie, else its Accept-Language).
    i18n.speak(
        data.language
        or i18n.choose(
            setting=None,
            cookie=request.cookies.get(i18n.COOKIE),
            accept_language=request.headers.get("accept-language"),
        )
    )
    return web.redirect("/profile", flash=_("Your profile is saved."))
