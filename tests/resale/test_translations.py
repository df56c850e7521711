"""Both languages are complete: the catalogs hold every string of the code and the
templates, translated, and every page rendered in Chinese has no English left in it
(beyond brand names, units and codes), while in English it has no Chinese of ours."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import Session

from listings import service as listings_service
from listings.models import Condition, ListingStatus
from resale.core import i18n
from resale.core.db import utcnow
from resale.core.geo import PLACES_BY_SLUG
from resale.core.notifications import service as notifications
from resale.trade.payments.dependencies import gateway_dependency
from resale.trade.payments.dev_gateway import DevGateway
from resale.users.models import User
from tests.factories import (
    browser_login,
    csrf,
    make_completed_order,
    make_listing,
    make_paid_order,
    make_user,
)

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "resale" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")

# Words allowed in a Chinese page: names of things that have no Chinese name here (the
# brand, payment providers, units, file formats), and codes (all capitals: EUR, CO2e, API).
ALLOWED = {"resale", "kg", "km", "CO2e", "Stripe", "iPhone", "WebP"}
# Words of two letters or more (a single letter is a unit or a size: g, t, M, or the "e"
# of CO<sub>2</sub>e).
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*[A-Za-z0-9]")
# Codes: all capitals (EUR, CNY, API, JPEG) or with a digit (CO2e, SHA-256, a version hash).
CODE = re.compile(r"^[A-Z]{2,6}$|\d")
HAN = re.compile(r"[\u3400-\u9fff]")
EMAIL_OR_URL = re.compile(r"\S+@\S+|https?://\S+|/[\w/.-]+")


def _catalog() -> Any:
    with PO.open("rb") as fh:
        return read_po(fh)


def _extracted() -> set[str]:
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    return {
        msgid if isinstance(msgid, str) else msgid[0]
        for _file, _line, msgid, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map
        )
    }


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_the_chinese_catalog_holds_every_string_translated() -> None:
    catalog = _catalog()
    source = _extracted()
    held = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    assert not sorted(source - set(held)), "strings not in the catalog: run `make i18n`"
    assert not sorted(set(held) - source), "catalog entries no longer used: run `make i18n`"
    for msgid, message in held.items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"not translated: {msgid!r}"
        assert "fuzzy" not in message.flags, f"fuzzy: {msgid!r}"
        for string in strings:
            assert _placeholders(string) == _placeholders(msgid), f"placeholders differ: {msgid!r}"


def test_the_compiled_catalog_is_the_one_written() -> None:
    """`make catalogs` was run after the last edit of the .po file."""
    compiled = i18n.translations("zh-CN")
    for message in _catalog():
        if message.id and isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, message.id


# --- every page, in both languages --------------------------------------------------------


class _Text(HTMLParser):
    """What a person reads on a page: text and the attributes shown (titles, placeholders,
    labels, alternative text, button values), except scripts, styles and anything marked
    as another language on purpose (``lang="en"``, ``translate="no"``)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    SHOWN = ("title", "placeholder", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    @property
    def _skipping(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = (
            self._skipping
            or tag in {"script", "style", "template"}
            or (tag != "html" and (values.get("lang") or "").startswith("en"))
            or values.get("translate") == "no"
        )
        if not skip:
            for name in self.SHOWN:
                if values.get(name):
                    self.parts.append(str(values[name]))
            if (
                tag == "input"
                and values.get("type") in {"submit", "button"}
                and values.get("value")
            ):
                self.parts.append(str(values["value"]))
            if tag == "meta" and values.get("name") == "description":
                self.parts.append(str(values.get("content") or ""))
        if tag not in self.VOID:
            self._stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth][0] == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.parts.append(data)


def shown_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def english_left(html: str, content: Sequence[str] = ()) -> list[str]:
    """Latin words in a Chinese page that are not names, units, codes or what people wrote
    (``content``)."""
    found = []
    for part in shown_text(html):
        for text in sorted(content, key=len, reverse=True):
            part = part.replace(text, " ")
        for word in LATIN_WORD.findall(EMAIL_OR_URL.sub(" ", part)):
            if word not in ALLOWED and not CODE.search(word):
                found.append(f"{word!r} in {part.strip()[:80]!r}")
    return found


def chinese_left(html: str, content: Sequence[str]) -> list[str]:
    """Chinese in an English page, once what people wrote (``content``) is taken out."""
    found = []
    for part in shown_text(html):
        for text in sorted(content, key=len, reverse=True):
            part = part.replace(text, " ")
        if HAN.search(part):
            found.append(part.strip()[:80])
    return found


# What people wrote in this marketplace: it is Chinese, like the page around it.
TITLE = "九成新 捷安特 山地自行车"
DESCRIPTION = "车况很好，刹车灵敏，静安区可自提，可小刀。"
SELLER = "王小明"
BUYER = "李娜"
# Where the buyer's parcel goes (only its seller sees it).
ADDRESS_CN = {
    "full_name": BUYER,
    "line1": "南京西路1788号",
    "line2": "3号楼1201室",
    "postcode": "200040",
    "city": "上海",
    "country": "CN",
    "phone": "+86 138 0013 8000",
}
# What they said to each other about the bike.
QUESTION = "你好，车还在吗？可以小刀吗？"
ELSEWHERE = "加我微信，支付宝转账更方便"
MEETING_PLACE = "静安寺地铁站 1号口"
REVIEW_TEXT = "沙发很好，卖家很友好"
REVIEW_REPLY = "谢谢，欢迎再来"
# A report of the bike, and a listing held for review (it names a prohibited item).
REPORT_NOTE = "车架看起来是假的"
HELD_TITLE = "高仿 名牌手表"
CONTENT = [
    TITLE,
    DESCRIPTION,
    SELLER,
    BUYER,
    SELLER[:1],
    BUYER[:1],
    "小米 空气净化器",
    "宜家 毕利书柜",
    "沙发",
    "旧书",
    "自行车",
    "zixingche",
    "没有这个",
    "捷安特",
    "宜家 台灯",
    ADDRESS_CN["line1"],
    ADDRESS_CN["line2"],
    ADDRESS_CN["city"],
]


@pytest.fixture
def market(app: FastAPI, session: Session, tmp_path: Path) -> dict[str, Any]:
    """A seller and a buyer in Shanghai with something in every state: on sale, a draft,
    paid, completed (carbon credited), waiting for payment; a saved search, favourites and
    notifications."""
    gateway = DevGateway(path=tmp_path / "dev-payments.db")
    app.dependency_overrides[gateway_dependency] = lambda: gateway
    home = PLACES_BY_SLUG["shanghai-jingan"]
    where = {"place_name": home.name, "lat": home.lat, "lon": home.lon}
    seller = make_user(session, display_name=SELLER, **where)
    buyer = make_user(session, display_name=BUYER, **where)
    cny = {"currency": "CNY", "place_name": home.name, "lat": home.lat, "lon": home.lon}
    on_sale = make_listing(
        session,
        seller,
        title=TITLE,
        description=DESCRIPTION,
        category="mountain-bikes",
        condition=Condition.LIKE_NEW,
        price_cents=80000,
        brand="捷安特",
        shipping_cents=2000,  # the buy page asks for a delivery address too
        **cny,
    )
    make_listing(session, seller, status=ListingStatus.DRAFT, title="宜家 毕利书柜", **cny)
    paid = make_paid_order(
        session, gateway, seller=seller, buyer=buyer, title="小米 空气净化器", **cny
    )
    parcel = make_paid_order(
        session,
        gateway,
        seller=seller,
        buyer=buyer,
        title="宜家 台灯",
        fulfilment="shipping",
        address=ADDRESS_CN,
        **cny,
    )
    completed = make_completed_order(
        session,
        gateway,
        seller=seller,
        buyer=buyer,
        title="沙发",
        category="sofas",
        travel_mode="car",
        **cny,
    )
    waiting_listing = make_listing(session, seller, title="旧书", category="books", **cny)
    from carbon.estimate import Fulfilment
    from resale.trade.orders import service as orders

    assert waiting_listing.id is not None
    waiting, _ = orders.place_order(
        session=session,
        buyer=buyer,
        listing_id=waiting_listing.id,
        fulfilment=Fulfilment.PICKUP,
        gateway_name=gateway.name,
    )
    waiting, payment = orders.start_payment(
        session=session, order=waiting, buyer=buyer, gateway=gateway
    )
    with i18n.speaking("zh-CN"):  # saved from a page in Chinese: its name is Chinese
        saved, _new = listings_service.save_search(
            session=session, user=buyer, query="q=%E8%87%AA%E8%A1%8C%E8%BD%A6&max_price=100000"
        )
    listings_service.set_favorite(session=session, user=buyer, listing=on_sale, saved=True)
    # A conversation about the bike: a question, a message asking to pay elsewhere (its
    # warning), an offer answered with a counter, and a meeting proposed.
    from resale.conversations import service as conversations

    talk, _started = conversations.start(session=session, buyer=buyer, listing_id=on_sale.id or 0)
    conversations.send_text(session=session, conversation=talk, sender=buyer, body=QUESTION)
    conversations.send_text(session=session, conversation=talk, sender=seller, body=ELSEWHERE)
    offer = conversations.make_offer(
        session=session, conversation=talk, buyer=buyer, amount_cents=70000
    )
    conversations.answer_offer(
        session=session,
        conversation=talk,
        user=seller,
        offer_id=offer.id or 0,
        action=conversations.OfferAction.COUNTER,
        amount_cents=75000,
    )
    conversations.propose_meeting(
        session=session,
        conversation=talk,
        sender=seller,
        at=utcnow() + timedelta(days=2),
        place=MEETING_PLACE,
    )
    # And the completed trade's, with its system lines.
    conversations.for_order(session=session, order_id=completed.id or 0, viewer=buyer)
    # Another sofa sold, reviewed by both (so shown on their profiles, the seller answering).
    from resale.trust import service as trust

    reviewed = make_completed_order(
        session, gateway, seller=seller, buyer=buyer, title="沙发", category="sofas", **cny
    )
    buyer_review = trust.write_review(
        session=session,
        order_id=reviewed.id or 0,
        author=buyer,
        stars=5,
        text=REVIEW_TEXT,
        as_described=True,
    )
    trust.write_review(session=session, order_id=reviewed.id or 0, author=seller, stars=4)
    trust.reply(session=session, review_id=buyer_review.id or 0, user=seller, text=REVIEW_REPLY)
    notifications.tell(
        session,
        buyer.id or 0,
        "listing.match",
        "in a category you like",
        f"/listings/{on_sale.id}",
        key=f"listing:{on_sale.id}",
    )
    # The moderation desk (resale.moderation): the bike and a message reported, a listing
    # held for review at publishing, a dismissal in the log; seen by an admin.
    from resale.moderation import service as moderation
    from resale.moderation.models import Action, Reason, SubjectKind

    admin = make_user(session, display_name="管理员", is_admin=True, **where)
    moderation.report(
        session=session,
        reporter=buyer,
        kind=SubjectKind.LISTING,
        subject_id=on_sale.id or 0,
        reason=Reason.COUNTERFEIT,
        note=REPORT_NOTE,
    )
    [elsewhere] = [
        m for m in conversations.messages(session=session, conversation=talk) if m.body == ELSEWHERE
    ]
    moderation.report(
        session=session,
        reporter=buyer,
        kind=SubjectKind.MESSAGE,
        subject_id=elsewhere.id or 0,
        reason=Reason.SCAM,
    )
    moderation.report(
        session=session,
        reporter=seller,
        kind=SubjectKind.USER,
        subject_id=buyer.id or 0,
        reason=Reason.OTHER,
    )
    moderation.act(
        session=session,
        moderator=admin,
        kind=SubjectKind.USER,
        subject_id=buyer.id or 0,
        action=Action.DISMISS,
        reason=REPORT_NOTE,
        gateway=gateway,
    )
    drafted = make_listing(session, seller, status=ListingStatus.DRAFT, title=HELD_TITLE, **cny)
    held = listings_service.get_listing(session=session, listing_id=drafted.id or 0)
    listings_service.publish(session=session, listing=held)
    assert held.held_at is not None
    session.flush()
    return {
        "seller": seller,
        "buyer": buyer,
        "admin": admin,
        "pages": [
            f"/report?subject=listing&id={on_sale.id}",
            f"/report?subject=message&id={elsewhere.id}",
            f"/report?subject=user&id={seller.id}",
        ],
        "params": {
            "listing_id": on_sale.id,
            "order_id": completed.id,
            "search_id": saved.id,
            "conversation_id": talk.id,
            "ref": payment.ref,
            "user_id": seller.id,
        },
        "orders": [paid.id, parcel.id, completed.id, waiting.id],
        "content": [
            *CONTENT,
            saved.name,
            QUESTION,
            ELSEWHERE,
            MEETING_PLACE,
            REVIEW_TEXT,
            REVIEW_REPLY,
            REPORT_NOTE,
            HELD_TITLE,
            "管理员",
            "管",  # the admin's initial
            "高仿",  # the prohibited word the held listing matched
        ],  # the search's name, made in Chinese when saved
    }


SKIPPED = {
    "/docs",
    "/redoc",
    "/openapi.json",  # the API's reference, for developers
    "/messages/{conversation_id}/live",  # an event stream of the page's lines, not a page
}


def _pages(app: FastAPI, params: dict[str, Any]) -> Iterator[str]:
    """Every page of the app (GET routes outside the API), its path filled in; a new path
    parameter fails here until the fixture gives it a value."""
    for route in iter_route_contexts(app.routes):
        if not route.methods or "GET" not in route.methods or route.path.startswith("/api"):
            continue
        if route.path in SKIPPED:
            continue
        names = re.findall(r"{(\w+)}", route.path)
        missing = [name for name in names if name not in params]
        assert not missing, f"give the market fixture a value for {missing} ({route.path})"
        yield route.path.format(**params)


EXTRA_PAGES = [
    "/search?q=%E8%87%AA%E8%A1%8C%E8%BD%A6",  # 自行车
    "/search?q=zixingche&max_price=2000&sort=price_asc",
    "/search?q=%E6%B2%A1%E6%9C%89%E8%BF%99%E4%B8%AA",  # nothing found
    "/listings/999999999",  # not found
    "/nowhere",
]


def _visit_all(client: TestClient, session: Session, app: FastAPI, market: dict[str, Any]) -> Any:
    paths = [*_pages(app, market["params"]), *EXTRA_PAGES]
    paths += [f"/orders/{order_id}" for order_id in market["orders"]]
    paths += market.get("pages", [])
    for who in (None, market["buyer"], market["seller"], market.get("admin")):
        client.cookies.clear()
        if who is not None:
            browser_login(client, session, who)
        for path in paths:
            response = client.get(path)
            if response.headers.get("content-type", "").startswith("text/html"):
                yield f"{path} as {who.display_name if who else 'a visitor'}", response.text


def test_every_page_in_chinese_has_no_english_left(
    app: FastAPI, client: TestClient, session: Session, market: dict[str, Any]
) -> None:
    left: dict[str, list[str]] = {}
    count = 0
    client.headers["Accept-Language"] = "zh-CN,zh;q=0.9"
    for page, html in _visit_all(client, session, app, market):
        count += 1
        assert '<html lang="zh-CN">' in html, page
        words = english_left(html, CONTENT)
        if words:
            left[page] = words
    assert count > 40
    assert not left, "\n".join(f"{page}: {words[:8]}" for page, words in left.items())


def test_every_page_in_english_has_no_chinese_of_ours(
    app: FastAPI, client: TestClient, session: Session, market: dict[str, Any]
) -> None:
    left: dict[str, list[str]] = {}
    client.headers["Accept-Language"] = "en-GB,en;q=0.9"
    for page, html in _visit_all(client, session, app, market):
        assert '<html lang="en">' in html, page
        # The language switch names Chinese in Chinese; it is marked lang="zh-CN".
        found = [text for text in chinese_left(html, market["content"]) if text != "中文"]
        if found:
            left[page] = found
    assert not left, "\n".join(f"{page}: {found[:8]}" for page, found in left.items())


def test_forms_refused_in_chinese_say_why_in_chinese(
    client: TestClient, session: Session, market: dict[str, Any]
) -> None:
    client.headers["Accept-Language"] = "zh-CN"
    seller: User = market["seller"]
    browser_login(client, session, seller)
    page = client.post("/sell", data={"csrf_token": csrf(client, "/sell"), "title": ""})
    assert page.status_code == 422
    assert not english_left(page.text), english_left(page.text)
    client.cookies.clear()
    login = client.post(
        "/login",
        data={"csrf_token": csrf(client, "/login"), "email": "nobody@example.com", "password": "x"},
    )
    assert login.status_code in {400, 422}
    assert not english_left(login.text), english_left(login.text)


def test_the_english_check_catches_english(client: TestClient) -> None:
    """The checks above can fail: a Chinese page with an English sentence is caught."""
    html = '<html lang="zh-CN"><p>立即购买</p><p title="Buy now">Add to cart</p><p lang="en">ADEME Base</p></html>'
    assert english_left(html) == [
        "'Buy' in 'Buy now'",
        "'now' in 'Buy now'",
        "'Add' in 'Add to cart'",
        "'to' in 'Add to cart'",
        "'cart' in 'Add to cart'",
    ]
    assert chinese_left("<p>Buy 立即</p>", []) == ["Buy 立即"]
