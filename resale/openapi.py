"""The OpenAPI document tells the truth: every API operation lists the errors it can answer.

``document_errors`` is the one place that declares them, from what each operation is made
of (a bearer token, a path parameter, a body, a write), with the JSON error shape that
resale.core.errors renders. The validators' limits (lengths, ranges) come with the field types.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from resale.core.errors import is_api_request


class FieldError(BaseModel):
    """One problem with one field, shaped like FastAPI's validation errors."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int] = Field(description="Where: body, query or path, then the field")
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every error the API answers: a sentence, or a list naming the fields at fault."""

    detail: str | list[FieldError]


ERROR_DESCRIPTIONS = {
    400: "The body could not be read (not JSON, a broken form, a webhook that is no event)",
    401: "Not signed in, or the bearer token is invalid or has expired",
    403: "Not allowed: not your part of it, or a cookie request without its CSRF header",
    404: "Not found, or not visible to you",
    409: "In conflict with the current state (or a change at the same moment): try again",
    413: "The request body is larger than this address takes",
    422: "Invalid input; the detail names each field at fault",
    429: "Too many attempts: wait as Retry-After says",
    503: "Too busy or a provider unreachable: try again as Retry-After says",
}

# Logging in: wrong credentials are a 401 (with no token sent), repeated ones a 429.
LOGIN = ("post", "/api/v1/auth/token")
# Operations that refuse unreadable input with a 400 before anything else.
READS_RAW_INPUT = {("post", "/api/v1/payments/stripe/webhook")}
WRITES = {"post", "put", "patch", "delete"}
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorOut"}


def error_statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an API operation can answer, from what it is made of."""
    statuses = {413, 422, 503}  # any body may be too large; any input invalid; any DB busy
    if operation.get("security"):  # who is asking: a bad token, or not your part of it
        statuses |= {401, 403}
    in_path = any(p.get("in") == "path" for p in operation.get("parameters", []))
    if "requestBody" in operation:
        statuses.add(400)  # a body that cannot be parsed at all (not JSON, a broken form)
    if in_path or "requestBody" in operation or method in WRITES:
        statuses.add(404)  # an id in the path or the body that is not there (or not yours)
    if method in WRITES:
        statuses.add(409)
    if (method, path) == LOGIN:
        statuses |= {401, 429}
    if (method, path) in READS_RAW_INPUT:
        statuses.add(400)
    return statuses


def document_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Declare every API operation's error responses in an OpenAPI document (in place)."""
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorOut"] = error_schema
    for path, operations in document.get("paths", {}).items():
        if not is_api_request(path):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(error_statuses(method, path, operation)):
                declared = responses.setdefault(str(status), {})
                declared.setdefault("description", ERROR_DESCRIPTIONS[status])
                # FastAPI's own 422 schema knows only field lists; ours also has sentences.
                declared["content"] = {"application/json": {"schema": ERROR_SCHEMA}}
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def install(app: FastAPI) -> None:
    """Serve the app's OpenAPI document with its error responses declared."""
    plain_openapi = app.openapi
    documented: list[dict[str, Any]] = []  # the document FastAPI built last, once declared

    def openapi() -> dict[str, Any]:
        document = plain_openapi()  # FastAPI's cached document, or a new one
        if not documented or documented[0] is not document:
            documented[:] = [document_errors(document)]
        return document

    app.openapi = openapi  # type: ignore[method-assign]
