from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

from resale.fields import Latitude, Longitude, text_check

DisplayName = Annotated[str, AfterValidator(text_check(1, 50))]
PlaceName = Annotated[str, AfterValidator(text_check(1, 80))]


class HomeLocation(BaseModel):
    """A place name with its point; a point without a name gets the nearest listed place's name."""

    place: PlaceName | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None

    @model_validator(mode="after")
    def _point_is_whole(self) -> Self:
        if (self.lat is None) != (self.lon is None):
            missing = "lon" if self.lon is None else "lat"
            raise ValueError(f"{missing} is required when the other coordinate is given")
        if self.place is not None and self.lat is None:
            raise ValueError("a place needs its lat and lon")
        return self


class UserCreate(HomeLocation):
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=8, max_length=128)
    display_name: DisplayName


class ProfileUpdate(HomeLocation):
    display_name: DisplayName


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


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int
