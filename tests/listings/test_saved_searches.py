"""Saved searches: saving, counting new matches since the last visit, opening, deleting, the API."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from listings import saved_searches
from listings.models import SavedSearch
from resale.core.db import utcnow
from resale.core.errors import Conflict, InvalidInput
from resale.core.geo import PLACES_BY_SLUG
from resale.users.models import User
from tests.factories import api_headers, browser_login, csrf, make_listing, make_user

LAMPS_NEAR_MARAIS = "q=lamp&place=paris-marais&radius=5&sort=best"


def at(slug: str) -> dict[str, Any]:
    place = PLACES_BY_SLUG[slug]
    return {"place_name": place.name, "lat": place.lat, "lon": place.lon}


def long_ago() -> dict[str, Any]:
    return {"published_at": utcnow() - timedelta(days=3)}


def saved_rows(session: Session, user: User) -> list[SavedSearch]:
    session.expire_all()
    return list(session.exec(select(SavedSearch).where(SavedSearch.user_id == user.id)))


def save_through_page(client: TestClient, query: str) -> Any:
    return client.post(
        "/me/searches",
        data={"csrf_token": csrf(client), "query": query},
        follow_redirects=False,
    )


def badges(html: str) -> list[str]:
    return re.findall(r'<span class="badge badge--new">([^<]+)</span>', html)


def test_saving_a_search_from_its_page_and_saving_it_again(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    browser_login(client, session, user)
    page = client.get("/search?" + LAMPS_NEAR_MARAIS)
    assert "Save this search" in page.text
    response = save_through_page(client, LAMPS_NEAR_MARAIS)
    assert response.status_code == 303
    assert response.headers["location"] == "/search?" + LAMPS_NEAR_MARAIS
    [saved] = saved_rows(session, user)
    assert saved.query == LAMPS_NEAR_MARAIS
    assert saved.name == "lamp · within 5 km of Paris, Le Marais"
    after = client.get(response.headers["location"])
    assert "Search saved." in after.text
    assert "Save this search" not in after.text  # it shows as saved instead
    assert 'href="/me/searches"' in after.text
    again = save_through_page(client, LAMPS_NEAR_MARAIS)
    assert again.status_code == 303
    assert "already saved" in client.get(again.headers["location"]).text
    assert len(saved_rows(session, user)) == 1


def test_the_same_search_spelled_differently_is_one_saved_search(session: Session) -> None:
    user = make_user(session)
    first, created = saved_searches.save_search(
        session=session,
        user=user,
        query="?condition=good&condition=fair&min_price=12,5&radius=10.0&place=vincennes&q=%20lamp",
    )
    assert created
    second, created_again = saved_searches.save_search(
        session=session,
        user=user,
        query="q=lamp&min_price=12.50&condition=fair&condition=good&place=vincennes&radius=10",
    )
    assert not created_again
    assert second.id == first.id
    assert first.query == (
        "q=lamp&min_price=12.50&currency=EUR&condition=good&condition=fair&place=vincennes&radius=10&sort=best"
    )
    assert first.name == "lamp · price from €12.50 · Good / Fair · within 10 km of Vincennes"
    assert len(saved_rows(session, user)) == 1


def test_a_search_in_yuan_keeps_its_currency(session: Session) -> None:
    user = make_user(session)
    saved, _ = saved_searches.save_search(
        session=session, user=user, query="q=自行车&max_price=800&currency=cny"
    )
    assert "currency=CNY" in saved.query
    assert "¥800" in saved.name
    seller = make_user(session)
    make_listing(session, seller, title="捷安特 自行车", price_cents=60000, currency="CNY")
    make_listing(session, seller, title="自行车 Giant", price_cents=6000, currency="EUR")
    [counted] = saved_searches.saved_searches(session=session, user=user)
    assert counted.new_count == 1  # the bike priced in euros is not under 800 yuan


def test_a_search_with_errors_cannot_be_saved(session: Session) -> None:
    user = make_user(session)
    with pytest.raises(InvalidInput) as refused:
        saved_searches.save_search(session=session, user=user, query="q=lamp&radius=900")
    assert refused.value.field == "query"
    assert "radius" in refused.value.message
    assert saved_rows(session, user) == []


def test_new_listings_are_counted_until_the_search_is_opened(
    client: TestClient, session: Session
) -> None:
    buyer = make_user(session, **at("paris-montmartre"))
    seller = make_user(session, **at("paris-bastille"))
    make_listing(session, seller, title="Old brass lamp", **long_ago())
    browser_login(client, session, buyer)
    save_through_page(client, LAMPS_NEAR_MARAIS)
    [saved] = saved_rows(session, buyer)
    assert badges(client.get("/me/searches").text) == []
    assert "Nothing new" in client.get("/me/searches").text

    make_listing(session, seller, title="Green desk lamp")  # matches: counted
    make_listing(session, seller, title="Green desk")  # other words
    make_listing(session, seller, title="Lamp far away", **at("versailles"))  # 19 km away
    page = client.get("/me/searches")
    assert badges(page.text) == ["1 new"]
    assert "lamp · within 5 km of Paris, Le Marais" in page.text

    make_listing(session, seller, title="Reading lamp")
    assert badges(client.get("/me/searches").text) == ["2 new"]

    opened = client.get(f"/me/searches/{saved.id}/open", follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == "/search?" + LAMPS_NEAR_MARAIS
    assert badges(client.get("/me/searches").text) == []


def test_a_search_near_home_follows_the_home(session: Session) -> None:
    user = make_user(session, **at("paris-marais"))
    seller = make_user(session, **at("lyon-presquile"))
    saved, _ = saved_searches.save_search(session=session, user=user, query="place=home&radius=5")
    assert saved.name == "Everything within 5 km of home"
    make_listing(session, seller, title="Bike in Lyon")
    [status] = saved_searches.saved_searches(session=session, user=user)
    assert status.new_count == 0
    user.place_name, user.lat, user.lon = at("lyon-croix-rousse").values()
    session.add(user)
    session.flush()
    [status] = saved_searches.saved_searches(session=session, user=user)
    assert status.new_count == 1


def test_your_own_new_listings_are_not_news_to_you(session: Session) -> None:
    user = make_user(session, **at("paris-marais"))
    neighbour = make_user(session, **at("paris-bastille"))
    saved_searches.save_search(session=session, user=user, query=LAMPS_NEAR_MARAIS)
    make_listing(session, user, title="My brass lamp", **at("paris-marais"))
    [status] = saved_searches.saved_searches(session=session, user=user)
    assert status.new_count == 0
    make_listing(session, neighbour, title="Paper lamp", **at("paris-bastille"))
    [status] = saved_searches.saved_searches(session=session, user=user)
    assert status.new_count == 1


def test_the_badge_says_99_plus_above_the_cap(client: TestClient, session: Session) -> None:
    user = make_user(session)
    seller = make_user(session)
    saved_searches.save_search(session=session, user=user, query="q=novel&place=anywhere")
    for n in range(saved_searches.NEW_COUNT_CAP + 1):
        make_listing(session, seller, title=f"Crime novel {n}", category="books", photos=0)
    [status] = saved_searches.saved_searches(session=session, user=user)
    assert status.capped
    browser_login(client, session, user)
    assert badges(client.get("/me/searches").text) == ["99+ new"]


def test_nobody_else_can_open_or_delete_your_saved_search(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session)
    saved, _ = saved_searches.save_search(session=session, user=owner, query=LAMPS_NEAR_MARAIS)
    seen_at = saved.last_seen_at
    other = make_user(session)
    browser_login(client, session, other)
    assert client.get(f"/me/searches/{saved.id}/open", follow_redirects=False).status_code == 404
    deleted = client.post(
        f"/me/searches/{saved.id}/delete",
        data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert deleted.status_code == 404
    headers = api_headers(session, other)
    assert client.delete(f"/api/v1/me/searches/{saved.id}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/me/searches/{saved.id}/seen", headers=headers).status_code == 404
    assert client.get("/api/v1/me/searches", headers=headers).json() == []
    [kept] = saved_rows(session, owner)
    assert kept.last_seen_at == seen_at


def test_deleting_a_saved_search_from_the_page(client: TestClient, session: Session) -> None:
    user = make_user(session)
    saved, _ = saved_searches.save_search(session=session, user=user, query=LAMPS_NEAR_MARAIS)
    browser_login(client, session, user)
    assert "lamp · within 5 km of Paris, Le Marais" in client.get("/me/searches").text
    response = client.post(
        f"/me/searches/{saved.id}/delete",
        data={"csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/me/searches"
    page = client.get("/me/searches").text
    assert "Saved search deleted." in page
    assert "No saved searches yet" in page
    assert saved_rows(session, user) == []


def test_saved_searches_need_a_login(client: TestClient, session: Session) -> None:
    response = client.get("/me/searches", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert client.get("/api/v1/me/searches").status_code == 401
    assert client.post("/api/v1/me/searches", json={"query": "q=lamp"}).status_code == 401


def test_at_most_50_saved_searches(client: TestClient, session: Session) -> None:
    user = make_user(session)
    for n in range(saved_searches.MAX_SAVED_SEARCHES):
        saved_searches.save_search(session=session, user=user, query=f"q=lamp{n}")
    with pytest.raises(Conflict) as refused:
        saved_searches.save_search(session=session, user=user, query="q=one+more")
    assert "50" in refused.value.message
    # Saving one of the 50 again is still fine: it only refreshes it.
    _, created = saved_searches.save_search(session=session, user=user, query="q=lamp7")
    assert not created

    response = client.post(
        "/api/v1/me/searches", json={"query": "q=one+more"}, headers=api_headers(session, user)
    )
    assert response.status_code == 409
    assert response.json()["detail"][0]["loc"] == ["body", "query"]
    browser_login(client, session, user)
    page = save_through_page(client, "q=one+more")
    assert page.status_code == 303
    assert "up to 50 saved searches" in client.get(page.headers["location"]).text
    assert len(saved_rows(session, user)) == saved_searches.MAX_SAVED_SEARCHES


def test_the_api_lists_saves_marks_seen_and_deletes(client: TestClient, session: Session) -> None:
    user = make_user(session)
    seller = make_user(session, **at("paris-bastille"))
    headers = api_headers(session, user)
    created = client.post(
        "/api/v1/me/searches", json={"query": "q=lamp&place=paris-marais&radius=5"}, headers=headers
    )
    assert created.status_code == 201
    body = created.json()
    assert body["query"] == LAMPS_NEAR_MARAIS
    assert body["url"] == "/search?" + LAMPS_NEAR_MARAIS
    assert body["name"] == "lamp · within 5 km of Paris, Le Marais"
    assert body["new_count"] == 0
    again = client.post("/api/v1/me/searches", json={"query": LAMPS_NEAR_MARAIS}, headers=headers)
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]

    make_listing(session, seller, title="Desk lamp")
    [listed] = client.get("/api/v1/me/searches", headers=headers).json()
    assert (listed["id"], listed["new_count"], listed["new_count_capped"]) == (body["id"], 1, False)

    seen = client.post(f"/api/v1/me/searches/{body['id']}/seen", headers=headers)
    assert seen.status_code == 200
    assert client.get("/api/v1/me/searches", headers=headers).json()[0]["new_count"] == 0

    deleted = client.delete(f"/api/v1/me/searches/{body['id']}", headers=headers)
    assert deleted.status_code == 204
    assert client.get("/api/v1/me/searches", headers=headers).json() == []
    gone = client.delete(f"/api/v1/me/searches/{body['id']}", headers=headers)
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"query": "q=lamp&radius=900&place=vincennes"}, "radius"),
        ({"query": "category=spaceships"}, "category"),
        ({"query": "min_price=abc"}, "min_price"),
        ({"query": "q=" + "x" * 2001}, "at most 2000"),
        ({}, "Field required"),
        ({"query": 12}, "string"),
    ],
)
def test_the_api_refuses_bad_searches_naming_the_field(
    client: TestClient, session: Session, payload: dict[str, Any], message: str
) -> None:
    user = make_user(session)
    response = client.post("/api/v1/me/searches", json=payload, headers=api_headers(session, user))
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "query"]
    assert message in error["msg"]
    count = session.exec(
        select(func.count()).select_from(SavedSearch).where(col(SavedSearch.user_id) == user.id)
    ).one()
    assert count == 0


def test_the_api_needs_the_csrf_header_with_a_browser_cookie(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    browser_login(client, session, user)
    refused = client.post("/api/v1/me/searches", json={"query": "q=lamp"})
    assert refused.status_code == 403
    token = csrf(client)
    accepted = client.post(
        "/api/v1/me/searches", json={"query": "q=lamp"}, headers={"x-csrf-token": token}
    )
    assert accepted.status_code == 201


def test_a_saved_search_keeps_its_category_for_matching(session: Session) -> None:
    user, other = make_user(session), make_user(session)
    sofas, _ = saved_searches.save_search(session=session, user=user, query="category=sofas&q=red")
    lamps, _ = saved_searches.save_search(session=session, user=other, query="q=lamp")
    assert (sofas.category, lamps.category) == ("sofas", None)
    assert user.id is not None and other.id is not None
    assert saved_searches.saved_search_categories(session=session, user_id=user.id) == {"sofas"}
    assert saved_searches.saved_search_categories(session=session, user_id=other.id) == set()
    found = saved_searches.users_with_saved_category(session=session, categories=["sofas", "x"])
    assert found == {user.id}
    assert saved_searches.users_with_saved_category(session=session, categories=[]) == set()
