"""The real app served by uvicorn on a loopback port: in a thread of the test process,
or in a process of its own (with settings of its own)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def app_command(port: int) -> list[str]:
    """How `resale serve` starts the app, as a command line for a child process."""
    return [
        sys.executable,
        *("-m", "uvicorn", "resale.app:create_app", "--factory", "--port", str(port)),
    ]


def app_environment(data_dir: Path, **settings: str) -> dict[str, str]:
    """This process's environment for a child app on SQLite in ``data_dir``, in the test
    environment unless ``settings`` (``RESALE_*`` names) say otherwise."""
    env = {**os.environ, "RESALE_DATA_DIR": str(data_dir), "RESALE_ENV": "test", **settings}
    env.pop("RESALE_DATABASE_URL", None)
    return env


def start_server(
    data_dir: Path, log_path: Path, **settings: str
) -> tuple[str, subprocess.Popen[bytes]]:
    """The real app in its own process on a migrated SQLite database in ``data_dir``."""
    import httpx2 as httpx
    import pytest

    from resale.migrations import upgrade

    upgrade(f"sqlite:///{data_dir / 'resale.db'}")
    port = free_port()
    log = log_path.open("w")
    process = subprocess.Popen(
        app_command(port),
        env=app_environment(data_dir, **settings),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()  # the child has its own copy
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return base, process
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the app did not start; see {log_path}")
        time.sleep(0.2)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=10)
