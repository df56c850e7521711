"""The recommendation API: feed, similar items, interested buyers; with a model and without."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from listings.models import InteractionEvent, InteractionKind, Listing, ListingStatus
from matching import service, serving
from matching.serving import ModelHolder, ServedModel
from matching.training import fit_artifact, load_market
from resale.core.db import utcnow
from tests.factories import LYON, api_headers, make_listing, make_user
from tests.matching.market import CITIES, SMALL, Market, make_market

REASONS = {
    service.NEAR_YOU,
    service.LIKE_SAVED,
    service.LIKE_VIEWED,
    service.SIMILAR_TASTE,
    service.POPULAR_NEARBY,
    service.POPULAR,
    service.NEW_NEAR_YOU,
    service.NEW,
    service.YOUR_CATEGORY,
    service.SIMILAR_ITEM,
    service.SAME_PEOPLE,
    service.NEAR_ITEM,
}


@pytest.fixture
def no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelHolder:
    holder = ModelHolder(tmp_path / "matching.joblib")
    monkeypatch.setattr(serving, "holder", holder)
    return holder


@dataclass
class Trained:
    market: Market
    served: ServedModel


@pytest.fixture
def trained(session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Trained:
    market = make_market(session)
    artifact = fit_artifact(load_market(session=session), config=SMALL, with_validation=False)
    path = tmp_path / "matching.joblib"
    artifact.save(path)
    holder = ModelHolder(path)
    monkeypatch.setattr(serving, "holder", holder)
    served = holder.load()
    assert served is not None
    return Trained(market=market, served=served)


def _check_items(body: dict[str, object]) -> list[dict[str, object]]:
    items = body["items"]
    assert isinstance(items, list)
    for item in items:
        assert item["reasons"], item
        assert set(item["reasons"]) <= REASONS, item["reasons"]
        km = item["distance_km"]
        # rounded as people see it: whole km (5 km steps beyond 20), never an exact figure
        assert km is None or (km >= 1 and km == round(km)), km
        assert "lat" not in item and "lon" not in item
    return items


# --- the feed ------------------------------------------------------------------------------


def test_feed_needs_a_login(client: TestClient, no_model: ModelHolder) -> None:
    response = client.get("/api/v1/recommendations/feed")
    assert response.status_code == 401


@pytest.mark.parametrize("limit", ["0", "51", "many"])
def test_feed_refuses_a_bad_limit(
    client: TestClient, session: Session, no_model: ModelHolder, limit: str
) -> None:
    headers = api_headers(session, make_user(session))
    response = client.get(f"/api/v1/recommendations/feed?limit={limit}", headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_fallback_feed_is_popular_nearby_and_says_so(
    client: TestClient, session: Session, no_model: ModelHolder
) -> None:
    market = make_market(session, buyers=6)
    buyer = make_user(session, **CITIES["paris"])
    own = make_listing(session, buyer, photos=0, title="My own lamp")
    withdrawn = make_listing(session, market.sellers[0], photos=0, status=ListingStatus.WITHDRAWN)
    paris = [item for item in market.listings if market.city_of[item.id or 0] == "paris"]
    star = paris[-1]
    for _ in range(40):  # many recent looks, by visitors too
        session.add(InteractionEvent(user_id=None, listing_id=star.id, kind=InteractionKind.VIEW))
    session.flush()

    response = client.get(
        "/api/v1/recommendations/feed?limit=50", headers=api_headers(session, buyer)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == {
        "source": "fallback",
        "reason": "no trained model",
        "trained_at": None,
        "version": None,
    }
    assert body["distance_from"] == "home"
    items = _check_items(body)
    ids = [item["id"] for item in items]
    assert ids[0] == star.id and service.POPULAR_NEARBY in items[0]["reasons"]
    assert own.id not in ids and withdrawn.id not in ids
    assert set(ids) <= {item.id for item in paris}  # Lyon is beyond the home radius
    assert all(item["distance_km"] is not None and item["distance_km"] <= 30 for item in items)


def test_model_feed_says_which_model_and_drops_what_was_sold(
    client: TestClient, session: Session, trained: Trained
) -> None:
    buyer = trained.market.buyers[0]
    headers = api_headers(session, buyer)
    body = client.get("/api/v1/recommendations/feed?limit=50", headers=headers).json()
    assert body["model"]["source"] == "model"
    assert body["model"]["version"] == trained.served.version
    assert body["model"]["trained_at"].startswith(trained.served.trained_at[:19])
    items = _check_items(body)
    assert items
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    seen = set(
        session.exec(
            select(InteractionEvent.listing_id).where(InteractionEvent.user_id == buyer.id)
        )
    )
    assert not seen & set(ids)  # a feed shows what the buyer has not looked at

    # sold since training: the model still knows it as active, the feed must not show it
    gone = session.get(Listing, ids[0])
    assert gone is not None
    gone.status = ListingStatus.SOLD
    session.add(gone)
    session.flush()
    again = client.get("/api/v1/recommendations/feed?limit=50", headers=headers).json()
    assert ids[0] not in [item["id"] for item in again["items"]]


def test_a_listing_published_after_training_reaches_the_feed(
    client: TestClient, session: Session, trained: Trained
) -> None:
    buyer = trained.market.buyers[0]
    liked = trained.market.taste[buyer.id or 0][0]
    seller = make_user(session, **CITIES["paris"])
    fresh = make_listing(session, seller, photos=0, category=liked, title="Brand new arrival")
    assert not trained.served.knows(fresh.id or 0)
    body = client.get(
        "/api/v1/recommendations/feed?limit=12", headers=api_headers(session, buyer)
    ).json()
    items = {item["id"]: item for item in _check_items(body)}
    assert fresh.id in items
    assert service.NEW_NEAR_YOU in items[fresh.id]["reasons"]
    assert service.YOUR_CATEGORY in items[fresh.id]["reasons"]


def test_model_feed_follows_what_was_viewed_since_training(
    client: TestClient, session: Session, trained: Trained
) -> None:
    buyer = trained.market.buyers[2]
    headers = api_headers(session, buyer)
    first = [
        i["id"]
        for i in client.get("/api/v1/recommendations/feed?limit=50", headers=headers).json()[
            "items"
        ]
    ]
    looked = next(i for i in first if trained.served.knows(i))
    session.add(
        InteractionEvent(
            user_id=buyer.id, listing_id=looked, kind=InteractionKind.VIEW, created_at=utcnow()
        )
    )
    session.flush()
    after = [
        i["id"]
        for i in client.get("/api/v1/recommendations/feed?limit=50", headers=headers).json()[
            "items"
        ]
    ]
    assert looked not in after  # now seen: the model takes it as history at once


# --- similar items ----------------------------------------------------------------------------


def test_similar_items_are_public_and_measured_from_the_listing(
    client: TestClient, session: Session, no_model: ModelHolder
) -> None:
    market = make_market(session, buyers=4)
    target = market.listings[0]
    response = client.get(f"/api/v1/listings/{target.id}/similar?limit=5")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"]["source"] == "fallback"
    assert body["distance_from"] == "listing"
    items = _check_items(body)
    assert 0 < len(items) <= 5
    assert target.id not in [i["id"] for i in items]
    assert items[0]["category"] == target.category
    assert service.SIMILAR_ITEM in items[0]["reasons"]

    viewer = make_user(session, **LYON)
    body = client.get(
        f"/api/v1/listings/{target.id}/similar", headers=api_headers(session, viewer)
    ).json()
    assert body["distance_from"] == "home"


def test_similar_with_a_model_uses_who_looked_at_what(
    client: TestClient, session: Session, trained: Trained
) -> None:
    viewed = trained.market.listings[0]
    body = client.get(f"/api/v1/listings/{viewed.id}/similar?limit=20").json()
    assert body["model"]["source"] == "model"
    items = _check_items(body)
    assert any(service.SAME_PEOPLE in item["reasons"] for item in items)


def test_similar_refuses_unknown_and_malformed_listings(
    client: TestClient, session: Session, no_model: ModelHolder
) -> None:
    assert client.get("/api/v1/listings/999999/similar").status_code == 404
    response = client.get("/api/v1/listings/abc/similar")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "listing_id"]
    seller = make_user(session)
    draft = make_listing(session, seller, photos=0, status=ListingStatus.DRAFT)
    assert client.get(f"/api/v1/listings/{draft.id}/similar").status_code == 404
    response = client.get(f"/api/v1/listings/{draft.id}/similar?limit=-1")
    assert response.status_code == 422


# --- interested buyers ------------------------------------------------------------------------


def _expected_nearby_fans(market: Market, listing: Listing) -> int:
    return sum(
        1
        for b in market.buyers
        if market.home_city[b.id or 0] == market.city_of[listing.id or 0]
        and listing.category in market.taste[b.id or 0]
    )


def test_interested_buyers_is_for_the_seller_only(
    client: TestClient, session: Session, no_model: ModelHolder
) -> None:
    market = make_market(session, buyers=8)
    listing = market.listings[0]
    seller = market.sellers[0]
    url = f"/api/v1/listings/{listing.id}/interested-buyers"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=api_headers(session, market.buyers[0])).status_code == 403
    assert (
        client.get(
            "/api/v1/listings/999999/interested-buyers", headers=api_headers(session, seller)
        ).status_code
        == 404
    )
    other_draft = make_listing(session, market.buyers[0], photos=0, status=ListingStatus.DRAFT)
    response = client.get(
        f"/api/v1/listings/{other_draft.id}/interested-buyers", headers=api_headers(session, seller)
    )
    assert response.status_code == 404

    # the seller's own interest in the category does not count
    session.add(
        InteractionEvent(
            user_id=seller.id,
            listing_id=market.listings[1].id,
            kind=InteractionKind.VIEW,
            created_at=utcnow() - timedelta(days=1),
        )
    )
    session.flush()
    response = client.get(url, headers=api_headers(session, seller))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"]["source"] == "fallback"
    assert [b["label"] for b in body["bands"]] == ["under 2 km", "2–5 km", "5–10 km", "10–30 km"]
    assert body["total"] == sum(b["count"] for b in body["bands"])
    assert body["total"] == _expected_nearby_fans(market, listing)
    text = response.text
    for buyer in market.buyers:  # counts only: nobody is named
        assert buyer.display_name not in text and buyer.email not in text


def test_interested_buyers_with_a_model(
    client: TestClient, session: Session, trained: Trained
) -> None:
    listing = trained.market.listings[0]
    seller = trained.market.sellers[0]
    body = client.get(
        f"/api/v1/listings/{listing.id}/interested-buyers", headers=api_headers(session, seller)
    ).json()
    assert body["model"]["source"] == "model"
    assert 0 < body["total"] <= len(trained.market.buyers) // 2 + 1  # the same city only
    assert body["total"] >= _expected_nearby_fans(trained.market, listing) // 2

    # a listing the model has never seen is matched on its category and place
    new = make_listing(
        session, seller, photos=0, category=listing.category, lat=listing.lat, lon=listing.lon
    )
    fresh = client.get(
        f"/api/v1/listings/{new.id}/interested-buyers", headers=api_headers(session, seller)
    ).json()
    assert fresh["total"] > 0


def test_a_listing_without_a_place_has_no_bands(
    client: TestClient, session: Session, no_model: ModelHolder
) -> None:
    seller = make_user(session, lat=None, lon=None, place_name=None)
    listing = make_listing(session, seller, photos=0)
    body = client.get(
        f"/api/v1/listings/{listing.id}/interested-buyers", headers=api_headers(session, seller)
    ).json()
    assert body["total"] == 0 and body["note"]
