"""The trained model inside the app: loaded once at start-up, swapped when a new one is trained.

One ``ModelHolder`` per process holds the loaded artifact. Requests call
``current()``: a plain attribute read, no file system, no lock. A watcher
(``watch()``, started by ``lifespan_hooks()``) looks at the metadata JSON's inode,
mtime and size at most every ``check_every`` seconds; when ``resale train`` has
replaced it, the new artifact is loaded completely in a worker thread while the
old one keeps serving, then the reference is swapped under a lock. A new file
that cannot be loaded (corrupt, another scikit-learn version, artifact and
metadata of different runs) is logged and the old model stays; the same broken
file is not retried until it changes again.

Without an artifact the app still answers: ``matching.service`` falls back to
popular listings near the buyer and says so (``FALLBACK``).

In the app's lifespan::

    async with serving.lifespan_hooks():
        yield
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from matching.model import MatchingModel
from matching.training import Artifact, BoolArray, default_artifact_path, metadata_path

log = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 30.0
NO_MODEL_REASON = "no trained model"


@dataclass(frozen=True, slots=True)
class FileStamp:
    """Identifies one version of a file: a replaced file has a new inode (and mtime)."""

    inode: int
    mtime_ns: int
    size: int


def _stamp(path: Path) -> FileStamp | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return FileStamp(st.st_ino, st.st_mtime_ns, st.st_size)


@dataclass(frozen=True, eq=False)
class ServedModel:
    """A loaded artifact, with the lookups requests need precomputed."""

    artifact: Artifact
    path: Path
    stamp: FileStamp
    row_of: dict[int, int]  # listing id -> the model's item row
    loaded_at: float = field(default_factory=time.time)

    @classmethod
    def read(cls, path: Path, stamp: FileStamp) -> ServedModel:
        metadata = json.loads(metadata_path(path).read_text())
        artifact = Artifact.load(path)
        if artifact.artifact_id != metadata.get("artifact_id"):
            raise RuntimeError(
                f"{path.name} ({artifact.artifact_id}) and {metadata_path(path).name} "
                f"({metadata.get('artifact_id')}) are from different training runs"
            )
        row_of = {int(i): n for n, i in enumerate(artifact.listing_ids.tolist())}
        return cls(artifact=artifact, path=path, stamp=stamp, row_of=row_of)

    @property
    def model(self) -> MatchingModel:
        return self.artifact.model

    @property
    def metadata(self) -> dict[str, Any]:
        return self.artifact.metadata

    @property
    def active(self) -> BoolArray:
        return self.artifact.active

    @property
    def trained_at(self) -> str:
        return str(self.metadata["trained_at"])

    @property
    def version(self) -> str:
        return self.artifact.artifact_id[:12]

    @property
    def max_event_id(self) -> int:
        value = self.metadata["data"].get("max_event_id")
        return int(value) if value is not None else 0

    @property
    def max_order_id(self) -> int:
        value = self.metadata["data"].get("max_order_id")
        return int(value) if value is not None else 0

    @property
    def read_at(self) -> datetime:
        """When training read the data: listings published since are unknown to the model."""
        value = self.metadata["data"].get("read_at") or self.metadata["trained_at"]
        moment = datetime.fromisoformat(str(value))
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    def knows(self, listing_id: int) -> bool:
        return listing_id in self.row_of

    def info(self) -> dict[str, Any]:
        """What a response says about the model that served it."""
        return {"source": "model", "trained_at": self.trained_at, "version": self.version}


FALLBACK: dict[str, Any] = {"source": "fallback", "reason": NO_MODEL_REASON}


class ModelHolder:
    """The process's current model, and the check for a newer artifact."""

    def __init__(
        self, path: Path | None = None, *, check_every: float = CHECK_EVERY_SECONDS
    ) -> None:
        self._path = path
        self.check_every = check_every
        self._current: ServedModel | None = None
        self._lock = threading.Lock()  # one reload at a time; readers never wait
        self._checked_at = -math.inf
        self._failed: FileStamp | None = None
        self._said_missing = False
        self.last_error: str | None = None

    @property
    def path(self) -> Path:
        return self._path if self._path is not None else default_artifact_path()

    def current(self) -> ServedModel | None:
        """The model to serve this request with, or None (then: the fallback)."""
        return self._current

    def load(self) -> ServedModel | None:
        """Load the artifact now (at start-up); None, with a log line, when there is none."""
        self.maybe_reload(force=True)
        return self._current

    def maybe_reload(self, *, force: bool = False) -> bool:
        """Swap in a newly trained artifact if there is one; True when the model changed.

        Cheap when nothing changed (one ``stat``, at most every ``check_every`` seconds).
        """
        now = time.monotonic()
        if not force and now - self._checked_at < self.check_every:
            return False
        if not self._lock.acquire(blocking=False):
            return False  # another thread is loading right now
        try:
            self._checked_at = now
            path = self.path
            stamp = _stamp(metadata_path(path))
            current = self._current
            if stamp is None:
                if current is None and not self._said_missing:
                    log.info("matching: no trained model at %s; serving the fallback", path)
                    self._said_missing = True
                return False  # a deleted file does not unload a working model
            if current is not None and stamp == current.stamp:
                return False
            if stamp == self._failed:
                return False
            try:
                served = ServedModel.read(path, stamp)
            except Exception as exc:  # any broken file: keep what works
                self._failed = stamp
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.error(
                    "matching: could not load %s (%s); %s",
                    path,
                    self.last_error,
                    f"keeping the model trained at {current.trained_at}"
                    if current is not None
                    else "serving the fallback",
                )
                return False
            self._current = served  # the swap: one reference assignment
            self._failed = None
            self.last_error = None
            self._said_missing = False
            log.info(
                "matching: serving model %s trained at %s (%d items)",
                served.version,
                served.trained_at,
                len(served.row_of),
            )
            return True
        finally:
            self._lock.release()

    def clear(self) -> None:
        """Forget the loaded model (tests)."""
        with self._lock:
            self._current = None
            self._failed = None
            self._checked_at = -math.inf


holder = ModelHolder()


def current() -> ServedModel | None:
    """The model serving requests in this process (None: the fallback serves)."""
    return holder.current()


def model_info(served: ServedModel | None) -> dict[str, Any]:
    return served.info() if served is not None else dict(FALLBACK)


def load_at_startup() -> ServedModel | None:
    return holder.load()


def maybe_reload() -> bool:
    return holder.maybe_reload()


async def watch(*, interval: float | None = None) -> None:
    """Check for a newly trained artifact forever; loading runs in a worker thread."""
    every = holder.check_every if interval is None else interval
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(holder.maybe_reload)
        except Exception:  # keep watching; one bad check must not stop the loop
            log.exception("matching: checking for a new model failed")


@asynccontextmanager
async def lifespan_hooks(*, check_every: float | None = None) -> AsyncIterator[None]:
    """Load the model at start-up and watch for new ones until shutdown."""
    if check_every is not None:
        holder.check_every = check_every
    await asyncio.to_thread(holder.load)
    task = asyncio.create_task(watch())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
