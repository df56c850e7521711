"""What the app answers when the database refuses a write: never a 500 for a race."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from resale.core import handlers


def _app_raising(exc: Exception) -> TestClient:
    app = FastAPI()
    handlers.install_handlers(app)

    @app.get("/api/v1/boom")
    @app.get("/boom")
    def boom() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=False)


def _integrity() -> Exception:
    return sa.exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: favorites"))


def _locked() -> Exception:
    return sa.exc.OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))


def test_a_unique_key_race_nobody_foresaw_is_a_409() -> None:
    client = _app_raising(_integrity())

    api = client.get("/api/v1/boom")
    page = client.get("/boom")

    assert api.status_code == 409 and api.json() == {"detail": handlers.CONCURRENT_CHANGE}
    assert page.status_code == 409 and "at the same moment" in page.text


@pytest.mark.parametrize(
    "exc",
    [
        _locked(),
        sa.exc.OperationalError("BEGIN IMMEDIATE", None, TimeoutError("write queue full")),
        sa.exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached"),
    ],
    ids=["locked", "write-queue", "pool"],
)
def test_a_database_too_busy_is_a_503_to_retry(exc: Exception) -> None:
    client = _app_raising(exc)

    for path in ("/api/v1/boom", "/boom"):
        answer = client.get(path)
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "2"
    assert client.get("/api/v1/boom").json() == {"detail": handlers.DATABASE_BUSY}


def test_other_database_errors_stay_500s() -> None:
    broken = sa.exc.OperationalError("SELECT", {}, Exception("no such table: listings"))

    answer = _app_raising(broken).get("/api/v1/boom")

    assert answer.status_code == 500
