"""The handlers that answer each kind of failure: JSON under /api, a page elsewhere."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from resale.core import headers, i18n, web
from resale.core.errors import NotAuthenticated, ResaleError, is_api_request
from resale.core.i18n import N_, error_message
from resale.core.i18n import gettext as _

log = logging.getLogger(__name__)


def install_handlers(app: Any) -> None:
    """One handler per kind of failure, answering JSON under /api and a page elsewhere."""
    app.add_exception_handler(ResaleError, _on_resale_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(sa_exc.IntegrityError, _on_database_contention)
    app.add_exception_handler(sa_exc.OperationalError, _on_database_contention)
    app.add_exception_handler(sa_exc.TimeoutError, _on_database_contention)
    app.add_exception_handler(Exception, _on_unexpected)


def _answer(
    request: Request,
    status_code: int,
    detail: Any,
    headers: Mapping[str, str] | None = None,
    *,
    message: str | None = None,
) -> Response:
    """JSON ``{"detail": ...}`` under /api; elsewhere the error page, saying ``message``
    (the detail when it is not given)."""
    if is_api_request(request.url.path):
        return JSONResponse({"detail": detail}, status_code, headers=headers)
    response = web.render(
        request,
        "errors/error.html",
        {"status_code": status_code, "message": message if message is not None else detail},
        status_code=status_code,
    )
    response.headers.update(headers or {})
    return response


async def _on_resale_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ResaleError)
    headers = exc.headers()
    if is_api_request(request.url.path):
        if exc.status_code == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse({"detail": exc.detail()}, exc.status_code, headers=headers)
    if isinstance(exc, NotAuthenticated):
        return web.redirect(web.login_url(request.url.path), flash=exc.message, kind="info")
    return _answer(request, exc.status_code, exc.message, headers)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        # Starlette names only the first matching route's methods; a path served by
        # several routes (GET and PATCH /listings/{id}) takes them all.
        exc.headers = {**(exc.headers or {}), "Allow": ", ".join(allowed_methods(request))}
    detail = message = exc.detail
    if detail == HTTP_PHRASES.get(exc.status_code):  # Starlette's default: the status's name
        detail = message = _(detail)
        if exc.status_code in PAGE_MESSAGES:
            message = _(PAGE_MESSAGES[exc.status_code])
    if exc.status_code == 404:
        message = _(NOT_FOUND)
    return _answer(request, exc.status_code, detail, exc.headers, message=str(message))


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if is_api_request(request.url.path):
        # Like FastAPI's answer, minus the echoed input: it may hold a password.
        # Its ``msg`` in the language spoken; ``loc`` and ``type`` as pydantic has them.
        errors = [
            {
                **{k: v for k, v in error.items() if k not in ("input", "url")},
                "msg": error_message(error),
            }
            for error in exc.errors()
        ]
        return JSONResponse({"detail": jsonable_encoder(errors)}, 422)
    # Pages validate their forms themselves; this is a malformed address.
    return _answer(request, 404, _(NOT_FOUND))


async def _on_database_contention(request: Request, exc: Exception) -> Response:
    # The safety net under the rule in resale.core.db: each path that races for a unique key
    # answers for itself (one favourite, one account per e-mail); a race nobody foresaw
    # is still the client's to retry (409), and a database too busy to take a write in
    # time is a 503 with Retry-After, never a 500. Logged: each one is worth a look.
    if isinstance(exc, sa_exc.IntegrityError):
        log.warning("conflicting write on %s %s: %s", request.method, request.url.path, exc.orig)
        return _answer(request, 409, _(CONCURRENT_CHANGE))
    if _is_contention(exc):
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
        return _answer(request, 503, _(DATABASE_BUSY), {"Retry-After": "2"})
    return await _on_unexpected(request, exc)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    # Answered from outside the middleware that chose the request's language: choose again.
    with i18n.speaking(i18n.request_language(request)):
        response = _answer(
            request,
            500,
            _(INTERNAL_ERROR),
            message=_("Something went wrong on our side. Please try again."),
        )
    # Starlette answers this one from outside every middleware, ours for headers too.
    headers.add_headers(response.headers, request.scope)
    return response


def allowed_methods(request: Any) -> list[str]:
    """Every method some route of the app answers at this request's path."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.path and route.methods and compile_path(route.path)[0].match(request.url.path):
            methods |= route.methods
    return sorted(methods)


NOT_FOUND = N_("We could not find that page.")
CONCURRENT_CHANGE = N_("Someone changed this at the same moment. Please try again.")
DATABASE_BUSY = N_("We are very busy right now. Please try again in a moment.")
INTERNAL_ERROR = N_("Internal server error")
# What Starlette says by default (the status's name: "Method Not Allowed"), as the API's
# ``detail`` in the language spoken; in English exactly Starlette's words.
HTTP_PHRASES: dict[int, str] = {
    400: N_("Bad Request"),
    401: N_("Unauthorized"),
    403: N_("Forbidden"),
    404: N_("Not Found"),
    405: N_("Method Not Allowed"),
    406: N_("Not Acceptable"),
    409: N_("Conflict"),
    410: N_("Gone"),
    413: N_("Request Entity Too Large"),
    415: N_("Unsupported Media Type"),
    422: N_("Unprocessable Entity"),
    429: N_("Too Many Requests"),
    500: N_("Internal Server Error"),
    503: N_("Service Unavailable"),
}
# What the error page says instead of Starlette's default detail (404: whatever the detail).
PAGE_MESSAGES: dict[int, str] = {
    405: N_("This address does not take that kind of request."),
    429: N_("Too many requests. Please wait a moment and try again."),
}


def _is_contention(exc: Exception) -> bool:
    """Waiting too long for a lock or a connection: busy, not broken."""
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection in time
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    # SQLite's write lock and our own write queue; PostgreSQL's lock and deadlock timeouts.
    return any(
        words in text
        for words in ("database is locked", "write queue full", "lock timeout", "deadlock detected")
    )
