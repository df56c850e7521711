"""Speaking the request's language: how it is chosen, the API's error messages in it (with
``loc`` and ``type`` unchanged), the footer switch, and money, numbers and dates for each
locale.

The Chinese assertions on translated words need the compiled zh-CN catalog (``make
catalogs``); the formatting ones need none (Babel's locale data).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, EmailStr, Field, ValidationError
from sqlmodel import Session

from resale.core import handlers, i18n, taxonomy, web
from resale.core.geo import NEAR_CITY, PLACES, place_name_for
from resale.core.i18n import choose, error_message, from_accept_language, speaking
from tests.factories import browser_login, csrf, make_user

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
HAN = re.compile(r"[\u3400-\u9fff]")
BAD_BODY: dict[str, Any] = {"email": "not-an-email", "password": "short", "lat": "north"}


def _register(client: TestClient, headers: dict[str, str] | None = None) -> Any:
    return client.post("/api/v1/auth/register", json=BAD_BODY, headers=headers or {})


def _shape(detail: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    return [(error["loc"], error["type"]) for error in detail]


# --- The API's validation errors ---------------------------------------------------------


def test_in_english_the_api_says_pydantics_own_messages(client: TestClient) -> None:
    answer = _register(client)

    assert answer.status_code == 422
    detail = answer.json()["detail"]
    by_field = {error["loc"][-1]: error for error in detail}
    assert by_field["display_name"] == {
        "type": "missing",
        "loc": ["body", "display_name"],
        "msg": "Field required",
    }
    assert by_field["password"]["msg"] == "String should have at least 8 characters"
    assert by_field["email"]["msg"].startswith("value is not a valid email address: ")
    assert by_field["lat"]["msg"] == (
        "Input should be a valid number, unable to parse string as a number"
    )
    assert answer.headers["content-language"] == "en"
    assert not any(HAN.search(error["msg"]) for error in detail)


def test_in_chinese_the_api_says_the_same_errors_in_chinese(client: TestClient) -> None:
    english = _register(client).json()["detail"]

    answer = _register(client, ZH)

    assert answer.status_code == 422
    assert answer.headers["content-language"] == "zh-CN"
    chinese = answer.json()["detail"]
    assert _shape(chinese) == _shape(english)  # the same loc and type, in the same order
    assert all(HAN.search(error["msg"]) for error in chinese), chinese
    by_field = {error["loc"][-1]: error["msg"] for error in chinese}
    assert by_field["display_name"] == "此项为必填项"
    assert by_field["password"] == "至少需要 8 个字符"
    assert by_field["email"] == "这不是有效的 e-mail 地址。"
    assert by_field["lat"] == "应为有效的数字，无法将文本解析为数字"


def test_our_own_validators_lose_the_english_prefix_in_chinese(client: TestClient) -> None:
    body = {"email": "kim@example.com", "password": "a good password", "display_name": "  "}

    english = client.post("/api/v1/auth/register", json=body).json()["detail"]
    chinese = client.post("/api/v1/auth/register", json=body, headers=ZH).json()["detail"]

    assert english[0]["msg"] == "Value error, this field is required"
    assert _shape(chinese) == _shape(english)
    assert chinese[0]["msg"] == "此项为必填项"


def test_a_domain_error_is_said_in_chinese(client: TestClient, session: Session) -> None:
    user = make_user(session)
    browser_login(client, session, user)
    forged = {"csrf_token": "forged", "language": "en"}

    english = client.post("/language", data=forged, follow_redirects=False)
    chinese = client.post("/language", data=forged, headers=ZH, follow_redirects=False)
    missing_en = client.get("/api/v1/no-such-thing")
    missing_zh = client.get("/api/v1/no-such-thing", headers=ZH)
    page_zh = client.get("/no-such-page", headers=ZH)

    assert english.status_code == chinese.status_code == 403
    assert "This form had expired" in english.text
    assert "此表单已过期或来源不明。请刷新页面后重试。" in chinese.text
    assert '<html lang="zh-CN">' in chinese.text
    assert missing_en.status_code == missing_zh.status_code == 404
    assert missing_en.json() == {"detail": "Not Found"}
    assert missing_zh.json() == {"detail": "未找到"}
    assert "找不到这个页面。" in page_zh.text


def test_the_500_is_said_in_the_browsers_language_too() -> None:
    """Starlette answers it from outside every middleware, the language's one too."""
    app = FastAPI()
    handlers.install_handlers(app)
    app.add_middleware(i18n.LocaleMiddleware)

    @app.get("/api/v1/boom")
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("broken")

    client = TestClient(app, raise_server_exceptions=False)

    assert client.get("/api/v1/boom").json() == {"detail": "Internal server error"}
    assert client.get("/api/v1/boom", headers=ZH).json() == {"detail": "服务器内部错误"}
    page = client.get("/boom", headers=ZH)
    assert page.status_code == 500
    assert '<html lang="zh-CN">' in page.text and "我们这边出了点问题" in page.text


