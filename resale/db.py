"""Engine, sessions, naming convention and the column types every area shares."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Dialect, Engine
from sqlmodel import Session, SQLModel

from resale.config import settings

# Must be set before any table is declared: constraint names are fixed when
# a constraint is attached, and Alembic needs stable names on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; times are timezone-aware UTC")
        value = value.astimezone(UTC)
        # SQLite compares timestamps as text, so store them without an offset.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(enum_cls: type[enum.StrEnum], name: str) -> sa.Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the values."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class _SQLiteCompiler(SQLiteCompiler):
    """SQLAlchemy drops table hints on SQLite; render them, so search can say INDEXED BY."""

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin,
    # so SAVEPOINTs work (tests roll each test back inside one transaction).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    # A 64 MB page cache and memory-mapped reads: the default 2 MB cache makes every
    # search re-read index pages from the OS.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.close()


# Execution option: take SQLite's write lock when the transaction begins. A transaction
# that reads and then writes would otherwise fail at once ("database is locked") if any
# other writer committed in between, instead of waiting its turn behind busy_timeout.
WRITE_INTENT = "resale_write_intent"


def _sqlite_begin(conn: sa.Connection) -> None:
    immediate = conn.get_execution_options().get(WRITE_INTENT, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def write_session(engine: Engine | None = None) -> Session:
    """A session whose transactions will write (SQLite takes the write lock at BEGIN)."""
    return Session(writer(engine or get_engine()), expire_on_commit=False)


def writer(engine: Engine) -> Engine:
    """The same engine and pool, with every transaction begun with write intent."""
    return engine.execution_options(**{WRITE_INTENT: True})


def make_engine(url: str | None = None, *, echo: bool | None = None) -> Engine:
    """Create an engine for ``url`` (default: the configured database)."""
    url = url or settings.sqlalchemy_url
    sa_url = sa.make_url(url)
    # Search has many statement shapes; keep them all compiled.
    kwargs: dict[str, Any] = {
        "echo": settings.database_echo if echo is None else echo,
        "query_cache_size": 4000,
    }
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            from pathlib import Path

            Path(sa_url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        engine.dialect.statement_compiler = _SQLiteCompiler
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


_engine: Engine | None = None
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_engine() -> Engine:
    """The process-wide engine, created on first use."""
    global _engine
    if _engine is None:
        _engine = make_engine()
    return _engine


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: commit once at the end, roll back on any error."""
    engine = get_engine()
    if request.method not in SAFE_METHODS:
        engine = writer(engine)
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# scope="function": commit before the response is sent, so a failed commit
# becomes an error response instead of a success that was never stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


_COMMIT_HOOKS = "resale.on_commit"
_ROLLBACK_HOOKS = "resale.on_rollback"


def on_commit(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once the session's transaction is committed (e.g. delete replaced files)."""
    session.info.setdefault(_COMMIT_HOOKS, []).append(action)


def on_rollback(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` if the session's transaction is rolled back (e.g. delete written files)."""
    session.info.setdefault(_ROLLBACK_HOOKS, []).append(action)


@event.listens_for(Session, "after_commit")
def _run_commit_hooks(session: Session) -> None:
    session.info.pop(_ROLLBACK_HOOKS, None)
    for action in session.info.pop(_COMMIT_HOOKS, []):
        action()


@event.listens_for(Session, "after_soft_rollback")
def _run_rollback_hooks(session: Session, previous: Any) -> None:
    if previous.nested:  # a SAVEPOINT rolled back; the outer transaction goes on
        return
    session.info.pop(_COMMIT_HOOKS, None)
    for action in session.info.pop(_ROLLBACK_HOOKS, []):
        action()
