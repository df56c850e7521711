"""Password hashing, opaque login tokens, and CSRF tokens for forms.

A form's CSRF token is an HMAC, with the app's secret, over what the browser is signed in
with: the session token's digest, or before sign-in a random visitor id in its own cookie.
A token from another session, or from before signing in or out, is worth nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request

from resale.config import settings
from resale.errors import CsrfFailed

SESSION_COOKIE = "resale_session"
# The anonymous visitor's random id, that forms before sign-in are bound to (not the token).
CSRF_COOKIE = "resale_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

_hasher = PasswordHasher()
# Verifying against this keeps "unknown email" as slow as "wrong password".
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True if ``password`` matches; always spends the time of one argon2 check."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token() -> str:
    """A random bearer/session token; only its hash is stored."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _csrf_binding(request: Request) -> str | None:
    """What this browser's tokens are bound to: its session, else its visitor id."""
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        return f"session:{token_digest(session)}"
    visitor = request.cookies.get(CSRF_COOKIE)
    return f"visitor:{visitor}" if visitor else None


def _csrf_for(binding: str) -> str:
    key = f"csrf:{settings.secret_key}".encode()
    return hmac.new(key, binding.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this page. A visitor without a session or a visitor id
    gets a new id, set as a cookie by ``web.render`` (``request.state.new_csrf_visitor``)."""
    token = getattr(request.state, "csrf_token", None)
    if token:
        return str(token)
    binding = _csrf_binding(request)
    if binding is None:
        visitor = secrets.token_urlsafe(32)
        request.state.new_csrf_visitor = visitor
        binding = f"visitor:{visitor}"
    request.state.csrf_token = token = _csrf_for(binding)
    return token


def csrf_valid(request: Request, sent: str | None) -> bool:
    """Whether ``sent`` is the token of this browser's session (or visitor id)."""
    binding = _csrf_binding(request)
    return binding is not None and same_token(_csrf_for(binding), sent)


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


async def verify_csrf(request: Request) -> None:
    """Refuse a state-changing browser request whose form (or header) lacks its token."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not csrf_valid(request, sent):
        raise CsrfFailed()


def sign(value: str, *, secret: str, purpose: str) -> str:
    """``value`` with an HMAC, so a cookie's content cannot be forged."""
    mac = hmac.new(f"{purpose}:{secret}".encode(), value.encode(), hashlib.sha256).hexdigest()
    return f"{value}.{mac}"


def unsign(signed: str, *, secret: str, purpose: str) -> str | None:
    """The value ``sign`` wrapped, or None if it was tampered with."""
    value, _, _mac = signed.rpartition(".")
    return (
        value if value and same_token(sign(value, secret=secret, purpose=purpose), signed) else None
    )
