"""Security headers on every response, from one middleware: the Content-Security-Policy,
no sniffing, no framing, a strict referrer, few browser features, and HSTS over HTTPS.

The policy is one table (``CONTENT_SECURITY_POLICY``): pages load scripts, styles and
images from this site only, with no inline script, style attribute or handler. To let
Stripe.js in later, add its hosts to ``script-src``/``frame-src``/``connect-src`` here.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from resale.core.config import settings

CONTENT_SECURITY_POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",  # blob: for the sell form's previews of chosen photos
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

# ReDoc (/redoc, our own copy in static/vendor/) needs more, on its page only: its
# styled-components write <style> elements (inline styles), and it searches in a web worker
# started from a blob: URL. Swagger UI (/docs) holds under the pages' policy.
RELAXED_PATHS = ("/redoc",)
REDOC_POLICY: dict[str, str] = {
    **CONTENT_SECURITY_POLICY,
    "style-src": "'self' 'unsafe-inline'",
    "worker-src": "'self' blob:",
}

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(self), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
HSTS = "max-age=31536000"


def policy_text(policy: dict[str, str]) -> str:
    return "; ".join(f"{name} {sources}" for name, sources in policy.items())


_PAGE_CSP = policy_text(CONTENT_SECURITY_POLICY)
_REDOC_CSP = policy_text(REDOC_POLICY)


def headers_for(scope: Scope) -> Iterable[tuple[str, str]]:
    """The security headers for a response to the request in ``scope``."""
    path = scope.get("path", "")
    yield "Content-Security-Policy", _REDOC_CSP if path in RELAXED_PATHS else _PAGE_CSP
    yield "X-Content-Type-Options", "nosniff"
    yield "X-Frame-Options", "DENY"
    yield "Referrer-Policy", "strict-origin-when-cross-origin"
    yield "Permissions-Policy", PERMISSIONS_POLICY
    # Over HTTPS (uvicorn learns it from a trusted proxy's X-Forwarded-Proto), and always
    # in production, which is served over HTTPS; browsers ignore it on plain http.
    if scope.get("scheme") in ("https", "wss") or settings.env == "production":
        yield "Strict-Transport-Security", HSTS


def add_headers(headers: MutableHeaders, scope: Scope) -> None:
    """Add the security headers a response does not already set itself."""
    for name, value in headers_for(scope):
        if name not in headers:
            headers[name] = value


class SecurityHeaders:
    """Adds the security headers to every HTTP response passing through (pages, the API,
    static files, errors). The outermost middleware, so early refusals (413) get them too;
    the 500 page, sent from outside all middleware, adds them itself (``resale.core.errors``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_headers(MutableHeaders(scope=message), scope)
            await send(message)

        await self.app(scope, receive, send_with_headers)
