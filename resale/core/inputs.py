"""Every text value a request carries is checked once, before any endpoint sees it.

The rule itself is ``fields.text_fault`` (no NUL, no lone surrogate). It applies here to
the path, the query string, an urlencoded or multipart form (uploaded files' names too)
and a JSON body (keys and values, at any depth), so no such value reaches a query or the database: the API answers
422 with the usual ``detail`` naming the field, pages a 422 page naming it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from resale.core.errors import InvalidInput, is_api_request
from resale.core.fields import (
    FIELD_NAME_PROBLEMS,
    FIELD_PROBLEMS,
    NAME_PROBLEMS,
    TEXT_PROBLEMS,
    text_fault,
)
from resale.core.i18n import gettext as _

Location = tuple[str | int, ...]
# A fault (fields.text_fault) and whether it is in a name (a key, a field's name) or a value.
Fault = tuple[str, bool]


def _walk(value: Any, loc: Location) -> Iterator[tuple[Location, Fault]]:
    """(where, fault) for each bad text in a decoded JSON value."""
    if isinstance(value, str):
        fault = text_fault(value)
        if fault is not None:
            yield loc, (fault, False)
    elif isinstance(value, dict):
        for key, item in value.items():
            fault = text_fault(str(key))
            if fault is not None:
                yield (*loc, str(key).encode("utf-8", "replace").decode()), (fault, True)
            else:
                yield from _walk(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*loc, index))


async def _problems(request: Request) -> list[tuple[Location, Fault]]:
    found: list[tuple[Location, Fault]] = []
    for name, value in request.path_params.items():
        found.extend(_walk(value, ("path", name)))
    for name, value in request.query_params.multi_items():
        found.extend(_walk(value, ("query", name)))
        found.extend(_walk({name: None}, ("query",)))
    content_type = request.headers.get("content-type", "")
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            for name, value in form.multi_items():
                # A file's own text is its name; its bytes are the upload checks' to judge.
                text = value if isinstance(value, str) else value.filename or ""
                found.extend(_walk(text, ("body", name)))
                found.extend(_walk({name: None}, ("body",)))
        elif "json" in content_type:
            try:
                body = json.loads(await request.body())
            except ValueError:
                return found  # FastAPI answers a malformed body itself
            found.extend(_walk(body, ("body",)))
    return found


async def check_request_text(request: Request) -> None:
    """An app-wide dependency: refuse a request carrying text that cannot be stored."""
    found = await _problems(request)
    if not found:
        return
    if is_api_request(request.url.path):
        raise RequestValidationError(
            [
                {
                    "type": "text_invalid",
                    "loc": loc,
                    "msg": "Value error, "
                    + _((NAME_PROBLEMS if in_name else TEXT_PROBLEMS)[fault]),
                    "input": None,
                }
                for loc, (fault, in_name) in found
            ]
        )
    loc, (fault, in_name) = found[0]
    words = (FIELD_NAME_PROBLEMS if in_name else FIELD_PROBLEMS)[fault]
    raise InvalidInput(_(words) % {"field": loc[-1]}, field=str(loc[-1]))
