"""The search page: results, the filter form, field errors, "Load more", widening, the header box."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from fastapi.testclient import TestClient
from sqlmodel import Session

from listings.models import Condition, ListingStatus
from resale.core.geo import PLACES_BY_SLUG
from tests.factories import browser_login, csrf, make_listing, make_user

MARAIS = PLACES_BY_SLUG["paris-marais"]


def at(slug: str) -> dict[str, Any]:
    """Listing fields for an item at a listed place."""
    place = PLACES_BY_SLUG[slug]
    return {"place_name": place.name, "lat": place.lat, "lon": place.lon}


class _Form(HTMLParser):
    """What a browser would send if the form with this id were submitted as it stands
    (fields inside it, and fields elsewhere that name it with form="...")."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.depth = 0  # > 0 while inside the form element
        self.fields: dict[str, list[str]] = {}
        self.select: str | None = None
        self.select_in_form = False
        self.option: dict[str, str | None] | None = None
        self.first_option: str | None = None
        self.chosen: str | None = None

    def _mine(self, attrs: dict[str, str | None]) -> bool:
        return self.depth > 0 if "form" not in attrs else attrs["form"] == self.form_id

    def handle_starttag(self, tag: str, raw: list[tuple[str, str | None]]) -> None:
        attrs = dict(raw)
        if tag == "form":
            if self.depth or attrs.get("id") == self.form_id:
                self.depth += 1
            return
        if tag == "input" and attrs.get("name") and self._mine(attrs):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind in ("submit", "button"):
                return
            self.fields.setdefault(attrs["name"] or "", []).append(attrs.get("value") or "")
        elif tag == "select" and attrs.get("name"):
            self.select, self.select_in_form = attrs["name"], self._mine(attrs)
            self.first_option = self.chosen = None
        elif tag == "option" and self.select is not None:
            value = attrs.get("value") or ""
            if self.first_option is None:
                self.first_option = value
            if "selected" in attrs:
                self.chosen = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.depth:
            self.depth -= 1
        elif tag == "select" and self.select is not None:
            if self.select_in_form:
                value = self.chosen if self.chosen is not None else self.first_option
                self.fields.setdefault(self.select, []).append(value or "")
            self.select = None


def form_fields(html: str, form_id: str = "filters") -> dict[str, list[str]]:
    parser = _Form(form_id)
    parser.feed(html)
    return parser.fields


def card_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<a class="card__link" href="/listings/(\d+)"', html)]


def links(html: str, marker: str) -> list[str]:
    """The hrefs of the links carrying this attribute or class."""
    return [unescape(h) for h in re.findall(rf'<a [^>]*{marker}[^>]*href="([^"]+)"', html)] + [
        unescape(h) for h in re.findall(rf'<a [^>]*href="([^"]+)"[^>]*{marker}', html)
    ]


