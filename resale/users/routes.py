"""JSON API for accounts: register, OAuth2 password-flow token, me."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from resale.core import security, web
from resale.core.db import SessionDep
from resale.core.errors import InvalidInput
from resale.users import service
from resale.users.dependencies import CurrentUser, oauth2_scheme
from resale.users.models import TokenKind
from resale.users.schemas import ProfileUpdate, Token, UserCreate, UserPrivate
from resale.users.throttle import LoginThrottle, login_throttle

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post(
    "/auth/register",
    status_code=201,
    response_model=UserPrivate,
    dependencies=[security.PASSWORD_TURN],
)
def register(data: UserCreate, session: SessionDep) -> UserPrivate:
    user = service.register(session=session, data=data)
    return UserPrivate.model_validate(user)


@router.post("/auth/token", response_model=Token, dependencies=[security.PASSWORD_TURN])
def token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    throttle: Annotated[LoginThrottle, Depends(login_throttle)],
) -> Token:
    """OAuth2 password flow: ``username`` is the email. Too many failed logins for the
    account or from the client's address answer 429 with Retry-After."""
    user = service.authenticate(
        session=session,
        email=form.username,
        password=form.password,
        throttle=throttle,
        address=web.client_address(request),
    )
    access_token, lifetime = service.issue_token(session=session, user=user, kind=TokenKind.API)
    return Token(access_token=access_token, expires_in=lifetime)


@router.delete("/auth/token", status_code=204)
def revoke(
    user: CurrentUser, session: SessionDep, bearer: Annotated[str | None, Depends(oauth2_scheme)]
) -> None:
    """Log out an API client: the bearer token sent stops working (browsers use /logout)."""
    if not bearer:
        raise InvalidInput("Send the token to end as an Authorization: Bearer header.")
    service.revoke_token(session=session, token=bearer)


@router.get("/me", response_model=UserPrivate)
def me(user: CurrentUser) -> UserPrivate:
    return UserPrivate.model_validate(user)


@router.put("/me", response_model=UserPrivate)
def update_me(data: ProfileUpdate, user: CurrentUser, session: SessionDep) -> UserPrivate:
    return UserPrivate.model_validate(service.update_profile(session=session, user=user, data=data))
