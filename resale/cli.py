"""The ``resale`` command: serve, db upgrade, seed, and room for more."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matching.cli import matching_app

app = typer.Typer(
    help="resale: a second-hand marketplace with carbon accounting.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
orders_app = typer.Typer(help="Orders: the sweep that keeps trades moving.", no_args_is_help=True)
app.add_typer(orders_app, name="orders")
app.add_typer(matching_app, name="matching")
jobs_app = typer.Typer(help="Periodic jobs the app runs, for cron.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart when code changes (development).")] = False,
    workers: Annotated[int, typer.Option(help="Worker processes (production).")] = 1,
) -> None:
    """Serve the web app and the JSON API."""
    import uvicorn

    from resale.core.config import settings

    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104
    typer.secho(f"\n  resale is running at http://{shown}:{port}", fg=typer.colors.GREEN, bold=True)
    typer.echo(
        f"  API docs: http://{shown}:{port}/docs   database: {_describe_db(settings.sqlalchemy_url)}"
    )
    typer.echo("  Press Ctrl+C to stop.\n")
    uvicorn.run(
        "resale.app:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        proxy_headers=True,
    )


def _describe_db(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from resale.core.config import settings
    from resale.migrations import upgrade

    upgrade(revision=revision)
    typer.echo(f"database is at {revision}: {_describe_db(settings.sqlalchemy_url)}")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration does.")],
    autogenerate: Annotated[
        bool, typer.Option(help="Compare the models with the database.")
    ] = True,
) -> None:
    """Write a new migration (for developers changing models)."""
    from alembic import command

    from resale.migrations import alembic_config

    command.revision(alembic_config(), message=message, autogenerate=autogenerate)


@db_app.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    from alembic import command

    from resale.migrations import alembic_config

    command.current(alembic_config(), verbose=False)


@app.command()
def seed(
    users: Annotated[int, typer.Option(min=1, help="Demo users to create.")] = 300,
    listings: Annotated[int, typer.Option(min=1, help="Demo listings to create.")] = 3000,
    if_empty: Annotated[bool, typer.Option(help="Do nothing if the database has users.")] = False,
    random_seed: Annotated[int, typer.Option(help="Seed of the random generator.")] = 2026,
) -> None:
    """Fill the database with a believable demo marketplace (clearly marked as demo)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from resale import seed as demo
    from resale.core.db import write_session

    with write_session() as session:
        if if_empty and not demo.is_empty(session=session):
            typer.echo("database already has data; not seeding")
            return
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        ) as progress:
            summary = demo.seed(
                session=session,
                users=users,
                listings=listings,
                random_seed=random_seed,
                progress=progress,
            )
        session.commit()
    typer.echo(summary)


@orders_app.command("sweep")
def orders_sweep() -> None:
    """Release unpaid holds, complete orders past buyer protection, make due transfers.

    Safe to run from cron every minute, also while the app runs its own sweep.
    """
    from resale.core.db import get_engine
    from resale.trade.orders import service
    from resale.trade.payments.configured import get_gateway

    report = service.sweep(engine=get_engine(), gateway=get_gateway())
    typer.echo(f"order sweep: {report}")
    for error in report.errors:
        typer.echo(f"  {error}", err=True)
    if report.errors:
        raise typer.Exit(1)


@app.command()
def train(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Artifact to write (its metadata JSON goes beside it). "
            "Default: <data dir>/models/matching.joblib, where the app reads it.",
            dir_okay=False,
        ),
    ] = None,
    validate: Annotated[
        bool,
        typer.Option(help="First score the model on each person's latest item (vs popularity)."),
    ] = True,
    threads: Annotated[
        int, typer.Option(help="Threads for the ranker (shared machines: 1).", min=1)
    ] = 1,
    seed: Annotated[int, typer.Option(help="Seed of every random choice.")] = 0,
    if_missing: Annotated[
        bool, typer.Option(help="Do nothing if the artifact exists (for `make run`).")
    ] = False,
) -> None:
    """Train the recommendation model on this marketplace's events and write the artifact.

    A running app picks up the new model by itself within a minute, no restart.
    """
    import json
    import time
    from dataclasses import replace

    from matching.training import (
        MARKETPLACE_CONFIG,
        TrainingError,
        default_artifact_path,
        metadata_path,
    )
    from matching.training import train as train_model
    from resale.core.db import get_engine

    started = time.perf_counter()

    def progress(message: str) -> None:
        typer.echo(f"[{time.perf_counter() - started:7.1f}s] {message}", err=True)

    target = out or default_artifact_path()
    if if_missing and target.exists():
        typer.echo(f"model already trained: {target} (run `resale train` to retrain)")
        return
    try:
        artifact = train_model(
            engine=get_engine(),
            out=target,
            config=replace(MARKETPLACE_CONFIG, seed=seed, threads=threads),
            with_validation=validate,
            progress=progress,
        )
    except TrainingError as exc:
        typer.secho(f"not trained: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from exc
    summary = {
        "artifact": str(target),
        "metadata": str(metadata_path(target)),
        "trained_at": artifact.metadata["trained_at"],
        "version": artifact.artifact_id[:12],
        "validation": artifact.metadata["validation"],
        "seconds": round(time.perf_counter() - started, 1),
    }
    typer.echo(json.dumps(summary))


@app.command()
def notify(
    minutes: Annotated[
        float, typer.Option(help="Look at listings published in this many past minutes.", min=0)
    ] = 60.0,
) -> None:
    """Tell buyers about new listings matching their saved searches or taste (cron-safe).

    Each buyer hears of a listing once, so overlapping runs add nothing twice.
    """
    from datetime import timedelta

    from matching import service, serving
    from resale.core.db import get_engine, utcnow

    serving.load_at_startup()
    count = service.notify_since(engine=get_engine(), since=utcnow() - timedelta(minutes=minutes))
    typer.echo(f"notifications: {count} new")


@jobs_app.command("list")
def jobs_list() -> None:
    """Every periodic job: its name, how often the app runs it, what it does."""
    from resale.app import jobs

    for job in jobs():
        every = f"every {job.interval:g}s" if job.interval > 0 else "not in the app"
        typer.echo(f"{job.name:<26} {every:<16} {job.help}")


@jobs_app.command("run-once")
def jobs_run_once(
    names: Annotated[list[str] | None, typer.Argument(help="Jobs to run (default: all).")] = None,
) -> None:
    """Run jobs once now, in order (cron-safe); exits 1 if one failed, after running the rest."""
    from matching import serving
    from resale.app import jobs
    from resale.core import scheduler
    from resale.core.db import get_engine

    try:
        chosen = scheduler.pick(jobs(), names or [])
    except scheduler.UnknownJob as exc:
        typer.secho(f"no such job: {exc} (see `resale jobs list`)", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from exc
    serving.load_at_startup()  # new-listing notices use the recommendation model
    failed = False
    for job in chosen:
        try:
            outcome = scheduler.run_once(job, get_engine())
        except Exception as exc:  # the other jobs still run
            typer.secho(f"{job.name}: failed: {exc!r}", err=True, fg=typer.colors.RED)
            failed = True
            continue
        typer.echo(f"{job.name}: {outcome or 'nothing to do'}")
    if failed:
        raise typer.Exit(1)