def heading(html: str) -> str:
    """The page's h1 as people read it (tags dropped, spaces collapsed)."""
    found = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert found is not None
    return " ".join(unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_results_show_as_cards_with_price_condition_place_and_distance(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session, **at("paris-bastille"))
    sofa = make_listing(
        session,
        seller,
        title="Grey velvet sofa",
        category="sofas",
        price_cents=24000,
        condition=Condition.LIKE_NEW,
    )
    make_listing(session, seller, title="Oak dining table")
    response = client.get("/search", params={"q": "sofa", "place": "paris-marais"})
    assert response.status_code == 200
    assert card_ids(response.text) == [sofa.id]
    card = response.text[response.text.index('<article class="card">') :]
    assert "Grey velvet sofa" in card
    assert "€240" in card
    assert "Like new" in card
    assert "Paris, Bastille" in card
    assert "<strong>under 1 km</strong>" in card
    assert re.search(r'<img src="/media/[^"]+-thumb\.jpg"', card)  # the first photo
    assert heading(response.text) == "Results for “sofa” near Paris, Le Marais"


def test_the_form_keeps_every_filter(client: TestClient, session: Session) -> None:
    params = {
        "q": "lamp",
        "category": "furniture",
        "min_price": "10",
        "max_price": "200.50",
        "condition": ["good", "fair"],
        "place": "paris-bastille",
        "radius": "10",
        "photos": "1",
        "sort": "price_asc",
    }
    response = client.get("/search", params=params)
    assert response.status_code == 200
    assert form_fields(response.text) == {
        "q": ["lamp"],  # the header's box belongs to the filter form on this page
        "category": ["furniture"],
        "min_price": ["10"],
        "max_price": ["200.50"],
        "currency": ["EUR"],  # that of the place the search is measured from
        "condition": ["good", "fair"],
        "place": ["paris-bastille"],
        "lat": [""],
        "lon": [""],
        "radius": ["10"],
        "photos": ["1"],
        "sort": ["price_asc"],
    }
    assert heading(response.text) == "“lamp” in Furniture within 10 km of Paris, Bastille"


def test_a_distance_from_elsewhere_is_kept_in_the_form(
    client: TestClient, session: Session
) -> None:
    response = client.get("/search", params={"place": "vincennes", "radius": "30"})
    assert form_fields(response.text)["radius"] == ["30"]
    assert "Within 30 km" in response.text


def test_field_errors_show_beside_the_fields_and_keep_what_was_typed(
    client: TestClient, session: Session
) -> None:
    response = client.get(
        "/search",
        params={
            "q": "chair",
            "min_price": "abc",
            "category": "spaceships",
            "place": "paris-marais",
            "radius": "900",
        },
    )
    assert response.status_code == 200
    text = response.text
    assert re.search(r'id="min_price-error">[^<]*number', text)
    assert re.search(r'id="category-error">Choose a category from the list', text)
    assert re.search(r'id="radius-error">Choose a distance up to 500 km', text)
    fields = form_fields(text)
    assert fields["min_price"] == ["abc"]
    assert fields["category"] == ["spaceships"]
    assert fields["radius"] == ["900"]
    assert 'aria-describedby="min_price-error"' in text
    assert '<details class="filters" open' in text  # on a phone the panel opens to show them
    assert "Save this search" not in text  # a search with errors cannot be saved


def test_prices_are_in_the_currency_of_the_place_and_a_bad_one_is_named(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session)
    make_listing(
        session,
        seller,
        title="捷安特 自行车",
        price_cents=80000,
        currency="CNY",
        **at("shanghai-xuhui"),
    )
    make_listing(
        session,
        seller,
        title="Giant bike",
        price_cents=8000,
        currency="EUR",
        **at("shanghai-xuhui"),
    )
    near_shanghai = {"max_price": "900", "place": "shanghai-jingan", "radius": "50"}
    page = client.get("/search", params=near_shanghai)
    assert form_fields(page.text)["currency"] == ["CNY"]
    assert "捷安特 自行车" in page.text and "Giant bike" not in page.text
    # A visitor speaking Chinese with no place: yuan.
    chinese = client.get(
        "/search", params={"max_price": "900"}, headers={"Accept-Language": "zh-CN,zh;q=0.9"}
    )
    assert form_fields(chinese.text)["currency"] == ["CNY"]
    bad = client.get("/search", params={**near_shanghai, "currency": "XYZ"})
    assert bad.status_code == 200
    assert re.search(r'id="currency-error">Choose a currency from the list', bad.text)
    assert form_fields(bad.text)["max_price"] == ["900"]


def test_sorting_by_distance_needs_a_place(client: TestClient, session: Session) -> None:
    response = client.get("/search", params={"place": "anywhere", "sort": "nearest"})
    assert re.search(r'id="sort-error">Choose a place to sort by distance', response.text)
    assert 'id="radius-error"' not in response.text


def test_nearest_first_and_only_within_the_radius(client: TestClient, session: Session) -> None:
    seller = make_user(session)
    far = make_listing(session, seller, title="Lamp in Versailles", **at("versailles"))
    near = make_listing(session, seller, title="Lamp in Bastille", **at("paris-bastille"))
    middle = make_listing(session, seller, title="Lamp in Vincennes", **at("vincennes"))
    make_listing(session, seller, title="Lamp in Lyon", **at("lyon-presquile"))
    within = client.get(
        "/search", params={"q": "lamp", "place": "paris-marais", "radius": "10", "sort": "nearest"}
    )
    assert card_ids(within.text) == [near.id, middle.id]
    assert heading(within.text) == "Results for “lamp” within 10 km of Paris, Le Marais"
    wider = client.get(
        "/search", params={"q": "lamp", "place": "paris-marais", "radius": "25", "sort": "nearest"}
    )
    assert card_ids(wider.text) == [near.id, middle.id, far.id]


def test_load_more_walks_every_page_without_duplicates(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session)
    made = {
        make_listing(session, seller, title=f"Paperback novel {n}", category="books", photos=0).id
        for n in range(30)
    }
    seen: list[int] = []
    url: str | None = "/search?q=novel&sort=newest"
    pages = 0
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200
        seen += card_ids(response.text)
        more = links(response.text, "data-load-more")
        if more:
            assert query_of(more[0])["q"] == ["novel"]  # the same search, one page on
            assert "cursor" in query_of(more[0])
        url = more[0] if more else None
        pages += 1
    assert pages == 2
    assert len(seen) == len(set(seen)) == 30
    assert set(seen) == made
    assert "back to the first ones" in response.text


def test_no_results_offer_a_wider_radius_and_fewer_filters(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session)
    listing = make_listing(
        session,
        seller,
        title="Bread maker",
        category="small-kitchen-appliances",
        **at("versailles"),
    )
    response = client.get(
        "/search",
        params={"q": "bread", "place": "paris-marais", "radius": "5", "condition": "good"},
    )
    assert card_ids(response.text) == []
    assert "Nothing within 5 km of Paris, Le Marais" in response.text
    wider = re.findall(r'<a class="btn [^"]*" href="([^"]+)">Within (\d+) km</a>', response.text)
    assert [km for _, km in wider] == ["10", "25", "50"]
    anywhere = re.search(r'href="([^"]+)">Anywhere</a>', response.text)
    assert anywhere is not None
    assert query_of(unescape(anywhere.group(1)))["place"] == ["anywhere"]
    assert "radius" not in query_of(unescape(anywhere.group(1)))
    # Each keeps the rest of the search, so the item 19 km away turns up within 25 km.
    url_25 = unescape(dict((km, url) for url, km in wider)["25"])
    assert query_of(url_25)["q"] == ["bread"]
    assert query_of(url_25)["condition"] == ["good"]
    assert card_ids(client.get(url_25).text) == [listing.id]
    assert card_ids(client.get(unescape(anywhere.group(1))).text) == [listing.id]
    # And a filter can be dropped: "Good" removed keeps the words, place and radius.
    chips = dict(
        (label, unescape(url))
        for url, label in re.findall(r'<a class="chip" href="([^"]+)"[^>]*>([^<]+)<', response.text)
    )
    without_good = query_of(chips["Good"])
    assert "condition" not in without_good
    assert without_good["radius"] == ["5"]
    assert without_good["q"] == ["bread"]


def test_the_search_box_is_in_the_top_bar_of_every_page(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session)
    listing = make_listing(session, seller)
    box = re.compile(
        r'<form class="sitesearch" method="get" action="/search"[^>]*>.*?name="q"', re.S
    )
    for path in ("/", "/login", "/register", f"/listings/{listing.id}", "/search", "/nowhere"):
        assert box.search(client.get(path).text), path
    browser_login(client, session, seller)
    for path in ("/me/listings", "/me/favorites", "/me/searches", "/sell", "/profile"):
        assert box.search(client.get(path).text), path
    # It keeps the words being searched for.
    assert 'name="q" value="oak table"' in client.get("/search?q=oak+table").text


def test_a_withdrawn_listing_vanishes_from_results_at_once(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session)
    listing = make_listing(session, seller, title="Brass floor lamp")
    assert card_ids(client.get("/search?q=brass").text) == [listing.id]
    browser_login(client, session, seller)
    withdrawn = client.post(
        f"/listings/{listing.id}/withdraw",
        data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert withdrawn.status_code == 303
    assert card_ids(client.get("/search?q=brass").text) == []
    client.cookies.clear()
    assert card_ids(client.get("/search?q=brass").text) == []


def test_drafts_and_sold_items_are_not_results(client: TestClient, session: Session) -> None:
    seller = make_user(session)
    make_listing(session, seller, title="Blue bike draft", status=ListingStatus.DRAFT)
    make_listing(session, seller, title="Blue bike sold", status=ListingStatus.SOLD)
    shown = make_listing(session, seller, title="Blue bike for sale")
    assert card_ids(client.get("/search?q=blue+bike").text) == [shown.id]


def test_a_category_group_covers_its_subcategories(client: TestClient, session: Session) -> None:
    seller = make_user(session)
    sofa = make_listing(session, seller, title="Sofa", category="sofas")
    desk = make_listing(session, seller, title="Desk", category="desks")
    make_listing(session, seller, title="Phone", category="phones")
    response = client.get("/search", params={"category": "furniture", "sort": "newest"})
    assert set(card_ids(response.text)) == {sofa.id, desk.id}
    assert heading(response.text) == "Furniture"


def test_home_is_the_default_place_for_someone_with_a_home(
    client: TestClient, session: Session
) -> None:
    user = make_user(session, **at("paris-marais"))
    browser_login(client, session, user)
    response = client.get("/search")
    assert form_fields(response.text)["place"] == ["home"]
    assert "My home (Paris, Le Marais)" in response.text
    assert heading(response.text) == "Everything for sale near Paris, Le Marais"


def test_visitors_are_asked_to_log_in_to_save_a_search(
    client: TestClient, session: Session
) -> None:
    response = client.get("/search", params={"q": "sofa", "place": "paris-marais"})
    login = re.search(
        r'href="/login\?next=([^"]+)"[^>]*>\s*<svg.*?</svg>\s*Log in to save', response.text, re.S
    )
    assert login is not None
    assert unquote(unescape(login.group(1))) == "/search?q=sofa&place=paris-marais&sort=best"
    user = make_user(session)
    browser_login(client, session, user)
    signed_in = client.get("/search", params={"q": "sofa", "place": "paris-marais"})
    assert "Log in to save" not in signed_in.text
    saved_form = form_fields(signed_in.text, "save-search")
    assert saved_form["query"] == ["q=sofa&place=paris-marais&sort=best"]
    assert saved_form["csrf_token"]


def test_the_home_page_links_to_the_matching_search(client: TestClient, session: Session) -> None:
    user = make_user(session, **at("paris-marais"))
    make_listing(session, user, title="Lamp")
    browser_login(client, session, user)
    home = client.get("/").text
    see_all = re.search(r'<a class="see-all" href="([^"]+)"', home)
    assert see_all is not None
    assert query_of(unescape(see_all.group(1))) == {
        "place": ["home"],
        "radius": ["30"],
        "sort": ["newest"],
    }
    assert 'href="/search?category=furniture"' in home
    client.cookies.clear()
    visitor = re.search(r'<a class="see-all" href="([^"]+)"', client.get("/").text)
    assert visitor is not None
    assert query_of(unescape(visitor.group(1))) == {"place": ["anywhere"], "sort": ["newest"]}
