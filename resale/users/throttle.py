"""Login throttling: failed logins counted per account and per client address.

Counted with `limits` (fixed windows) in our own table by default (resale.core.ratelimit), or in
any storage `limits` reaches by URL (RESALE_RATE_LIMIT_URL, e.g. Redis). Fixed windows,
because a window is then one counter per key, one atomic upsert on both databases (a moving
window keeps every attempt); the cost is that up to twice the limit can fall around a window
boundary, still a handful of guesses per quarter-hour.

Each attempt takes one hit on both counters *before* argon2 runs, so fifty wrong logins at
once let only the limit through to the password check; the hit stays when the password
was wrong (it is the failure) and is given back otherwise. A success also clears its
account's counter: whoever typed it holds the password, and earlier typos should not lock
them out later; the address counter is not cleared, or one attacker's own account could
wipe the count of guesses at other people's accounts from the same address.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from resale.core.config import settings
from resale.core.errors import ResaleError
from resale.core.i18n import ngettext
from resale.core.ratelimit.storage import DatabaseStorage


class TooManyAttempts(ResaleError):
    status_code = 429

    def __init__(self, *, retry_after: int, by_address: bool) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        if by_address:
            message = ngettext(
                "Too many failed logins from your network. Please try again in %(num)s minute.",
                "Too many failed logins from your network. Please try again in %(num)s minutes.",
                minutes,
            )
        else:
            message = ngettext(
                "Too many failed logins for this account. Please try again in %(num)s minute.",
                "Too many failed logins for this account. Please try again in %(num)s minutes.",
                minutes,
            )
        super().__init__(message % {"num": minutes})
        self.retry_after = retry_after


@dataclass(frozen=True)
class _Counter:
    item: RateLimitItem
    identifier: str
    by_address: bool


class LoginThrottle:
    def __init__(
        self,
        storage: Storage,
        *,
        per_account: int,
        per_address: int,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """A limit of 0 is no limit; ``clock`` must be the storage's (seconds since the epoch)."""
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)
        self.clock = clock
        self._account = RateLimitItemPerSecond(per_account, window_seconds, "login-account")
        self._address = RateLimitItemPerSecond(per_address, window_seconds, "login-address")

    @classmethod
    def from_settings(cls, storage: Storage | None = None) -> LoginThrottle:
        if storage is None:
            storage = _storage(settings.rate_limit_url)
        return cls(
            storage,
            per_account=settings.login_failures_per_account,
            per_address=settings.login_failures_per_address,
            window_seconds=settings.login_window_seconds,
            clock=getattr(storage, "clock", time.time),
        )

    def _counters(self, email: str, address: str | None) -> list[_Counter]:
        counters = []
        if self._account.amount:
            counters.append(_Counter(self._account, _digest("account", email), False))
        if self._address.amount:
            counters.append(_Counter(self._address, _digest("address", address or "?"), True))
        return counters

    def begin(self, email: str, address: str | None) -> LoginAttempt:
        """Take one attempt from ``email``'s and ``address``'s counters, or raise
        TooManyAttempts (with nothing taken) if either is spent. ``email`` is normalised."""
        taken: list[_Counter] = []
        for counter in self._counters(email, address):
            taken.append(counter)
            if not self.limiter.hit(counter.item, counter.identifier):
                ends = self.limiter.get_window_stats(counter.item, counter.identifier).reset_time
                self._give_back(taken)
                # One second more than the time left: Redis tells it in whole seconds, cut.
                retry_after = max(0, math.ceil(ends - self.clock())) + 1
                raise TooManyAttempts(retry_after=retry_after, by_address=counter.by_address)
        return LoginAttempt(self, taken)

    def _give_back(self, counters: list[_Counter]) -> None:
        for counter in counters:
            key = counter.item.key_for(counter.identifier)
            self.storage.incr(key, counter.item.get_expiry(), amount=-1)


class LoginAttempt:
    """One login's hits on its counters: they stay unless the attempt ends otherwise."""

    def __init__(self, throttle: LoginThrottle, taken: list[_Counter]) -> None:
        self.throttle = throttle
        self.taken = taken

    def succeeded(self) -> None:
        """The password was right: clear the account's count, give the address its hit back."""
        for counter in self.taken:
            if counter.by_address:
                self.throttle._give_back([counter])
            else:
                self.throttle.limiter.clear(counter.item, counter.identifier)
        self.taken = []

    def give_back(self) -> None:
        """The attempt ended before its password was judged (an error of ours)."""
        self.throttle._give_back(self.taken)
        self.taken = []


def _storage(url: str) -> Storage:
    if not url:
        return DatabaseStorage()
    storage = storage_from_string(url)
    if not isinstance(storage, Storage):
        raise ValueError(f"RESALE_RATE_LIMIT_URL={url!r} names an async storage; use a plain one")
    return storage


def _digest(kind: str, value: str) -> str:
    # Keys hold no e-mail address or IP address, only a digest of it.
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


_throttle: LoginThrottle | None = None


def login_throttle() -> LoginThrottle:
    """The process-wide login throttle (a dependency: tests may replace it)."""
    global _throttle
    if _throttle is None:
        _throttle = LoginThrottle.from_settings()
    return _throttle
