"""A stranger reports a listing, an admin hides it from the moderation desk, it leaves
search, and the reporter is told what became of the report."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.people import login, member, sell

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_db(live_server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    (path,) = {p.resolve() for p in tmp_path_factory.getbasetemp().glob("e2e-data*/resale.db")}
    return path


def test_a_report_hidden_from_the_desk_leaves_search_and_the_reporter_is_told(
    live_server: str, browser: Any, shots: Path, live_db: Path
) -> None:
    seller_api = member(live_server, "rex.report@example.com", "Rex", "paris-bastille")
    member(live_server, "ida.report@example.com", "Ida", "paris-marais")
    member(live_server, "mod.report@example.com", "Moderator", "paris-marais")
    with sqlite3.connect(live_db) as db:
        db.execute("UPDATE users SET is_admin = 1 WHERE email = ?", ("mod.report@example.com",))
    title = "Designer handbag, brand new"
    listing_id = sell(seller_api, title, 4000, None)

    reporter = login(browser, live_server, "ida.report@example.com", PHONE)
    reporter.goto(f"{live_server}/search?q=designer+handbag")
    assert reporter.get_by_text(title).first.is_visible()
    reporter.goto(f"{live_server}/listings/{listing_id}")
    reporter.get_by_role("link", name="Report this listing").click()
    reporter.wait_for_url(f"{live_server}/report?*")
    reporter.select_option("#reason", "counterfeit")
    reporter.fill("#note", "Sold at a tenth of the shop price, logo misspelt.")
    reporter.screenshot(path=shots / "01-report-phone.png", full_page=True)
    reporter.get_by_role("button", name="Send the report").click()
    reporter.wait_for_load_state()

    admin = login(browser, live_server, "mod.report@example.com", DESKTOP)
    admin.goto(f"{live_server}/admin/reports")
    case = admin.locator(f"#case-listing-{listing_id}")
    assert "1 person reported this" in case.inner_text()
    assert "logo misspelt" in case.inner_text()
    admin.screenshot(path=shots / "02-desk-desktop.png", full_page=True)
    case.locator("input[name=reason]").fill("Counterfeit: confirmed from the photos.")
    case.get_by_role("button", name="Hide the listing").click()
    admin.wait_for_load_state()
    assert "Counterfeit: confirmed from the photos." in admin.locator(".desk__log").inner_text()

    reporter.goto(f"{live_server}/search?q=designer+handbag")
    assert reporter.get_by_text(title).count() == 0  # it left search
    assert reporter.goto(f"{live_server}/listings/{listing_id}").status == 404  # type: ignore[union-attr]
    reporter.goto(f"{live_server}/me/notifications")
    told = reporter.locator(".news__item", has_text="A moderator has taken it down.")
    assert told.count() == 1
    reporter.screenshot(path=shots / "03-reporter-told-phone.png", full_page=True)
    for page in (reporter, admin):
        page.context.close()
