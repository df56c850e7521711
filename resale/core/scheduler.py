"""One scheduler for the app's periodic work.

Each area states its jobs in its own ``jobs.py`` (a name, an interval in seconds and a
function taking the engine); the app (the roof) collects the lists and hands them here, so
core knows no area. In the app every job runs in a loop of its own: one bad run is logged
and the loop goes on; shutdown cancels the loops. ``resale jobs run-once`` runs them from
cron instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    """A periodic job: ``run(engine)`` every ``interval`` seconds (0: not in the app).

    ``run`` returns something worth logging (a count, a report) or a false value when
    there was nothing to do.
    """

    name: str
    interval: float
    run: Callable[[Engine], object]
    help: str = ""
    at_start: bool = False  # also once when the app starts, before serving


class UnknownJob(LookupError):
    pass


def pick(jobs: Sequence[Job], names: Iterable[str]) -> list[Job]:
    """The jobs named, in the order given; all of them when no name is given."""
    wanted = list(names)
    if not wanted:
        return list(jobs)
    by_name = {job.name: job for job in jobs}
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise UnknownJob(", ".join(unknown))
    return [by_name[name] for name in wanted]


def run_once(job: Job, engine: Engine) -> object:
    """Run one job now, in this thread; its errors are the caller's."""
    outcome = job.run(engine)
    if outcome:
        log.info("%s: %s", job.name, outcome)
    return outcome


async def _run_logged(job: Job, engine: Engine) -> None:
    try:
        await asyncio.to_thread(run_once, job, engine)
    except Exception:  # keep going; one bad run must not stop the loop
        log.exception("job %s failed", job.name)


async def _every(job: Job, engine: Callable[[], Engine]) -> None:
    while True:
        await asyncio.sleep(job.interval)
        await _run_logged(job, engine())


@dataclass
class Scheduler:
    """The app's loops: ``start`` in the lifespan, ``stop`` when it ends."""

    jobs: Sequence[Job]
    engine: Callable[[], Engine]
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        for job in self.jobs:
            if job.at_start:
                await _run_logged(job, self.engine())
        self._tasks = [
            asyncio.create_task(_every(job, self.engine), name=f"job:{job.name}")
            for job in self.jobs
            if job.interval > 0
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
