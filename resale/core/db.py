"""Engine, sessions, naming convention and the column types every area shares."""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Dialect, Engine
from sqlmodel import Session, SQLModel

from resale.core.config import settings

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
WRITE_QUEUE_SECONDS = 30.0


_HOLDS_WRITE_LOCK = "resale_holds_write_lock"
_CHANGES_AT_BEGIN = "resale_changes_at_begin"


def _sqlite_begin(conn: sa.Connection) -> None:
    conn.info[_CHANGES_AT_BEGIN] = conn.connection.dbapi_connection.total_changes  # type: ignore[union-attr]
    if not conn.get_execution_options().get(WRITE_INTENT, False):
        conn.exec_driver_sql("BEGIN")
        return
    # Writers of this process queue on a lock of their own before asking SQLite:
    # SQLite's busy handler polls with sleeps, so under a burst of writers (fifty
    # buyers at once) some would starve past busy_timeout; a thread lock hands over
    # at once. Other processes (the cron sweep) still wait through busy_timeout.
    lock: threading.Lock = conn.engine.dialect._resale_write_lock  # type: ignore[attr-defined]
    if not lock.acquire(timeout=WRITE_QUEUE_SECONDS):
        raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, TimeoutError("write queue full"))
    conn.info[_HOLDS_WRITE_LOCK] = lock
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _release_write_lock(conn)
        raise


def _release_write_lock(conn: Any, *_args: Any) -> None:
    lock = conn.info.pop(_HOLDS_WRITE_LOCK, None)
    if lock is not None:
        lock.release()


def _release_on_checkin(dbapi_connection: Any, record: Any) -> None:
    # Belt and braces: a connection going back to the pool never keeps the lock.
    lock = record.info.pop(_HOLDS_WRITE_LOCK, None) if record is not None else None
    if lock is not None:
        lock.release()


def write_session(engine: Engine | None = None) -> Session:
    """A session whose transactions will write (SQLite takes the write lock at BEGIN)."""
    return Session(writer(engine or get_engine()), expire_on_commit=False)


# --- The one rule for transactions that write --------------------------------------------
# A request with an unsafe method (POST, PUT, PATCH, DELETE), every CLI command that writes
# and every background job work in write sessions: on SQLite the transaction takes the write
# lock when it begins, before its first read, so two writers queue instead of one failing
# with "database is locked" when it upgrades a stale read snapshot. A safe request (GET,
# HEAD, OPTIONS) reads only: its session refuses writes unless it asks with lock_for_write(),
# so a write cannot slip into a read transaction unnoticed. Slow work that needs no database
# (argon2, decoding a photo) goes before the first query or after pause().

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_READ_ONLY = "resale.read_only"


class WriteInReadTransaction(RuntimeError):
    """A read-only request tried to write without lock_for_write(): a programming error."""


def _refuse_if_read_only(session: Session, what: str) -> None:
    if session.info.get(_READ_ONLY):
        raise WriteInReadTransaction(
            f"{what} in a read-only request: call resale.core.db.lock_for_write(session) first"
        )


@event.listens_for(Session, "before_flush")
def _check_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        _refuse_if_read_only(session, "a flush with changes")