def test_error_message_covers_the_usual_types_in_chinese() -> None:
    class Form(BaseModel):
        email: EmailStr
        title: str = Field(min_length=3, max_length=5)
        count: int = Field(ge=1, le=10)
        ratio: float = Field(gt=0, lt=1)
        tags: list[str] = Field(max_length=1)
        size: int = Field(multiple_of=5)

    try:
        Form.model_validate(
            {
                "email": "x",
                "title": "toolong",
                "count": 11,
                "ratio": 1,
                "tags": ["a", "b"],
                "size": 7,
            }
        )
    except ValidationError as exc:
        errors = exc.errors()
    english = [error_message(error) for error in errors]
    with speaking("zh-CN"):
        chinese = [error_message(error) for error in errors]

    assert english == [str(error["msg"]) for error in errors]
    assert chinese == [
        "这不是有效的 e-mail 地址。",
        "最多 5 个字符",
        "应小于或等于 10",
        "应小于 1",
        "最多 1 项，当前为 2 项",
        "应为 5 的倍数",
    ]


def test_error_message_fills_a_list_of_choices_and_keeps_unknown_types() -> None:
    literal = {
        "type": "literal_error",
        "msg": "Input should be 'a' or 'b'",
        "ctx": {"expected": "'a' or 'b'"},
    }
    unknown = {"type": "no_such_type", "msg": "Something odd", "ctx": {}}
    broken = {"type": "greater_than", "msg": "Input should be greater than 0", "ctx": {}}

    with speaking("zh-CN"):
        assert error_message(literal) == "应为 'a'或'b'"
        assert error_message(unknown) == "Something odd"
        assert error_message(broken) == "Input should be greater than 0"  # no ctx to fill
    assert error_message(literal) == "Input should be 'a' or 'b'"


def test_form_field_errors_follow_the_language() -> None:
    class Form(BaseModel):
        title: str = Field(min_length=3)

    try:
        Form.model_validate({})
    except ValidationError as exc:
        refusal = exc
    assert web.field_errors(refusal) == {"title": "Field required"}
    with speaking("zh-CN"):
        assert web.field_errors(refusal) == {"title": "此项为必填项"}


# --- Names from code tables --------------------------------------------------------------


def test_categories_keep_their_english_name_and_say_their_label() -> None:
    sofas = taxonomy.get("sofas")
    assert sofas is not None
    assert sofas.name == sofas.label == "Sofas & armchairs"
    assert taxonomy.label("sofas") == "Furniture › Sofas & armchairs"
    with speaking("zh-CN"):
        assert sofas.name == "Sofas & armchairs"
        assert sofas.label == "沙发和扶手椅"
        assert taxonomy.label("sofas") == "家具 › 沙发和扶手椅"


def test_every_city_has_a_near_name_for_points_between_places() -> None:
    assert {place.city for place in PLACES} <= set(NEAR_CITY)
    lyon = next(p for p in PLACES if p.slug == "lyon-presquile")
    assert place_name_for(lyon.lat + 0.1, lyon.lon) == "Near Lyon"  # about 11 km away
    assert place_name_for(0.0, -30.0) == "Elsewhere"


# --- Choosing the language ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "tag"),
    [
        (None, None),
        ("", None),
        ("en-GB,en;q=0.8", "en"),
        ("zh-CN", "zh-CN"),
        ("zh-TW", "zh-CN"),
        ("zh-Hant", "zh-CN"),
        ("zh_HK", "zh-CN"),
        ("fr-FR,fr;q=0.9,zh;q=0.8,en;q=0.7", "zh-CN"),
        ("en;q=0.5,zh-CN;q=0.9", "zh-CN"),
        ("zh;q=0,en;q=0.1", "en"),
        ("de,fr;q=0.5", None),
        ("en;q=bogus,zh", "zh-CN"),
    ],
)
def test_accept_language_is_read_by_its_q_values(header: str | None, tag: str | None) -> None:
    assert from_accept_language(header) == tag


