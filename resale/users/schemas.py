from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from resale.core.fields import BoundedText, PointIn

DisplayName = Annotated[str, BoundedText(1, 50)]
# The interface languages (resale.core.i18n.LANGUAGES); None: the browser's.
Language = Literal["en", "zh-CN"]


class HomeLocation(PointIn):
    """A home: a place name with its point; a point without a name gets the nearest place's name."""


class UserCreate(HomeLocation):
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=8, max_length=128)
    display_name: DisplayName


class ProfileUpdate(HomeLocation):
    display_name: DisplayName
    language: Language | None = None
    # Notifications also by e-mail; left out (or null), the setting stays as it is.
    email_notifications: bool | None = None


class UserPublic(BaseModel):
    """What anyone may see of a user: never the email or the exact home point."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    display_name: str
    place: str | None = Field(validation_alias="place_name")
    created_at: datetime


class UserPrivate(UserPublic):
    """What a user sees of their own account."""

    email: str
    lat: float | None
    lon: float | None
    language: Language | None
    email_notifications: bool


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int
