"""Request-size limits: a body larger than its route takes is refused with 413 before it is read.

Without a cap, a 500 MB body was read in full (spooled to disk by the form parser) before
the app even knew who was asking. ``BodyLimit`` runs outside everything else: it answers at
once when ``Content-Length`` says too much, and for a streamed (chunked) body it counts the
bytes as the app reads them and stops at the first chunk past the limit. The 413 closes the
connection, so the server does not read the rest either.

Every limit is in ``BODY_LIMITS`` (first matching path wins), computed from the settings
when a request arrives.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from resale.core import i18n
from resale.core.config import settings
from resale.core.errors import is_api_request
from resale.core.i18n import gettext as _

MB = 1024 * 1024
# JSON bodies, ordinary forms and Stripe's webhooks (its events are a few KB).
SMALL_BODY_BYTES = 1 * MB
# Room for a multipart form's text fields and the part headers around the files.
FORM_OVERHEAD_BYTES = 1 * MB


def photo_request_bytes() -> int:
    """A request carrying photos: the most photos a listing takes, each at its largest."""
    return settings.max_photo_bytes * settings.max_photos_per_listing + FORM_OVERHEAD_BYTES


def small_body_bytes() -> int:
    return SMALL_BODY_BYTES


@dataclass(frozen=True, slots=True)
class Limit:
    path: re.Pattern[str]
    max_bytes: Callable[[], int]
    what: str  # for the message: what this address takes


BODY_LIMITS: tuple[Limit, ...] = (
    Limit(re.compile(r"/api/v1/listings/\d+/photos"), photo_request_bytes, "photos"),
    Limit(re.compile(r"/listings/\d+/photos"), photo_request_bytes, "photos"),
    Limit(re.compile(r"/sell"), photo_request_bytes, "photos"),
    Limit(re.compile(r"/api/v1/payments/stripe/webhook"), small_body_bytes, "webhook"),
    Limit(re.compile(r"/api/.*"), small_body_bytes, "JSON"),
)
DEFAULT_LIMIT = Limit(re.compile(r".*"), small_body_bytes, "form")


def limit_for(path: str) -> Limit:
    """The limit for a request path (the first entry of BODY_LIMITS that matches it)."""
    return next((limit for limit in BODY_LIMITS if limit.path.fullmatch(path)), DEFAULT_LIMIT)


def _megabytes(size: int) -> str:
    if size >= MB:
        return f"{i18n.number(round(size / MB))} MB"
    return f"{i18n.number(round(size / 1024))} KB"


def too_large_message(limit: Limit, max_bytes: int) -> str:
    """What the 413 says, in the language spoken."""
    if limit.what == "photos":
        return _(
            "This upload is too large: at most %(count)s photos of %(size)s each"
            " (%(total)s in all)."
        ) % {
            "count": settings.max_photos_per_listing,
            "size": _megabytes(settings.max_photo_bytes),
            "total": _megabytes(max_bytes),
        }
    return _("This request is too large: this address takes at most %(size)s.") % {
        "size": _megabytes(max_bytes)
    }


class RequestTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its limit; the app's HTTP error
    handler renders it (JSON under /api, the error page elsewhere)."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=413, detail=message, headers={"Connection": "close"})


def too_large_response(path: str, message: str) -> Response:
    """The 413 for a request refused before the app saw it."""
    headers = {"Connection": "close"}
    if is_api_request(path):
        return JSONResponse({"detail": message}, status_code=413, headers=headers)
    too_large = html.escape(_("Too large"))
    back = html.escape(_("Back to the home page"))
    page = (
        f'<!doctype html><html lang="{i18n.current()}"><head><meta charset=utf-8>'
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{too_large} · resale</title>"
        '<link rel=stylesheet href="/static/css/app.css"></head>'
        '<body><main id=main class="page page--narrow"><div class="empty empty--error">'
        f'<p class="empty__code">413</p><h1>{too_large}</h1>'
        f"<p>{html.escape(message)}</p>"
        f'<a class="btn btn--primary" href="/">{back}</a>'
        "</div></main></body></html>"
    )
    return HTMLResponse(page, status_code=413, headers=headers)


class BodyLimit:
    """ASGI middleware enforcing BODY_LIMITS; register it outermost (added last)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = limit_for(path)
        max_bytes = limit.max_bytes()

        def message() -> str:  # worded only when refusing, in the request's language
            return too_large_message(limit, max_bytes)

        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            # Answered without calling receive(): not one byte of the body is read.
            await too_large_response(path, message())(scope, receive, send)
            return

        received = 0
        exceeded = False
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:  # whoever caught the first refusal must not read on
                raise RequestTooLarge(message())
            event = await receive()
            if event["type"] == "http.request":
                received += len(event.get("body", b""))
                if received > max_bytes:
                    exceeded = True
                    raise RequestTooLarge(message())
            return event

        async def closing_send(event: Message) -> None:
            nonlocal response_started
            if event["type"] == "http.response.start":
                response_started = True
                if exceeded:  # close instead of reading the rest to keep the connection
                    headers = [(k, v) for k, v in event.get("headers", []) if k != b"connection"]
                    event = {**event, "headers": [*headers, (b"connection", b"close")]}
            await send(event)

        try:
            await self.app(scope, counting_receive, closing_send)
        except RequestTooLarge:
            if response_started:
                raise
            await too_large_response(path, message())(scope, receive, closing_send)
