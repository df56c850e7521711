"""Who is asking: ``CurrentUser`` and ``OptionalUser``, defined once for API and pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordBearer

from resale.core import i18n, security, web
from resale.core.db import SessionDep
from resale.core.errors import CsrfFailed, NotAuthenticated
from resale.core.notifications import service as notifications
from resale.users import service
from resale.users.models import TokenKind, User

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def optional_user(
    request: Request,
    session: SessionDep,
    bearer: Annotated[str | None, Depends(oauth2_scheme)],
) -> User | None:
    """The signed-in user from an API bearer token or the browser's session cookie."""
    if bearer:
        user = service.user_for_token(session=session, token=bearer, kind=TokenKind.API)
        if user is None:
            raise NotAuthenticated("The access token is invalid or has expired.")
    else:
        cookie = request.cookies.get(security.SESSION_COOKIE)
        user = (
            service.user_for_token(session=session, token=cookie, kind=TokenKind.SESSION)
            if cookie
            else None
        )
        # The JSON API may be called by our own pages' scripts with the cookie;
        # then it needs the CSRF header (HTML forms are checked by their router).
        if (
            user is not None
            and request.method not in {"GET", "HEAD", "OPTIONS"}
            and request.url.path.startswith("/api/")
            and not security.csrf_valid(request, request.headers.get(security.CSRF_HEADER))
        ):
            raise CsrfFailed()
    request.state.user = user
    if user is not None and user.language:
        i18n.speak(user.language)
    if user is not None and user.id is not None and not request.url.path.startswith("/api/"):
        # The bell in every page's header (templates/base.html).
        request.state.unseen_notifications = notifications.unseen_count(session, user.id)
        request.state.header_counts = web.header_counts(session, user.id)
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise NotAuthenticated()
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]


def page_router() -> APIRouter:
    """A router for HTML pages: CSRF-checked forms, and the viewer known to every template."""
    return APIRouter(
        include_in_schema=False,
        dependencies=[Depends(security.verify_csrf), Depends(optional_user)],
    )
