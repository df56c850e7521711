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

from resale.core import headers, web
from resale.core.errors import NotAuthenticated, ResaleError, is_api_request

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
    message = NOT_FOUND if exc.status_code == 404 else str(exc.detail)
    return _answer(request, exc.status_code, exc.detail, exc.headers, message=message)


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if is_api_request(request.url.path):
        # Like FastAPI's answer, minus the echoed input: it may hold a password.
        errors = [
            {k: v for k, v in error.items() if k not in ("input", "url")} for error in exc.errors()
        ]
        return JSONResponse({"detail": jsonable_encoder(errors)}, 422)
    # Pages validate their forms themselves; this is a malformed address.
    return _answer(request, 404, NOT_FOUND)


async def _on_database_contention(request: Request, exc: Exception) -> Response:
    # The safety net under the rule in resale.core.db: each path that races for a unique key
    # answers for itself (one favourite, one account per e-mail); a race nobody foresaw
    # is still the client's to retry (409), and a database too busy to take a write in
    # time is a 503 with Retry-After, never a 500. Logged: each one is worth a look.
    if isinstance(exc, sa_exc.IntegrityError):
        log.warning("conflicting write on %s %s: %s", request.method, request.url.path, exc.orig)
        return _answer(request, 409, CONCURRENT_CHANGE)
    if _is_contention(exc):
        log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
        return _answer(request, 503, DATABASE_BUSY, {"Retry-After": "2"})
    return await _on_unexpected(request, exc)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    response = _answer(
        request,
        500,
        "Internal server error",
        message="Something went wrong on our side. Please try again.",
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


NOT_FOUND = "We could not find that page."
CONCURRENT_CHANGE = "Someone changed this at the same moment. Please try again."
DATABASE_BUSY = "We are very busy right now. Please try again in a moment."


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
