"""Field types shared by every area's schemas, with messages written for people."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import Field

Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


def text_check(min_length: int, max_length: int, *, one_line: bool = True) -> Callable[[str], str]:
    """A validator: trim (and fold inner spaces when ``one_line``), then check the length."""

    def check(value: str) -> str:
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