def test_the_setting_comes_before_the_cookie_before_the_browser() -> None:
    assert choose(setting="en", cookie="zh-CN", accept_language="zh-CN") == "en"
    assert choose(setting="zh-CN", cookie="en", accept_language="en") == "zh-CN"
    assert choose(setting=None, cookie="zh-CN", accept_language="en") == "zh-CN"
    assert choose(setting=None, cookie="en", accept_language="zh-CN") == "en"
    assert choose(setting=None, cookie="klingon", accept_language="zh-TW") == "zh-CN"
    assert choose(setting=None, cookie=None, accept_language="de") == "en"
    assert choose(setting=None, cookie=None, accept_language=None) == "en"


def test_a_page_says_its_language_at_the_same_address(client: TestClient) -> None:
    english = client.get("/carbon/methodology")
    chinese = client.get("/carbon/methodology", headers=ZH)
    client.cookies.set(i18n.COOKIE, "zh-CN")
    by_cookie = client.get("/carbon/methodology", headers={"Accept-Language": "en"})

    assert '<html lang="en">' in english.text
    assert '<html lang="zh-CN">' in chinese.text
    assert '<html lang="zh-CN">' in by_cookie.text
    assert english.url == chinese.url == by_cookie.url
    assert "accept-language" in chinese.headers["vary"].lower()


def test_the_users_setting_comes_before_the_cookie(client: TestClient, session: Session) -> None:
    user = make_user(session, language="zh-CN")
    browser_login(client, session, user)
    client.cookies.set(i18n.COOKIE, "en")

    page = client.get("/profile", headers={"Accept-Language": "en"})

    assert '<html lang="zh-CN">' in page.text
    assert page.headers["content-language"] == "zh-CN"


def test_the_footer_switch_sets_the_cookie(client: TestClient, session: Session) -> None:
    form = {"csrf_token": csrf(client, "/impact"), "language": "zh-CN", "next": "/impact?x=1"}

    answer = client.post("/language", data=form, follow_redirects=False)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/impact?x=1"  # the same page, the same address
    assert client.cookies.get(i18n.COOKIE) == "zh-CN"
    assert '<html lang="zh-CN">' in client.get("/impact").text


def test_the_footer_switch_signed_in_keeps_the_users_setting(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    browser_login(client, session, user)
    form = {"csrf_token": csrf(client, "/profile"), "language": "zh-CN", "next": "/profile"}

    answer = client.post("/language", data=form, follow_redirects=False)

    assert answer.status_code == 303
    session.refresh(user)
    assert user.language == "zh-CN"
    assert client.cookies.get(i18n.COOKIE) == "zh-CN"
    client.cookies.delete(i18n.COOKIE)
    assert '<html lang="zh-CN">' in client.get("/profile").text  # by the setting alone


def test_the_footer_switch_refuses_a_form_without_its_token(client: TestClient) -> None:
    answer = client.post("/language", data={"language": "zh-CN"}, follow_redirects=False)
    assert answer.status_code == 403
    assert client.cookies.get(i18n.COOKIE) is None


# --- Formatting for the locale (Babel's data: no catalog needed) -------------------------


def test_money_for_each_locale() -> None:
    assert i18n.money(1250, "EUR") == "€12.50"
    assert i18n.money(850, "GBP") == "£8.50"
    assert i18n.money(129900, "CNY") == "CN¥1,299.00"
    with speaking("zh-CN"):
        assert i18n.money(129900, "CNY") == "¥1,299.00"
        assert i18n.money(1250, "EUR") == "€12.50"
    assert web.format_money(12000, "EUR") == "€120.00"


def test_numbers_for_each_locale() -> None:
    assert i18n.number(1234567) == "1,234,567"
    assert i18n.number(2.345, digits=1) == "2.3"
    with speaking("zh-CN"):
        assert i18n.number(1234567) == "1,234,567"
    assert web.format_co2(12840) == "12.8 t"


def test_dates_for_each_locale() -> None:
    when = date(2026, 12, 1)
    assert i18n.day(when) == "December 1, 2026"
    assert i18n.day(None) == ""
    with speaking("zh-CN"):
        assert i18n.day(when) == "2026年12月1日"
        assert i18n.day(datetime(2026, 12, 1, 9, 30, tzinfo=UTC)) == "2026年12月1日"
        assert "2026" in i18n.moment(datetime(2026, 12, 1, 9, 30, tzinfo=UTC))
