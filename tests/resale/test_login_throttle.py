"""Login throttling against the real app on a loopback port: 429 with Retry-After after
repeated failures, per account and per client address, with the counts in the database
(SQLite and PostgreSQL) or in Redis, shared by app instances and right under concurrency."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from limits.storage import RedisStorage, Storage
from sqlalchemy.engine import Engine
from sqlmodel import Session

from resale.core import db, security
from resale.core.ratelimit.storage import DatabaseStorage
from resale.users.models import User
from resale.users.throttle import LoginThrottle, login_throttle
from tests.factories import page_csrf
from tests.live import served
from tests.load.conftest import at_once, statuses

PASSWORD = "the right password 1"
WRONG = "not the password"
_HASH = security.hash_password(PASSWORD)


class Clock:
    """The throttle's clock: moved by hand for the database storage; Redis keeps its own
    time, so there the window is short and moving on means waiting it out."""

    def __init__(self, real: bool) -> None:
        self.real = real
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        if self.real:
            time.sleep(seconds)
        else:
            self.offset += seconds


@dataclass
class Throttles:
    """Makes login throttles on one storage of the kind under test, as the app would."""

    kind: str
    clock: Clock
    redis_url: str | None
    prefix: str = ""

    window: int = 900

    @property
    def short_window(self) -> int:
        """A window to see end: waited out on Redis, moved past on the database."""
        return 3 if self.real_time else self.window

    @property
    def real_time(self) -> bool:
        return self.clock.real

    def storage(self) -> Storage:
        if self.redis_url is not None:
            return RedisStorage(self.redis_url, key_prefix=self.prefix)
        return DatabaseStorage(clock=self.clock)

    def make(self, window: int | None = None) -> LoginThrottle:
        return LoginThrottle(
            self.storage(),
            per_account=5,
            per_address=20,
            window_seconds=window or self.window,
            clock=self.clock,
        )


@dataclass
class Live:
    base: str
    app: FastAPI

    def use(self, throttle: LoginThrottle) -> None:
        self.app.dependency_overrides[login_throttle] = lambda: throttle


@pytest.fixture(scope="module")
def live(committed_engine: Engine) -> Iterator[Live]:
    from resale.app import create_app

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(db, "_engine", committed_engine)
        app = create_app()
        with served(app) as base:
            yield Live(base, app)


@pytest.fixture(params=["database", "redis"])
def throttles(request: pytest.FixtureRequest, live: Live) -> Throttles:
    kind = request.param
    redis_url = request.getfixturevalue("redis_url") if kind == "redis" else None
    made = Throttles(
        kind, Clock(real=kind == "redis"), redis_url, f"resale-test-{secrets.token_hex(4)}"
    )
    if kind == "database":
        DatabaseStorage().reset()  # the module's database is shared by its tests
    live.use(made.make())
    return made


def person(engine: Engine) -> str:
    """A new account with PASSWORD; its e-mail."""
    email = f"p-{secrets.token_hex(4)}@example.com"
    with Session(engine) as session:
        session.add(User(email=email, display_name="P", password_hash=_HASH))
        session.commit()
    return email


def api_login(client: httpx.Client, email: str, password: str) -> httpx.Response:
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def retry_after(response: httpx.Response, window: int) -> int:
    seconds = int(response.headers["retry-after"])
    assert 1 <= seconds <= window + 1
    return seconds


def test_the_api_answers_429_after_five_failures_until_the_window_ends(
    live: Live, throttles: Throttles, committed_engine: Engine
) -> None:
    email = person(committed_engine)
    window = throttles.short_window
    live.use(throttles.make(window))
    with httpx.Client(base_url=live.base) as client:
        assert [api_login(client, email, WRONG).status_code for _ in range(5)] == [401] * 5
        refused = api_login(client, email, WRONG)
        assert refused.status_code == 429
        assert "Too many failed logins for this account" in refused.json()["detail"]
        retry_after(refused, window)
        # The right password is refused too while the account is throttled: no argon2 answer.
        right = api_login(client, email, PASSWORD)
        assert right.status_code == 429
        throttles.clock.advance(retry_after(right, window))
        assert api_login(client, email, PASSWORD).status_code == 200


def test_the_page_answers_429_beside_the_form_keeping_the_email(
    live: Live, throttles: Throttles, committed_engine: Engine
) -> None:
    email = person(committed_engine)
    with httpx.Client(base_url=live.base) as client:
        form = {"csrf_token": page_csrf(client.get("/login").text), "email": email}
        for _ in range(5):
            assert client.post("/login", data={**form, "password": WRONG}).status_code == 400
        page = client.post("/login", data={**form, "password": PASSWORD})
    assert page.status_code == 429
    retry_after(page, throttles.window)
    assert re.search(r'class="form-error"[^>]*>Too many failed logins for this account', page.text)
    assert f'value="{email}"' in page.text
    assert PASSWORD not in page.text


def test_one_address_is_refused_after_twenty_failures_across_accounts(
    live: Live, throttles: Throttles, committed_engine: Engine
) -> None:
    emails = [person(committed_engine) for _ in range(21)]
    with httpx.Client(base_url=live.base) as client:
        assert {api_login(client, e, WRONG).status_code for e in emails[:20]} == {401}
        refused = api_login(client, emails[20], PASSWORD)
    assert refused.status_code == 429
    assert "from your network" in refused.json()["detail"]
    # Another address (the client's socket bound to 127.0.0.2) is not held back.
    other = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=live.base, transport=other) as c:
        assert api_login(c, emails[20], PASSWORD).status_code == 200


def test_a_success_clears_the_accounts_failures(
    live: Live, throttles: Throttles, committed_engine: Engine
) -> None:
    email = person(committed_engine)
    with httpx.Client(base_url=live.base) as client:
        assert [api_login(client, email, WRONG).status_code for _ in range(4)] == [401] * 4
        assert api_login(client, email, PASSWORD).status_code == 200
        assert [api_login(client, email, WRONG).status_code for _ in range(6)] == [401] * 5 + [429]


def test_two_app_instances_share_the_counts(
    live: Live, throttles: Throttles, committed_engine: Engine
) -> None:
    from resale.app import create_app

    email = person(committed_engine)
    second = create_app()
    # Its own throttle object and storage object, on the same database (or Redis keys).
    throttle = throttles.make()
    second.dependency_overrides[login_throttle] = lambda: throttle
    with (
        served(second) as other,
        httpx.Client(base_url=live.base) as a,
        httpx.Client(base_url=other) as b,
    ):
        assert [api_login(a, email, WRONG).status_code for _ in range(3)] == [401] * 3
        assert [api_login(b, email, WRONG).status_code for _ in range(2)] == [401] * 2
        assert api_login(a, email, PASSWORD).status_code == 429
        assert api_login(b, email, PASSWORD).status_code == 429


def test_fifty_wrong_logins_at_once_let_five_reach_argon2(
    live: Live, throttles: Throttles, committed_engine: Engine
) -> None:
    email = person(committed_engine)

    def wrong(client: httpx.Client, _i: int) -> httpx.Response:
        return api_login(client, email, WRONG)

    answers = at_once(live.base, wrong)
    # A 401 is given only after argon2 said no: exactly the limit got that far.
    assert statuses(answers) == {401: 5, 429: 45}
    assert all(int(a.headers["retry-after"]) >= 1 for a in answers if a.status_code == 429)


def test_logins_beyond_the_lanes_queue_get_503_with_retry_after(
    live: Live, committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One hash at a time and one request waiting: of twenty at once most find no room.
    monkeypatch.setattr(security, "password_lane", security.PasswordLane(1, max_waiting=1))
    email = person(committed_engine)

    def right(client: httpx.Client, _i: int) -> httpx.Response:
        return api_login(client, email, PASSWORD)

    answers = at_once(live.base, right, n=20)
    busy = [a for a in answers if a.status_code == 503]
    assert {a.status_code for a in answers} == {200, 503}
    assert {a.headers["retry-after"] for a in busy} == {"2"}
    assert all("Too many people are logging in" in a.json()["detail"] for a in busy)
