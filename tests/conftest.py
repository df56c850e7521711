"""Fixtures: every database test runs on SQLite and on PostgreSQL, each in a rolled-back transaction.

The schema is always built by the Alembic migrations, never by create_all,
so a model change without its migration fails here.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Settings are read once at import: point them at a scratch directory first.
_SCRATCH = Path(tempfile.mkdtemp(prefix="resale-tests-"))
os.environ["RESALE_ENV"] = "test"
os.environ["RESALE_SECRET_KEY"] = "test-secret-key-" + "x" * 32
os.environ["RESALE_DATA_DIR"] = str(_SCRATCH)
os.environ.pop("RESALE_DATABASE_URL", None)
# Tests choose their payment gateway and run the order sweep themselves.
for _name in ("RESALE_STRIPE_SECRET_KEY", "RESALE_STRIPE_WEBHOOK_SECRET", "RESALE_STRIPE_API_BASE"):
    os.environ.pop(_name, None)
os.environ["RESALE_SWEEP_INTERVAL_SECONDS"] = "0"
# No e-mail unless a test starts its own SMTP server (tests/resale/test_notification_email.py).
for _name in ("RESALE_SMTP_HOST", "RESALE_SMTP_USER", "RESALE_SMTP_PASSWORD"):
    os.environ.pop(_name, None)
# Tests write noted listing views themselves, into their own session (listings.views).
os.environ["RESALE_VIEW_FLUSH_SECONDS"] = "0"

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from fastapi import Request  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from resale.core.db import get_session, make_engine, request_scope  # noqa: E402
from resale.core.ratelimit.storage import DatabaseStorage  # noqa: E402
from resale.migrations import upgrade  # noqa: E402
from resale.users.throttle import LoginThrottle, login_throttle  # noqa: E402

POSTGRES_URL = os.environ.get(
    "RESALE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("RESALE_TEST_REQUIRE_POSTGRES") == "1"
_postgres_skip_reason: str | None = None


REDIS_URL = os.environ.get("RESALE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_REDIS = os.environ.get("RESALE_TEST_REQUIRE_REDIS") == "1"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis server that answers (skipped, or failed in CI, when none does)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        reason = f"Redis not answering at {REDIS_URL}: {exc}"
        if REQUIRE_REDIS:
            pytest.fail(f"{reason} (RESALE_TEST_REQUIRE_REDIS=1)", pytrace=False)
        pytest.skip(f"{reason}; set RESALE_TEST_REDIS_URL to run these tests on Redis")
    return REDIS_URL


def _postgres_engine() -> Iterator[Engine]:
    """A fresh database on the PostgreSQL server for this run, dropped afterwards."""
    global _postgres_skip_reason
    admin_url = sa.make_url(POSTGRES_URL)
    try:
        admin = sa.create_engine(
            admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        reason = f"PostgreSQL not reachable at {admin_url.render_as_string()}: {str(exc.orig).strip().splitlines()[0]}"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{reason} (RESALE_TEST_REQUIRE_POSTGRES=1)", pytrace=False)
        _postgres_skip_reason = reason
        pytest.skip(f"{reason}; set RESALE_TEST_POSTGRES_URL to run these tests on PostgreSQL")
    name = f"resale_test_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sqlite_engine(directory: Path) -> Iterator[Engine]:
    url = f"sqlite:///{directory / 'test.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The migrated SQLite database, shared by the whole run."""
    yield from _sqlite_engine(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgresql_engine() -> Iterator[Engine]:
    """The migrated PostgreSQL database (skipped, or failed in CI, when no server answers)."""
    yield from _postgres_engine()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each kind of database in turn: tests using it run once per database."""
    return request.getfixturevalue(f"{request.param}_engine")  # type: ignore[no-any-return]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def committed_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A fresh migrated database per module whose tests really commit.

    For what a rolled-back test transaction cannot show: threads racing on separate
    connections, the sweep's own transactions, work done after a rollback.
    """
    if request.param == "sqlite":
        yield from _sqlite_engine(tmp_path_factory.mktemp("committed"))
    else:
        yield from _postgres_engine()


@pytest.fixture(scope="module")
def live(committed_engine: Engine) -> Iterator[str]:
    """The real app served on a loopback port over ``committed_engine``: its base URL."""
    from resale.app import create_app
    from resale.core import db
    from tests.live import served

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(db, "_engine", committed_engine)
        with served(create_app()) as base:
            yield base


def rolled_back_session(engine: Engine) -> Iterator[Session]:
    """A session inside one transaction that is rolled back afterwards."""
    with engine.connect() as connection:
        transaction = connection.begin()
        db = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield db
        finally:
            db.close()
            transaction.rollback()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside one transaction that is rolled back after the test.

    The app's own commits become SAVEPOINT releases, so a request commits as
    in production while the test still leaves the database as it found it.
    """
    yield from rolled_back_session(engine)


@pytest.fixture(autouse=True)
def _no_noted_views() -> Iterator[None]:
    """Every test starts with no listing views noted in memory (listings.views)."""
    from listings.views import recorder

    recorder.clear()
    yield
    recorder.clear()


@pytest.fixture
def app(session: Session) -> Iterator[object]:
    from resale.app import create_app

    application = create_app()

    def test_session(request: Request) -> Iterator[Session]:
        # What the test set up counts as committed before the request, as it
        # would be in production: a failing request rolls back only itself.
        # A GET's session refuses writes here as it does in production.
        session.commit()
        try:
            with request_scope(session, request.method):
                yield session
                session.commit()
        except BaseException as exc:
            if getattr(exc, "keep_changes", False):
                session.commit()
            else:
                session.rollback()
            raise

    application.dependency_overrides[get_session] = test_session
    throttle = LoginThrottle.from_settings(DatabaseStorage(lambda: _savepoint(session)))
    application.dependency_overrides[login_throttle] = lambda: throttle
    yield application
    application.dependency_overrides.clear()


@contextmanager
def _savepoint(session: Session) -> Iterator[sa.Connection]:
    """The login throttle's own short transactions, as savepoints of the test's transaction."""
    connection = session.connection()
    with connection.begin_nested():
        yield connection


@pytest.fixture
def client(app: object) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=True) as test_client:  # type: ignore[arg-type]
        yield test_client


@pytest.fixture
def media_dir() -> Path:
    from resale.core.config import settings

    return settings.media_dir


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly how many tests ran on each database, and why PostgreSQL was skipped."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if getattr(report, "when", "call") not in ("call", "setup"):
                continue
            db = (
                "postgresql"
                if "[postgresql" in nodeid
                else "sqlite"
                if "[sqlite" in nodeid
                else "once"
            )
            counts.setdefault(db, {}).setdefault(outcome, 0)
            counts[db][outcome] += 1
    if not counts:
        return
    terminalreporter.section("tests per database")
    for db in ("sqlite", "postgresql", "once"):
        if db in counts:
            parts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts[db].items()))
            terminalreporter.write_line(f"{db:>12}: {parts}")
    if _postgres_skip_reason:
        terminalreporter.write_line(
            f"PostgreSQL tests were SKIPPED: {_postgres_skip_reason}", yellow=True
        )
