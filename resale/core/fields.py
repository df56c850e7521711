"""Field types shared by every area's schemas, with messages written for people."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from resale.core.i18n import N_
from resale.core.i18n import gettext as _


def not_a_boolean(value: Any) -> Any:
    """Numbers are numbers: JSON's true and false are not 1 and 0 here."""
    if isinstance(value, bool):
        raise ValueError(_("must be a number, not true or false"))
    return value


NotBoolean = BeforeValidator(not_a_boolean)
Latitude = Annotated[float, Field(ge=-90, le=90), NotBoolean]
Longitude = Annotated[float, Field(ge=-180, le=180), NotBoolean]

# Integers as the databases store them: PostgreSQL's INTEGER ends at 2**31-1 (SQLite's at
# 2**63-1), so anything larger is refused with a 422 naming the field, not sent to a query.
MAX_INT = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_INT, description="An id (1 to 2**31-1)"), NotBoolean]
Offset = Annotated[int, Field(ge=0, le=MAX_INT), NotBoolean]
# Amounts of money in cents (a price, a filter, a refund): at most ten million units.
MAX_AMOUNT_CENTS = 1_000_000_000
AmountCents = Annotated[int, Field(ge=0, le=MAX_AMOUNT_CENTS, description="In cents"), NotBoolean]
# An item's weight (a listing, an estimate) and a trip's one-way distance: no two places on
# Earth are farther apart than half its circumference, and nothing sold here weighs a tonne.
MAX_WEIGHT_KG = 1000
MAX_DISTANCE_KM = 20_038


# Why a text cannot be stored (see text_fault), as said of a value, of a name (a JSON key
# or a form field's name) and, on a page, of a named field.
TEXT_PROBLEMS: dict[str, str] = {
    "nul": N_("must not contain NUL characters"),
    "unicode": N_("is not valid Unicode"),
}
NAME_PROBLEMS: dict[str, str] = {
    "nul": N_("name must not contain NUL characters"),
    "unicode": N_("name is not valid Unicode"),
}
FIELD_PROBLEMS: dict[str, str] = {
    "nul": N_("The field “%(field)s” must not contain NUL characters."),
    "unicode": N_("The field “%(field)s” is not valid Unicode."),
}
FIELD_NAME_PROBLEMS: dict[str, str] = {
    "nul": N_("The name of the field “%(field)s” must not contain NUL characters."),
    "unicode": N_("The name of the field “%(field)s” is not valid Unicode."),
}


def text_fault(value: str) -> str | None:
    """Why a text value cannot be stored ("nul" or "unicode"), or None: the one rule for
    every text input.

    A NUL byte is refused by PostgreSQL; a lone UTF-16 surrogate cannot be encoded at all.
    """
    if "\x00" in value:
        return "nul"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "unicode"
    return None


def text_problem(value: str) -> str | None:
    """Why a text value cannot be stored, in words (the language spoken), or None."""
    fault = text_fault(value)
    return None if fault is None else _(TEXT_PROBLEMS[fault])


def valid_text(value: str) -> str:
    """A validator applying ``text_problem``."""
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


Text = Annotated[str, AfterValidator(valid_text)]


def text_check(min_length: int, max_length: int, *, one_line: bool = True) -> Callable[[str], str]:
    """A validator: at most ``max_length`` characters as sent; trimmed (inner spaces folded
    when ``one_line``), at least ``min_length``."""

    def check(value: str) -> str:
        valid_text(value)
        if len(value) > max_length:
            raise ValueError(
                _("must be at most %(max)s characters (now %(now)s)")
                % {"max": max_length, "now": len(value)}
            )
        value = " ".join(value.split()) if one_line else value.strip()
        if not value and min_length > 0:
            raise ValueError(_("this field is required"))
        if len(value) < min_length:
            raise ValueError(_("must be at least %(min)s characters") % {"min": min_length})
        return value

    return check


# What Python's str.split() and str.strip() take for whitespace, as a regex class: the
# schema's patterns then say exactly what text_check accepts.
_SPACE = "".join(f"\\u{ord(c):04x}" for c in map(chr, range(0x3001)) if c.isspace())
_WORD = f"[^{_SPACE}]"
_GAP = f"[{_SPACE}]+"


def _required_pattern(min_length: int, one_line: bool) -> str | None:
    """A pattern matching text whose trimmed (folded) form has at least ``min_length``
    characters, for the lengths the app uses (0 to 3)."""
    if min_length <= 0:
        return None
    if min_length == 1:
        return _WORD
    if not one_line:  # trimmed only: the first and last non-space are far enough apart
        return f"{_WORD}[\\w\\W]{{{min_length - 2},}}{_WORD}"
    if min_length == 2:
        return f"{_WORD}(?:{_GAP})?{_WORD}"
    if min_length == 3:  # three words' worth: three characters, or two with a gap
        return f"{_WORD}[\\w\\W]*{_WORD}[\\w\\W]*{_WORD}|{_WORD}{_GAP}{_WORD}"
    raise ValueError("no pattern for so long a minimum; add one")


@dataclass(frozen=True, slots=True)
class BoundedText:
    """``Annotated[str, BoundedText(1, 50)]``: checked by ``text_check``, with its limits
    (as sent: maxLength; trimmed: minLength and a pattern) in the JSON schema."""

    min_length: int
    max_length: int
    one_line: bool = True

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        check = text_check(self.min_length, self.max_length, one_line=self.one_line)
        return core_schema.no_info_after_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["maxLength"] = self.max_length
        pattern = _required_pattern(self.min_length, self.one_line)
        if pattern is not None:
            json_schema.update(minLength=self.min_length, pattern=pattern)
        return json_schema


def blank_to_none(value: Any) -> Any:
    """For optional text: a blank value means "not given"."""
    return None if isinstance(value, str) and not value.strip() else value


PlaceName = Annotated[str, BoundedText(1, 80)]


class PointIn(BaseModel):
    """An optional point with its place name: lat and lon come together, a name needs its point.

    Checked field by field (not on the whole model) so every error names a field; the
    schema states the same rule: lat and lon both numbers, or lat, lon and place all null.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {
                    "required": ["lat", "lon"],
                    "properties": {
                        "lat": {"type": "number", "minimum": -90, "maximum": 90},
                        "lon": {"type": "number", "minimum": -180, "maximum": 180},
                    },
                },
                {"properties": {k: {"type": "null"} for k in ("lat", "lon", "place")}},
            ]
        }
    )

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
            raise ValueError(_("lon is required when lat is given"))
        if lat is None and lon is not None:
            raise ValueError(_("lat is required when lon is given"))
        return lon

    @field_validator("place")
    @classmethod
    def _place_needs_point(cls, place: str | None, info: ValidationInfo) -> str | None:
        if place is not None and info.data.get("lat") is None and "lat" in info.data:
            raise ValueError(_("a place needs its lat and lon"))
        return place
