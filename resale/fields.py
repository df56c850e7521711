"""Field types shared by every area's schemas, with messages written for people."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, ValidationInfo, field_validator

Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]

# Integers as the databases store them: PostgreSQL's INTEGER ends at 2**31-1 (SQLite's at
# 2**63-1), so anything larger is refused with a 422 naming the field, not sent to a query.
MAX_INT = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_INT, description="An id (1 to 2**31-1)")]
Offset = Annotated[int, Field(ge=0, le=MAX_INT)]
# Amounts of money in cents (a price, a filter, a refund): at most ten million units.
MAX_AMOUNT_CENTS = 1_000_000_000
AmountCents = Annotated[int, Field(ge=0, le=MAX_AMOUNT_CENTS, description="In cents")]


def text_problem(value: str) -> str | None:
    """Why a text value cannot be stored, or None: the one rule for every text input.

    A NUL byte is refused by PostgreSQL; a lone UTF-16 surrogate cannot be encoded at all.
    """
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode"
    return None


def valid_text(value: str) -> str:
    """A validator applying ``text_problem``."""
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


Text = Annotated[str, AfterValidator(valid_text)]


def text_check(min_length: int, max_length: int, *, one_line: bool = True) -> Callable[[str], str]:
    """A validator: trim (and fold inner spaces when ``one_line``), then check the length."""

    def check(value: str) -> str:
        valid_text(value)
        value = " ".join(value.split()) if one_line else value.strip()
        if not value and min_length > 0:
            raise ValueError("this field is required")
        if len(value) < min_length:
            raise ValueError(f"must be at least {min_length} characters")
        if len(value) > max_length:
            raise ValueError(f"must be at most {max_length} characters (now {len(value)})")
        return value

    return check


def blank_to_none(value: Any) -> Any:
    """For optional text: a blank value means "not given"."""
    return None if isinstance(value, str) and not value.strip() else value


PlaceName = Annotated[str, AfterValidator(text_check(1, 80))]


class PointIn(BaseModel):
    """An optional point with its place name: lat and lon come together, a name needs its point.

    Checked field by field (not on the whole model) so every error names a field.
    """

    lat: Latitude | None = None
    lon: Longitude | None = Field(default=None, validate_default=True)
    place: PlaceName | None = Field(default=None, validate_default=True)

    @field_validator("lon")
    @classmethod
    def _lon_pairs_with_lat(cls, lon: float | None, info: ValidationInfo) -> float | None:
        if "lat" not in info.data:  # lat was itself invalid; that error says enough
            return lon
        lat = info.data["lat"]
        if lat is not None and lon is None:
            raise ValueError("lon is required when lat is given")
        if lat is None and lon is not None:
            raise ValueError("lat is required when lon is given")
        return lon

    @field_validator("place")
    @classmethod
    def _place_needs_point(cls, place: str | None, info: ValidationInfo) -> str | None:
        if place is not None and info.data.get("lat") is None and "lat" in info.data:
            raise ValueError("a place needs its lat and lon")
        return place
