"""A trade completed in the browser credits both carbon accounts their shares: the balance,
the monthly chart and the CSV download all show it; the impact page counts the trade."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from resale.core.web import format_co2
from tests.e2e.conftest import PHONE
from tests.e2e.people import login, member, sell, shots_of

pytestmark = pytest.mark.e2e


def _balance(page: Any, base: str) -> str:
    page.goto(f"{base}/me/carbon")
    if page.locator(".chero__figure").count() == 0:
        return "none"
    return str(page.locator(".chero__figure strong").inner_text()).strip()


def _this_month_bar(page: Any) -> tuple[str, float]:
    bar = page.locator("#my-months-title").locator("xpath=..").locator(".cchart__bar").last
    return str(bar.get_attribute("data-month")), float(bar.get_attribute("data-kg") or "nan")


def _ledger_csv(page: Any) -> list[dict[str, str]]:
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_a_completed_trade_grows_both_carbon_accounts(
    live_server: str, browser: Any, shots: Path
) -> None:
    seller_api = member(live_server, "ines.carbon@example.com", "Inès", "paris-bastille")
    buyer_api = member(live_server, "hugo.carbon@example.com", "Hugo", "paris-marais")
    listing_id = sell(seller_api, "Straight-leg jeans, W32", 2500, None, category="men-jeans")
    account = "/api/v1/carbon/account"
    before = {who: api.get(account).json()["balance_grams"] for who, api in (("buyer", buyer_api), ("seller", seller_api))}  # fmt: skip

    buyer = login(browser, live_server, "hugo.carbon@example.com", PHONE)
    seller = login(browser, live_server, "ines.carbon@example.com", PHONE)
    assert _balance(buyer, live_server) == "none"
    assert buyer.get_by_text("No carbon saved yet").is_visible()
    shots_of(browser, buyer, shots, "00-my-carbon-empty")

    # The listing says what buying it avoids, and the buyer walks to collect it.
    buyer.goto(f"{live_server}/listings/{listing_id}")
    assert buyer.get_by_text("Buying this second-hand avoids about").is_visible()
    buyer.get_by_role("link", name=re.compile(r"^Buy · ")).click()
    buyer.get_by_text("On foot or by bike", exact=True).click()
    buyer.get_by_role("button", name="Continue to payment").click()
    buyer.wait_for_url("**/payments/dev/devpay_*")
    buyer.get_by_role("button", name="Pay (succeeds)").click()
    buyer.wait_for_url(f"{live_server}/orders/*")
    order_url = buyer.url
    order_id = int(order_url.rsplit("/", 1)[1])
    code = re.sub(r"\D", "", buyer.locator(".code-card__digits").inner_text())

    seller.goto(order_url)
    seller.fill("#code", code)
    seller.get_by_role("button", name="Complete the hand-over").click()
    seller.wait_for_url(order_url)
    assert "share it in your carbon accounts" not in seller.content()
    shots_of(browser, seller, shots, "01-order-completed-seller")

    trade = buyer_api.get(f"/api/v1/orders/{order_id}").json()["carbon"]
    shares = {
        "buyer": buyer_api.get(f"/api/v1/orders/{order_id}").json()["carbon"]["credited_kg"],
        "seller": seller_api.get(f"/api/v1/orders/{order_id}").json()["carbon"]["credited_kg"],
    }
    assert trade["is_net_saving"] and trade["central"] > 0
    assert shares["buyer"] > 0 and shares["seller"] > 0
    assert shares["buyer"] + shares["seller"] == pytest.approx(trade["central"], abs=0.0015)

    for who, page, api in (("buyer", buyer, buyer_api), ("seller", seller, seller_api)):
        after = api.get(account).json()["balance_grams"]
        assert after - before[who] == round(shares[who] * 1000)
        # The page: the balance, this month's bar and the downloaded ledger agree.
        assert _balance(page, live_server) == format_co2(after / 1000)
        month, bar_kg = _this_month_bar(page)
        assert re.fullmatch(r"\d{4}-\d{2}", month)
        assert bar_kg == pytest.approx(shares[who], abs=0.0005)
        [row] = _ledger_csv(page)
        assert (row["order_id"], row["role"], row["kind"]) == (str(order_id), who, "credit")
        assert float(row["kg_co2e"]) == pytest.approx(shares[who], abs=0.0005)
        assert row["methodology_version"] == trade["methodology_version"]
        assert page.get_by_role("link", name=f"Order {order_id}").is_visible()
        shots_of(browser, page, shots, f"02-my-carbon-{who}")

    buyer.goto(f"{live_server}/impact")
    assert buyer.get_by_role("heading", level=1).is_visible()
    impact = buyer_api.get("/api/v1/carbon/impact").json()
    assert impact["trades"] >= 1
    shots_of(browser, buyer, shots, "03-impact")
    buyer.goto(f"{live_server}/carbon/methodology?category=men-jeans")
    shots_of(browser, buyer, shots, "04-methodology")
    buyer.context.close()
    seller.context.close()
