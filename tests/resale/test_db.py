"""The storage layer: SQLite pragmas, UTC times, enum checks, commit/rollback hooks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.requests import Request

from resale.core import db
from resale.users.models import User
from tests.factories import make_user


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()


def test_times_come_back_timezone_aware_utc(session: Session) -> None:
    paris_noon = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    user = make_user(session, created_at=paris_noon)
    session.expire_all()
    stored = session.get(User, user.id)
    assert stored is not None
    assert stored.created_at.tzinfo is not None
    assert stored.created_at.utcoffset() == timedelta(0)
    assert stored.created_at == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def test_naive_times_are_refused(session: Session) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        make_user(session, created_at=datetime(2026, 6, 1, 12, 0))  # noqa: DTZ001


def test_times_compare_in_order_across_offsets(session: Session) -> None:
    early = make_user(
        session, created_at=datetime(2026, 1, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    )
    late = make_user(session, created_at=datetime(2026, 1, 2, 1, 0, tzinfo=UTC))
    # 23:30 at UTC-5 is 04:30 UTC on Jan 2: later than 01:00 UTC, whatever the text says.
    rows = session.exec(
        select(User.id).where(User.id.in_([early.id, late.id])).order_by(User.created_at)  # type: ignore[union-attr]
    ).all()
    assert rows == [late.id, early.id]


def test_enum_columns_are_checked_by_the_database(session: Session, engine: Engine) -> None:
    user = make_user(session)
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.execute(
            sa.text(
                "INSERT INTO listings (seller_id, title, description, category, condition, price_cents,"
                " currency, status, created_at, updated_at)"
                " VALUES (:s, 't', 'd', 'phones', 'mint', 100, 'EUR', 'active', :now, :now)"
            ),
            {"s": user.id, "now": datetime(2026, 1, 1)},  # noqa: DTZ001 (raw SQL bypasses the type)
        )


def test_commit_and_rollback_hooks_run_once_and_only_on_their_outcome(session: Session) -> None:
    ran: list[str] = []
    make_user(session)
    db.on_commit(session, lambda: ran.append("commit"))
    db.on_rollback(session, lambda: ran.append("rollback"))
    session.commit()
    assert ran == ["commit"]
    make_user(session)
    db.on_commit(session, lambda: ran.append("commit 2"))
    db.on_rollback(session, lambda: ran.append("rollback 2"))
    session.rollback()
    assert ran == ["commit", "rollback 2"]
    session.commit()
    assert ran == ["commit", "rollback 2"]


def test_a_savepoint_rollback_does_not_fire_the_outer_hooks(session: Session) -> None:
    ran: list[str] = []
    make_user(session)
    db.on_rollback(session, lambda: ran.append("rollback"))
    nested = session.begin_nested()
    nested.rollback()
    assert ran == []
    session.rollback()
    assert ran == ["rollback"]


def test_request_session_commits_on_success_and_rolls_back_on_error(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "_engine", engine)
    email = f"hook-{datetime.now(UTC).timestamp()}@example.com"
    gen = db.get_session(request_with("POST"))
    session = next(gen)
    make_user(session, email=email)
    with pytest.raises(RuntimeError):
        gen.throw(RuntimeError("the request failed"))
    with Session(engine) as check:
        assert check.exec(select(User).where(User.email == email)).first() is None
    gen = db.get_session(request_with("POST"))
    session = next(gen)
    user = make_user(session, email=email)
    with pytest.raises(StopIteration):
        next(gen)
    with Session(engine) as check:
        stored = check.exec(select(User).where(User.email == email)).one()
        check.delete(stored)
        check.commit()
    assert user.id == stored.id


def request_with(method: str) -> Request:
    return Request({"type": "http", "method": method, "path": "/", "headers": []})


def test_a_get_request_session_refuses_to_write_unless_it_asks_first(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "_engine", engine)
    gen = db.get_session(request_with("GET"))
    session = next(gen)
    with pytest.raises(db.WriteInReadTransaction):
        make_user(session)
    session.rollback()
    with pytest.raises(db.WriteInReadTransaction):
        session.execute(sa.delete(User).where(User.email == "nobody@example.com"))
    session.rollback()
    db.lock_for_write(session)  # a GET that must write says so, and then may
    session.execute(sa.delete(User).where(User.email == "nobody@example.com"))
    with pytest.raises(StopIteration):
        next(gen)


def test_an_unsafe_request_on_sqlite_holds_the_write_lock_from_its_first_read(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "_engine", sqlite_engine)
    gen = db.get_session(request_with("POST"))
    session = next(gen)
    session.exec(select(User).limit(1)).all()  # only a read so far
    other = sqlite_engine.connect().execution_options(timeout=0)
    try:
        other.exec_driver_sql("PRAGMA busy_timeout=0")
        with pytest.raises(sa.exc.OperationalError, match="locked"):
            other.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        other.close()
    with pytest.raises(StopIteration):
        next(gen)


def test_pause_ends_a_transaction_that_wrote_nothing_and_refuses_one_that_did(
    committed_engine: Engine,
) -> None:
    with db.write_session(committed_engine) as session:
        session.exec(select(User).limit(1)).all()
        assert session.in_transaction()
        db.pause(session)
        assert not session.in_transaction()
        make_user(session, email=f"pause-{datetime.now(UTC).timestamp()}@example.com")
        with pytest.raises(RuntimeError, match="before the transaction's first write"):
            db.pause(session)
        session.rollback()