@event.listens_for(Session, "do_orm_execute")
def _check_statement(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _refuse_if_read_only(state.session, "an INSERT, UPDATE or DELETE")


@contextmanager
def request_scope(session: Session, method: str) -> Iterator[Session]:
    """Mark ``session`` for one request: a safe method's session only reads."""
    if method.upper() in SAFE_METHODS:
        session.info[_READ_ONLY] = True
    try:
        yield session
    finally:
        session.info.pop(_READ_ONLY, None)


def lock_for_write(session: Session) -> None:
    """Call before reading rows that this transaction will change (SELECT ... FOR UPDATE),
    and in a read-only request before it writes at all.

    PostgreSQL locks the rows themselves. SQLite has one write lock for the database:
    a transaction that has only read so far is ended (it wrote nothing) and a new one
    begins holding the write lock, so what is read next cannot change underneath.
    The lock is taken here, inside the endpoint, not in a dependency: a request holding
    it must never wait for another threadpool slot, or a burst of writers deadlocks.
    """
    session.info.pop(_READ_ONLY, None)
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    if connection.get_execution_options().get(WRITE_INTENT) or connection.in_nested_transaction():
        return  # already a write transaction, or a test's savepoint inside one
    _refuse_if_written(session, connection, "lock_for_write()")
    session.commit()
    session.connection(execution_options={WRITE_INTENT: True})


def pause(session: Session) -> None:
    """End a transaction that has written nothing, so slow work (argon2, decoding a photo)
    holds no lock; the session's next statement begins a new transaction.

    Objects already loaded stay loaded (sessions here never expire on commit).
    """
    if not session.in_transaction():
        return
    connection = session.connection()
    if not connection.in_nested_transaction():
        _refuse_if_written(session, connection, "pause()")
    session.commit()


def _refuse_if_written(session: Session, connection: sa.Connection, what: str) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError(f"{what} must come before the transaction's first write")
    if connection.dialect.name == "sqlite":
        wrote = (
            connection.connection.dbapi_connection.total_changes  # type: ignore[union-attr]
            != connection.info.get(_CHANGES_AT_BEGIN)
        )
    else:  # PostgreSQL gives a transaction an id at its first write
        wrote = connection.exec_driver_sql("SELECT txid_current_if_assigned()").scalar() is not None
    if wrote:
        raise RuntimeError(f"{what} must come before the transaction's first write")


def insert_unless_present(session: Session, model: type[SQLModel], values: dict[str, Any]) -> bool:
    """INSERT one row unless one with the same unique key exists; True if this one went in.

    One statement (ON CONFLICT DO NOTHING on both databases), so two requests racing to
    add the same row end with one row and no error.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values).on_conflict_do_nothing()
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT the conflict skipped.
    returned = session.execute(statement.returning(*table.primary_key.columns)).first()
    return returned is not None


def writer(engine: Engine) -> Engine:
    """The same engine and pool, with every transaction begun with write intent."""
    return engine.execution_options(**{WRITE_INTENT: True})


# Connections per engine: the pool and what it may add under load. The app admits no more
# requests at once than this leaves for them (see resale.app.AdmissionLimit).
POOL_SIZE = 10
POOL_OVERFLOW = 10


def make_engine(url: str | None = None, *, echo: bool | None = None) -> Engine:
    """Create an engine for ``url`` (default: the configured database)."""
    url = url or settings.sqlalchemy_url
    sa_url = sa.make_url(url)
    # Search has many statement shapes; keep them all compiled.
    kwargs: dict[str, Any] = {
        "echo": settings.database_echo if echo is None else echo,
        "query_cache_size": 4000,
        "pool_size": POOL_SIZE,
        "max_overflow": POOL_OVERFLOW,
    }
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            from pathlib import Path

            Path(sa_url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs.update(pool_pre_ping=True)
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        engine.dialect.statement_compiler = _SQLiteCompiler
        event.listen(engine, "connect", _sqlite_pragmas)
        engine.dialect._resale_write_lock = threading.Lock()  # type: ignore[attr-defined]
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "commit", _release_write_lock)
        event.listen(engine, "rollback", _release_write_lock)
        event.listen(engine.pool, "checkin", _release_on_checkin)
    return engine


_engine: Engine | None = None


def get_engine() -> Engine:
    """The process-wide engine, created on first use."""
    global _engine
    if _engine is None:
        _engine = make_engine()
    return _engine


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: commit once at the end, roll back on any error.

    An unsafe method's session writes (SQLite: the write lock from its first statement); a
    safe method's session reads, and refuses to write without lock_for_write().
    """
    engine = get_engine()
    writes = request.method.upper() not in SAFE_METHODS
    with (
        Session(writer(engine) if writes else engine, expire_on_commit=False) as session,
        request_scope(session, request.method),
    ):
        try:
            yield session
            session.commit()
        except BaseException as exc:
            if not getattr(exc, "keep_changes", False):
                # Detach what was loaded first: a rollback expires it, and the error
                # page still shows the signed-in user's name.
                session.expunge_all()
            settle_refused(session, exc)
            raise


def settle_refused(session: Session, exc: BaseException) -> None:
    """End an attempt that was refused: undo what it wrote, unless the error says that what
    it recorded must stay (``keep_changes``: a wrong hand-over code counts)."""
    if getattr(exc, "keep_changes", False):
        session.commit()
    else:
        session.rollback()


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
