"""Password hashing, opaque login tokens, and CSRF tokens for forms.

A form's CSRF token is an HMAC, with the app's secret, over what the browser is signed in
with: the session token's digest, or before sign-in a random visitor id in its own cookie.
A token from another session, or from before signing in or out, is worth nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import threading
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager, nullcontext
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from resale.core.config import settings
from resale.core.db import SessionDep, pause
from resale.core.errors import CsrfFailed, ResaleError
from resale.core.i18n import gettext as _

SESSION_COOKIE = "resale_session"
# The anonymous visitor's random id, that forms before sign-in are bound to (not the token).
CSRF_COOKIE = "resale_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

_hasher = PasswordHasher()
# Verifying against this keeps "unknown email" as slow as "wrong password".
_DUMMY_HASH = _hasher.hash("not-a-real-password")

# The scope key under which resale.app.AdmissionLimit leaves the request's admission slot.
ADMISSION_SLOT = "resale.admission_slot"


class AdmissionSlot(Protocol):
    def given_back(self) -> AbstractAsyncContextManager[None]:
        """Leave the slot to other requests for the block, then take one again."""
        ...


class PasswordsBusy(ResaleError):
    status_code = 503
    retry_after = 2

    def __init__(self) -> None:
        super().__init__(
            _("Too many people are logging in right now. Please try again in a moment.")
        )


class _Turns:
    def __init__(self, size: int) -> None:
        self.semaphore = asyncio.Semaphore(size)
        self.waiting = 0


class PasswordLane:
    """At most ``size`` argon2 hashes or checks at once in this process.

    argon2 is slow on purpose (tens of ms of one core each): forty logins at once would
    fill every admission slot and worker thread with it, and a 5 ms search would wait
    behind them. Requests wait for a turn in the event loop (turn()), holding no thread,
    no database connection and no admission slot; beyond ``max_waiting`` waiting the next
    is refused with 503 and Retry-After. The hashing itself holds a thread semaphore of the
    same size (hashing()), which bounds every other caller too (commands, seed) and
    requests of several event loops in one process (tests serve two apps at once).
    """

    def __init__(self, size: int, max_waiting: int) -> None:
        self.size = size
        self.max_waiting = max_waiting
        self._threads = threading.BoundedSemaphore(size)
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Turns] = (
            weakref.WeakKeyDictionary()
        )

    @contextmanager
    def hashing(self) -> Iterator[None]:
        with self._threads:
            yield

    @asynccontextmanager
    async def turn(self, slot: AdmissionSlot | None = None) -> AsyncIterator[None]:
        """Hold one of the ``size`` turns for the block; wait for it with ``slot`` given back."""
        loop = asyncio.get_running_loop()
        turns = self._turns.get(loop)
        if turns is None:
            turns = self._turns[loop] = _Turns(self.size)
        if turns.semaphore.locked() and turns.waiting >= self.max_waiting:
            raise PasswordsBusy()
        acquired = False
        turns.waiting += 1
        try:
            async with slot.given_back() if slot is not None else nullcontext():
                await turns.semaphore.acquire()
                acquired = True
        except BaseException:
            if acquired:  # cancelled while taking the admission slot again
                turns.semaphore.release()
            raise
        finally:
            turns.waiting -= 1
        try:
            yield
        finally:
            turns.semaphore.release()


password_lane = PasswordLane(settings.password_hashes_at_once, settings.password_queue_max)


async def password_turn(request: Request, session: SessionDep) -> AsyncIterator[None]:
    """For endpoints that hash or check a password: a turn of the lane for the endpoint,
    waited for with no transaction open (so no connection and, on SQLite, no write lock
    held) and the request's admission slot given back."""
    if session.in_transaction():  # e.g. the page router looked up a session cookie
        await run_in_threadpool(pause, session)
    async with password_lane.turn(request.scope.get(ADMISSION_SLOT)):
        yield


# In an endpoint's dependencies=[...]: it runs before the endpoint and ends when it returns.
PASSWORD_TURN = Depends(password_turn, scope="function")


def hash_password(password: str) -> str:
    with password_lane.hashing():
        return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True if ``password`` matches; always spends the time of one argon2 check."""
    try:
        with password_lane.hashing():
            ok = _hasher.verify(password_hash or _DUMMY_HASH, password)
        return ok and password_hash is not None
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
