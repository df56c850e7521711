"""Keyset cursors: the sort key of a page's last item, carried in the URL."""

import base64
import json
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from listings.schemas import Sort
from resale.core.errors import InvalidInput
from resale.core.i18n import gettext as _


class InvalidSearch(InvalidInput):
    location = "query"


_KEY_KINDS: dict[Sort, tuple[str, ...]] = {
    Sort.BEST: ("int", "time", "int"),
    Sort.NEAREST: ("float", "int"),
    Sort.NEWEST: ("time", "int"),
    Sort.PRICE_ASC: ("int", "int"),
    Sort.PRICE_DESC: ("int", "int"),
}


def _encode_cursor(sort: Sort, key: Sequence[Any]) -> str:
    values = [v.isoformat() if isinstance(v, datetime) else v for v in key]
    raw = json.dumps({"s": sort.value, "k": values}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: Sort) -> list[Any]:
    """The sort key a cursor carries; one from another sort, or garbage, is refused."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or data.get("s") != sort.value:
            raise ValueError("cursor from another sort")
        key, kinds = data["k"], _KEY_KINDS[sort]
        if not isinstance(key, list) or len(key) != len(kinds):
            raise ValueError("cursor of the wrong shape")
        out: list[Any] = []
        for kind, value in zip(kinds, key, strict=True):
            if kind == "time":
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is None:
                    raise ValueError("naive time")
                out.append(moment)
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError("not a number")
            elif kind == "int":
                if not isinstance(value, int):
                    raise ValueError("not an integer")
                out.append(value)
            elif not math.isfinite(value):
                raise ValueError("not finite")
            else:
                out.append(float(value))
        return out
    except (ValueError, TypeError, KeyError):
        raise InvalidSearch(
            _("cursor is not valid for this search; start again without it"), field="cursor"
        ) from None
