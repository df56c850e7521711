"""A live server on a free port with its own scratch database, and Debian's Chromium via Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import start_server, stop_server

CHROMIUM = Path(os.environ.get("RESALE_TEST_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("RESALE_TEST_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app in its own process, as `make run` starts it, on a fresh SQLite database."""
    data_dir = tmp_path_factory.mktemp("e2e-data")
    base, process = start_server(data_dir, tmp_path_factory.getbasetemp() / "e2e-server.log")
    yield base
    stop_server(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(f"{message}; RESALE_TEST_REQUIRE_BROWSER=1", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path:
    """Where this test saves its screenshots (tests/e2e/artifacts/, ignored by git)."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
