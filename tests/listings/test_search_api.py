"""GET /api/v1/listings/search: parameters, the distance on every hit, pages, and 422s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from listings.models import Condition, Listing, ListingStatus
from resale.core.geo import haversine_km
from resale.users.models import User
from tests.factories import LYON, add_photo_rows, api_headers, make_listing, make_user, point_at

SEARCH = "/api/v1/listings/search"
ORIGIN = (48.8566, 2.3522)
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
POINT = {"lat": ORIGIN[0], "lon": ORIGIN[1]}


def listing(
    session: Session, seller: User, km: float = 1.0, bearing: float = 0.0, **fields: Any
) -> Listing:
    lat, lon = point_at(*ORIGIN, km, bearing)
    fields.setdefault("photos", 0)
    fields.setdefault("lat", lat)
    fields.setdefault("lon", lon)
    return make_listing(session, seller, **fields)


def lid(item: Listing) -> int:
    assert item.id is not None
    return item.id


def get(client: TestClient, params: Any = None, headers: dict[str, str] | None = None) -> Any:
    response = client.get(SEARCH, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def walk(
    client: TestClient, params: dict[str, Any], headers: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        body = get(client, {**params, **({"cursor": cursor} if cursor else {})}, headers)
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert len(body["items"]) == params["limit"]
    raise AssertionError("the walk never ended")


@pytest.fixture
def seller(session: Session) -> User:
    return make_user(session, display_name="Camille R.")


# --- results ------------------------------------------------------------------------------


def test_hits_carry_what_a_card_shows_and_the_exact_distance(
    session: Session, client: TestClient, seller: User
) -> None:
    lamp = listing(
        session,
        seller,
        km=3.2,
        bearing=40,
        title="Brass desk lamp",
        brand="Anglepoise",
        category="lighting",
        condition=Condition.LIKE_NEW,
        price_cents=4500,
        currency="EUR",
        place_name="Paris, Bastille",
        published_at=NOW,
    )
    add_photo_rows(session, lamp, 3, 1)
    body = get(client, {"q": "lamp", **POINT})
    assert body["sort"] == "best"
    assert body["origin"] == {"lat": ORIGIN[0], "lon": ORIGIN[1], "source": "query"}
    assert body["next_cursor"] is None
    [hit] = body["items"]
    session.refresh(lamp)
    assert hit["distance_km"] == pytest.approx(haversine_km(*ORIGIN, lamp.lat, lamp.lon), abs=1e-6)  # type: ignore[arg-type]
    assert abs(hit["distance_km"] - 3.2) < 1e-6  # placed 3.2 km away by the test
    key = f"fake-{lid(lamp)}-1"  # position 1 comes before position 3
    assert hit["photo"] == {
        "url": f"/media/{key}-display.jpg",
        "thumb_url": f"/media/{key}-thumb.jpg",
        "width": 80,
        "height": 60,
    }
    assert hit["seller"] == {"id": seller.id, "display_name": "Camille R."}
    assert {k: hit[k] for k in ("id", "title", "brand", "price_cents", "currency")} == {
        "id": lid(lamp),
        "title": "Brass desk lamp",
        "brand": "Anglepoise",
        "price_cents": 4500,
        "currency": "EUR",
    }
    assert (hit["category"], hit["category_label"]) == (
        "lighting",
        "Home & garden › Lamps & lighting",
    )
    assert (hit["condition"], hit["place"]) == ("like_new", "Paris, Bastille")
    assert datetime.fromisoformat(hit["published_at"]) == NOW
    assert "lat" not in hit and "lon" not in hit  # a listing's point is never sent


def test_every_hit_has_its_exact_distance(
    session: Session, client: TestClient, seller: User
) -> None:
    made = [
        listing(session, seller, km=km, bearing=km * 53)
        for km in (0.05, 0.9, 4.4, 17.0, 88.0, 420.0)
    ]
    for sort in ("best", "nearest", "newest", "price_asc", "price_desc"):
        body = get(client, {**POINT, "sort": sort, "limit": 100})
        by_id = {hit["id"]: hit["distance_km"] for hit in body["items"]}
        assert set(by_id) == {lid(m) for m in made}
        for item in made:
            session.refresh(item)
            want = haversine_km(*ORIGIN, item.lat, item.lon)  # type: ignore[arg-type]
            assert abs(by_id[lid(item)] - want) < 1e-6, sort


def test_a_visitor_without_a_point_gets_no_distance(
    session: Session, client: TestClient, seller: User
) -> None:
    listing(session, seller)
    body = get(client)
    assert body["origin"] is None
    assert [hit["distance_km"] for hit in body["items"]] == [None]


def test_a_signed_in_viewer_is_measured_from_home(
    session: Session, client: TestClient, seller: User
) -> None:
    near_lyon = listing(session, seller, lat=LYON["lat"] + 0.02, lon=LYON["lon"])
    in_paris = listing(session, seller, km=0.5)
    viewer = make_user(session, **LYON)
    headers = api_headers(session, viewer)
    body = get(client, {"sort": "nearest"}, headers)
    assert body["origin"] == {"lat": LYON["lat"], "lon": LYON["lon"], "source": "home"}
    assert [hit["id"] for hit in body["items"]] == [lid(near_lyon), lid(in_paris)]
    for hit, item in zip(body["items"], (near_lyon, in_paris), strict=True):
        session.refresh(item)
        want = haversine_km(LYON["lat"], LYON["lon"], item.lat, item.lon)  # type: ignore[arg-type]
        assert abs(hit["distance_km"] - want) < 1e-6
    # A radius needs no lat/lon: it is measured from home too.
    body = get(client, {"radius_km": 10}, headers)
    assert [hit["id"] for hit in body["items"]] == [lid(near_lyon)]
    # A point sent with the query wins over home.
    body = get(client, {**POINT, "sort": "nearest"}, headers)
    assert body["origin"]["source"] == "query"
    assert [hit["id"] for hit in body["items"]] == [lid(in_paris), lid(near_lyon)]


def test_a_viewer_without_a_home_is_like_a_visitor(
    session: Session, client: TestClient, seller: User
) -> None:
    listing(session, seller)
    viewer = make_user(session, place_name=None, lat=None, lon=None)
    headers = api_headers(session, viewer)
    body = get(client, {}, headers)
    assert body["origin"] is None and body["items"][0]["distance_km"] is None
    response = client.get(SEARCH, params={"sort": "nearest"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "sort"]


def test_filters_over_the_api(session: Session, client: TestClient, seller: User) -> None:
    other = make_user(session)
    sofa = listing(session, seller, km=2, title="Velvet sofa", category="sofas", price_cents=30000)
    chair = listing(
        session,
        seller,
        km=8,
        title="Velvet chair",
        category="chairs",
        condition=Condition.FAIR,
        price_cents=4000,
    )
    lamp = listing(
        session,
        other,
        km=40,
        title="Velvet lamp",
        category="lighting",
        condition=Condition.LIKE_NEW,
        price_cents=2500,
    )
    add_photo_rows(session, lamp, 0)
    listing(session, seller, title="Velvet sofa", status=ListingStatus.DRAFT)

    def found(params: Any) -> set[int]:
        return {hit["id"] for hit in get(client, params)["items"]}

    assert found({"q": "velvet"}) == {lid(sofa), lid(chair), lid(lamp)}
    assert found({"q": "velvet sofa"}) == {lid(sofa)}
    assert found({"category": "furniture"}) == {lid(sofa), lid(chair)}
    assert found({"category": "chairs"}) == {lid(chair)}
    assert found({"min_price": 2500, "max_price": 4000}) == {lid(chair), lid(lamp)}
    assert found([("condition", "fair"), ("condition", "good")]) == {lid(sofa), lid(chair)}
    assert found({"condition": "fair"}) == {lid(chair)}
    assert found({**POINT, "radius_km": 10}) == {lid(sofa), lid(chair)}
    assert found({**POINT, "radius_km": 5, "q": "velvet"}) == {lid(sofa)}
    assert found({"seller": other.id}) == {lid(lamp)}
    assert found({"with_photos": "true"}) == {lid(lamp)}
    assert found({"with_photos": "false"}) == {lid(sofa), lid(chair), lid(lamp)}


def test_a_price_bound_is_in_one_currency(
    session: Session, client: TestClient, seller: User
) -> None:
    euros = listing(session, seller, title="Oak stool", price_cents=3000, currency="EUR")
    yuan = listing(session, seller, title="Oak stool", price_cents=3000, currency="CNY")
    pounds = listing(session, seller, title="Oak stool", price_cents=3000, currency="GBP")
    bound = {"q": "stool", "max_price": 5000}
    assert {hit["id"] for hit in get(client, {**bound, "currency": "CNY"})["items"]} == {lid(yuan)}
    # No currency and no point: that of the language, euros in English and yuan in Chinese.
    assert {hit["id"] for hit in get(client, bound)["items"]} == {lid(euros)}
    chinese = get(client, bound, headers={"Accept-Language": "zh-CN"})
    assert {hit["id"] for hit in chinese["items"]} == {lid(yuan)}
    # From a point, that of the place nearest to it (London: pounds).
    london = {"lat": 51.5390, "lon": -0.1426}
    assert {hit["id"] for hit in get(client, {**bound, **london})["items"]} == {lid(pounds)}
    # No price bound: every currency.
    assert {hit["id"] for hit in get(client, {"q": "stool"})["items"]} == {
        lid(euros),
        lid(yuan),
        lid(pounds),
    }


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("nearest", lambda d: (d["km"], d["id"])),
        ("newest", lambda d: (-d["ts"], -d["id"])),
        ("price_asc", lambda d: (d["price"], d["id"])),
        ("price_desc", lambda d: (-d["price"], -d["id"])),
        # Best match without words, from a point: the distance bucket, then newest.
        ("best", lambda d: (_bucket(d["km"]), -d["ts"], -d["id"])),
    ],
)
def test_pages_through_the_api_in_every_sort(
    session: Session, client: TestClient, seller: User, sort: str, key: Any
) -> None:
    facts = []
    for n in range(17):
        km = (0.5, 1.5, 3.0, 7.0, 15.0, 30.0, 70.0, 150.0)[n % 8] + n / 100
        published = NOW - timedelta(hours=n % 5)  # ties in time
        price = 1000 * (n % 4 + 1)  # ties in price
        made = listing(
            session, seller, km=km, bearing=n * 21, published_at=published, price_cents=price
        )
        session.refresh(made)
        facts.append(
            {
                "id": lid(made),
                "km": haversine_km(*ORIGIN, made.lat, made.lon),  # type: ignore[arg-type]
                "ts": published.timestamp(),
                "price": price,
            }
        )
    want = [d["id"] for d in sorted(facts, key=key)]
    for params in ({**POINT, "sort": sort, "limit": 3}, {**POINT, "sort": sort, "limit": 1}):
        assert [hit["id"] for hit in walk(client, params)] == want
    within = [d["id"] for d in sorted(facts, key=key) if d["km"] <= 20]
    assert [
        hit["id"] for hit in walk(client, {**POINT, "sort": sort, "limit": 2, "radius_km": 20})
    ] == within


def _bucket(km: float) -> int:
    return sum(km >= edge for edge in (2, 5, 10, 20, 50, 100))


# --- bad parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"lat": 91, "lon": 0}, "lat"),
        ({"lat": -90.5, "lon": 0}, "lat"),
        ({"lat": 0, "lon": -181}, "lon"),
        ({"lat": 0, "lon": 180.01}, "lon"),
        ({"lat": "north", "lon": 0}, "lat"),
        ({"min_price": -1}, "min_price"),
        ({"max_price": -100}, "max_price"),
        ({"min_price": "cheap"}, "min_price"),
        ({"min_price": 5000, "max_price": 4999}, "min_price"),
        ({"sort": "sideways"}, "sort"),
        ({**POINT, "radius_km": 500.5}, "radius_km"),
        ({**POINT, "radius_km": 0}, "radius_km"),
        ({**POINT, "radius_km": -3}, "radius_km"),
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"category": "spaceships"}, "category"),
        ({"lat": 48.85}, "lon"),
        ({"lon": 2.35}, "lat"),
        ({"radius_km": 5}, "radius_km"),
        ({"sort": "nearest"}, "sort"),
        ({"cursor": "garbage"}, "cursor"),
        ({"q": "x" * 201}, "q"),
        ({"seller": "me"}, "seller"),
        ({"with_photos": "perhaps"}, "with_photos"),
        ({"max_price": 100, "currency": "XYZ"}, "currency"),
        ({"max_price": 100, "currency": "yuan"}, "currency"),
    ],
)
def test_bad_parameters_get_a_422_naming_them(
    client: TestClient, params: dict[str, Any], bad: str
) -> None:
    response = client.get(SEARCH, params=params)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    assert all(error["loc"][0] == "query" for error in detail), detail
    assert any(error["loc"][-1] == bad for error in detail), detail


def test_a_bad_condition_names_the_parameter(client: TestClient) -> None:
    response = client.get(SEARCH, params=[("condition", "good"), ("condition", "shiny")])
    assert response.status_code == 422
    [error] = response.json()["detail"]
    # A list parameter: the position of the bad value comes after the name.
    assert error["loc"][:2] == ["query", "condition"]


def test_a_cursor_from_another_sort_is_a_422(
    session: Session, client: TestClient, seller: User
) -> None:
    for n in range(3):
        listing(session, seller, km=n + 1, price_cents=1000 + n)
    cursor = get(client, {"sort": "price_asc", "limit": 1})["next_cursor"]
    assert cursor
    assert len(get(client, {"sort": "price_asc", "limit": 1, "cursor": cursor})["items"]) == 1
    for params in ({"sort": "price_desc"}, {"sort": "newest"}, {**POINT, "sort": "nearest"}):
        response = client.get(SEARCH, params={**params, "cursor": cursor})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_home_does_not_fill_in_half_a_point(session: Session, client: TestClient) -> None:
    viewer = make_user(session, **LYON)
    response = client.get(SEARCH, params={"lat": 45.0}, headers=api_headers(session, viewer))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "lon"]
