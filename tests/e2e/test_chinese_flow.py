"""A whole trade in Chinese: switch to 中文, register, list a bike at ¥800 in Shanghai, find it
from another account by characters, by pinyin and by traditional characters, buy it,
complete the hand-over, and read My carbon, on a phone and a desktop."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.conftest import PHONE
from tests.e2e.people import PASSWORD, member, photo, shots_of
from tests.resale.test_translations import english_left

pytestmark = pytest.mark.e2e

TITLE = "九成新 捷安特 山地自行车"
DESCRIPTION = "车况很好，刹车灵敏，变速顺畅。静安区可自提，可小刀。"


def _in_chinese(page: Any, *content: str) -> None:
    """The page speaks Chinese, with no English left beyond what people wrote."""
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    left = english_left(page.content(), [TITLE, DESCRIPTION, *content])
    assert not left, (page.url, left[:10])


def _switch_to_chinese(page: Any) -> None:
    page.locator("footer .language__choice[value='zh-CN']").click()
    page.wait_for_function("document.documentElement.lang === 'zh-CN'")


def _submit(page: Any, form: str) -> None:
    page.locator(f"{form} button[type=submit]").first.click()


def test_a_trade_in_chinese_from_listing_to_my_carbon(
    live_server: str, browser: Any, shots: Path
) -> None:
    seller = browser.new_context(**PHONE).new_page()
    seller.set_default_timeout(15_000)
    seller.goto(f"{live_server}/register")
    assert seller.locator("html").get_attribute("lang") == "en"
    _switch_to_chinese(seller)
    assert seller.url == f"{live_server}/register"  # the address does not change
    seller.fill("#display_name", "王小明")
    seller.fill("#email", "wang.xiaoming@example.com")
    seller.fill("#password", PASSWORD)
    seller.select_option("#place_slug", "shanghai-jingan")
    _in_chinese(seller, "王小明")
    shots_of(browser, seller, shots, "01-register")
    _submit(seller, "form[action='/register']")
    seller.wait_for_url(f"{live_server}/")
    _in_chinese(seller, "王小明", "王")

    seller.goto(f"{live_server}/sell")
    assert seller.locator("#currency").input_value() == "CNY"  # what people price in there
    seller.set_input_files(
        "#photos",
        files=[{"name": "bike.jpg", "mimeType": "image/jpeg", "buffer": photo("#2f6f9f")}],
    )
    seller.fill("#title", TITLE)
    seller.fill("#description", DESCRIPTION)
    seller.select_option("#category", "mountain-bikes")
    seller.locator("label", has=seller.locator("input[name=condition][value=like_new]")).click()
    seller.fill("#price", "800")
    seller.fill("#brand", "捷安特")
    _in_chinese(seller, "王小明", "王", "捷安特", "bike.jpg")  # the chosen file's name
    shots_of(browser, seller, shots, "02-sell")
    seller.locator("button[name=action][value=publish]").click()
    seller.wait_for_url(re.compile(r".*/listings/\d+$"))
    listing_url = seller.url
    assert seller.locator(".detail__price").inner_text().strip() == "¥800.00"
    _in_chinese(seller, "王小明", "王", "捷安特")
    shots_of(browser, seller, shots, "03-listing-seller")

    member(live_server, "li.na@example.com", "李娜", "shanghai-xuhui")
    buyer = browser.new_context(**PHONE, locale="zh-CN").new_page()
    buyer.set_default_timeout(15_000)
    buyer.goto(f"{live_server}/login")
    assert buyer.locator("html").get_attribute("lang") == "zh-CN"  # from Accept-Language
    buyer.fill("#email", "li.na@example.com")
    buyer.fill("#password", PASSWORD)
    _submit(buyer, "form[action='/login']")
    buyer.wait_for_url(f"{live_server}/")

    for query in ("自行车", "zixingche", "自行車"):
        buyer.fill("#site-q", query)
        buyer.locator("#site-q").press("Enter")
        buyer.wait_for_url(f"{live_server}/search?*")
        card = buyer.locator(".card", has_text=TITLE)
        assert card.is_visible(), query
        assert "¥800.00" in card.inner_text()
        _in_chinese(buyer, query, "李娜", "李", "捷安特")
        shots_of(browser, buyer, shots, f"04-search-{quote(query)}")

    buyer.locator(".card", has_text=TITLE).locator("a").first.click()
    buyer.wait_for_url(listing_url)
    _in_chinese(buyer, "王小明", "李娜", "李", "捷安特")
    shots_of(browser, buyer, shots, "05-listing-buyer")
    buyer.locator(f"a[href='{listing_url.removeprefix(live_server)}/buy']").click()
    buyer.wait_for_url(f"{listing_url}/buy")
    buyer.locator("label", has=buyer.locator("input[name=fulfilment][value=pickup]")).click()
    _in_chinese(buyer, "李娜", "李")
    shots_of(browser, buyer, shots, "06-buy")
    _submit(buyer, f"form[action='{listing_url.removeprefix(live_server)}/buy']")
    buyer.wait_for_url("**/payments/dev/devpay_*")
    assert "¥800.00" in buyer.locator(".devpay__amount").inner_text()
    _in_chinese(buyer, "李娜", "李")
    _submit(buyer, "form[action$='/succeed']")
    buyer.wait_for_url(f"{live_server}/orders/*")
    order_url = buyer.url
    code = re.sub(r"\D", "", buyer.locator(".code-card__digits").inner_text())
    assert len(code) == 6
    _in_chinese(buyer, "王小明", "李娜", "李")
    shots_of(browser, buyer, shots, "07-order-paid")

    seller.goto(order_url)
    seller.fill("#code", code)
    _in_chinese(seller, "王小明", "李娜", "王")
    _submit(seller, "form.code-form")
    seller.wait_for_url(order_url)
    assert seller.locator(".flash").count() == 1
    _in_chinese(seller, "王小明", "李娜", "王")
    shots_of(browser, seller, shots, "08-order-completed-seller")

    buyer.goto(f"{live_server}/me/carbon")
    _in_chinese(buyer, "李娜", "李")
    shots_of(browser, buyer, shots, "09-my-carbon")
    seller.context.close()
    buyer.context.close()
