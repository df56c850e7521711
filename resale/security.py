"""Password hashing, opaque login tokens, and CSRF tokens for forms."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request

from resale.errors import CsrfFailed

SESSION_COOKIE = "resale_session"
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


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this page; a new one is set as a cookie by ``web.render``."""
    token = getattr(request.state, "csrf_token", None) or request.cookies.get(CSRF_COOKIE)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf_token = token
    request.state.csrf_token = token
    return str(token)


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


async def verify_csrf(request: Request) -> None:
    """Refuse a state-changing browser request whose form (or header) lacks the cookie's token."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    cookie = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not same_token(cookie, sent):
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
