"""One scheduler: each job in a loop of its own, a bad run logged and the loop going on,
shutdown cancelling cleanly; and `resale jobs list` / `resale jobs run-once` for cron."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from listings import service as listings_service
from matching import serving
from matching.serving import ModelHolder
from resale.app import jobs
from resale.cli import app
from resale.core import scheduler
from resale.core.db import writer
from resale.core.notifications.models import Notification
from resale.core.scheduler import Job, Scheduler
from tests.aio import run_in_own_loop
from tests.factories import PARIS, make_listing, make_user

NAMES = [
    "orders.sweep",
    "matching.notices",
    "listings.views",
    "listings.reservations",
    "listings.pending_photos",
    "offers.expire",
    "reviews.shown",
    "users.expired_tokens",
    "notifications.email",
]


def test_a_bad_run_is_logged_and_the_loop_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    runs: list[int] = []

    def flaky(_engine: Engine) -> int:
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("boom")
        return len(runs)

    started: list[str] = []

    async def scenario() -> None:
        sched = Scheduler(
            [
                Job("flaky", 0.01, flaky),
                Job("once", 0, lambda _e: started.append("once"), at_start=True),
            ],
            engine=lambda: None,  # type: ignore[arg-type,return-value]
        )
        await sched.start()
        assert started == ["once"]  # before serving, and never looped (interval 0)
        for _ in range(200):
            if len(runs) >= 3:
                break
            await asyncio.sleep(0.01)
        tasks = list(sched._tasks)
        await sched.stop()
        assert all(task.cancelled() for task in tasks)
        after = len(runs)
        await asyncio.sleep(0.05)
        assert len(runs) == after  # stopped means stopped

    with caplog.at_level(logging.INFO, logger="resale.core.scheduler"):
        run_in_own_loop(scenario())
    assert len(runs) >= 3
    assert started == ["once"]
    assert "job flaky failed" in caplog.text
    assert "flaky: 2" in caplog.text


def test_the_app_collects_every_area_s_jobs() -> None:
    assert [job.name for job in jobs()] == NAMES
    assert all(job.help for job in jobs())
    with pytest.raises(scheduler.UnknownJob, match="nope"):
        scheduler.pick(jobs(), ["listings.views", "nope"])
    assert [j.name for j in scheduler.pick(jobs(), ["listings.views", "orders.sweep"])] == [
        "listings.views",
        "orders.sweep",
    ]


def test_resale_jobs_list() -> None:
    result = CliRunner().invoke(app, ["jobs", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == NAMES
    assert "every 3600s" in lines[NAMES.index("listings.pending_photos")]


def test_resale_jobs_run_once(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import resale.core.db

    monkeypatch.setattr(resale.core.db, "_engine", committed_engine)
    monkeypatch.setattr(serving, "holder", ModelHolder(tmp_path / "none.joblib"))
    with Session(writer(committed_engine)) as session:
        seller = make_user(session, **PARIS)
        buyer = make_user(session, **PARIS)
        listings_service.save_search(session=session, user=buyer, query="category=tables")
        listing = make_listing(session, seller, photos=0, category="tables", title="Oak table")
        listing_id, buyer_id = listing.id, buyer.id
        session.commit()
    runner = CliRunner()
    first = runner.invoke(app, ["jobs", "run-once", "matching.notices"])
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "matching.notices: 1 new"
    everything = runner.invoke(app, ["jobs", "run-once"])
    assert everything.exit_code == 0, everything.output
    assert [line.split(":")[0] for line in everything.stdout.splitlines()] == NAMES
    assert "matching.notices: nothing to do" in everything.stdout  # told once
    with Session(committed_engine) as session:
        rows = session.exec(select(Notification).where(Notification.key == f"listing:{listing_id}"))
        assert [n.recipient_id for n in rows] == [buyer_id]
    unknown = runner.invoke(app, ["jobs", "run-once", "nope"])
    assert unknown.exit_code == 2
    assert "no such job: nope" in unknown.output
