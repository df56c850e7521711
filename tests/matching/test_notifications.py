"""A new listing is brought to the buyers whose saved searches or taste it matches, once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from listings import service as listings_service
from listings.models import Condition, ListingStatus
from matching import service, serving
from matching.serving import ModelHolder
from matching.training import fit_artifact, load_market
from resale.cli import app
from resale.core.db import utcnow, writer
from resale.core.notifications.models import Notification
from tests.factories import LYON, PARIS, api_headers, browser_login, make_listing, make_user
from tests.matching.market import SMALL, make_market


@pytest.fixture
def no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelHolder:
    holder = ModelHolder(tmp_path / "matching.joblib")
    monkeypatch.setattr(serving, "holder", holder)
    return holder


def _rows(session: Session, listing_id: int | None) -> dict[int, Notification]:
    rows = session.exec(select(Notification).where(Notification.key == f"listing:{listing_id}"))
    return {n.recipient_id: n for n in rows}


def _notices(session: Session, listing_id: int | None) -> dict[int, str]:
    """Who was told of a listing, and the English message stored for them."""
    return {user_id: n.text for user_id, n in _rows(session, listing_id).items()}


def test_saved_searches_that_match_a_new_listing_are_told_once(
    session: Session, no_model: ModelHolder
) -> None:
    seller = make_user(session, **PARIS)
    cheap_sofas = make_user(session, **PARIS)
    leather = make_user(session, **PARIS)
    far_away = make_user(session, **LYON)
    bikes = make_user(session, **PARIS)
    listings_service.save_search(
        session=session, user=cheap_sofas, query="category=sofas&max_price=200"
    )
    listings_service.save_search(
        session=session, user=leather, query="q=leather&category=furniture"
    )
    listings_service.save_search(
        session=session, user=far_away, query="category=sofas&place=home&radius=10"
    )
    listings_service.save_search(session=session, user=bikes, query="category=road-bikes")
    listings_service.save_search(session=session, user=seller, query="category=sofas")

    sofa = make_listing(
        session, seller, photos=0, category="sofas", title="Leather sofa", price_cents=15000
    )
    assert service.notify_new_listing(session=session, listing=sofa) == 2
    told = _notices(session, sofa.id)
    assert set(told) == {cheap_sofas.id, leather.id}  # not Lyon, not bikes, not the seller
    # Stored as the English message and its values, worded when read.
    assert told[leather.id] == service.SAVED_SEARCH_NAMED
    name = _rows(session, sofa.id)[leather.id].params
    assert name is not None and name["name"].startswith("leather · Furniture")
    assert service.notify_new_listing(session=session, listing=sofa) == 0  # told once

    dear = make_listing(
        session, seller, photos=0, category="sofas", title="Fabric sofa", price_cents=90000,
        condition=Condition.LIKE_NEW,
    )  # fmt: skip
    assert service.notify_new_listing(session=session, listing=dear) == 0
    draft = make_listing(session, seller, photos=0, category="sofas", status=ListingStatus.DRAFT)
    assert service.notify_new_listing(session=session, listing=draft) == 0


def test_taste_brings_a_listing_to_people_nearby(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    market = make_market(session)
    artifact = fit_artifact(load_market(session=session), config=SMALL, with_validation=False)
    artifact.save(tmp_path / "m.joblib")
    holder = ModelHolder(tmp_path / "m.joblib")
    holder.load()
    monkeypatch.setattr(serving, "holder", holder)

    seller = market.sellers[0]  # Paris
    new = make_listing(session, seller, photos=0, category="phones", price_cents=20000)
    service.notify_new_listing(session=session, listing=new)
    told = _notices(session, new.id)
    fans = {
        b.id
        for b in market.buyers
        if market.home_city[b.id or 0] == "paris" and "phones" in market.taste[b.id or 0]
    }
    assert told and set(told) <= fans
    assert set(told.values()) == {service.YOUR_CATEGORY}


def test_published_since_and_the_api(
    client: TestClient, session: Session, no_model: ModelHolder
) -> None:
    seller = make_user(session, **PARIS)
    buyer = make_user(session, **PARIS)
    listings_service.save_search(session=session, user=buyer, query="category=tables")
    old = make_listing(session, seller, photos=0, published_at=utcnow() - timedelta(days=3))
    new = make_listing(session, seller, photos=0)
    assert service.notify_published_since(session=session, since=utcnow() - timedelta(hours=1)) == 1
    assert set(_notices(session, new.id)) == {buyer.id} and not _notices(session, old.id)

    assert client.get("/api/v1/me/notifications").status_code == 401
    headers = api_headers(session, buyer)
    body = client.get("/api/v1/me/notifications", headers=headers).json()
    assert [n["listing"]["id"] for n in body] == [new.id]
    assert body[0]["seen"] is False and body[0]["reason"].startswith(service.SAVED_SEARCH)
    assert body[0]["listing"]["distance_km"] == 1.0  # rounded, never exact
    response = client.post("/api/v1/me/notifications/seen", headers=headers)
    assert response.json() == {"marked_seen": 1}
    assert client.get("/api/v1/me/notifications", headers=headers).json()[0]["seen"] is True
    response = client.get("/api/v1/me/notifications?limit=0", headers=headers)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_resale_notify_command(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import resale.core.db

    monkeypatch.setattr(resale.core.db, "_engine", committed_engine)
    monkeypatch.setattr(serving, "holder", ModelHolder(tmp_path / "none.joblib"))
    with Session(writer(committed_engine)) as session:
        seller = make_user(session, **PARIS)
        buyer = make_user(session, **PARIS)
        listings_service.save_search(session=session, user=buyer, query="category=tables")
        listing = make_listing(session, seller, photos=0)
        listing_id, buyer_id = listing.id, buyer.id
        session.commit()
    runner = CliRunner()
    first = runner.invoke(app, ["notify", "--minutes", "5"])
    assert first.exit_code == 0, first.output
    assert "notifications: 1 new" in first.stdout
    again = runner.invoke(app, ["notify", "--minutes", "5"])
    assert "notifications: 0 new" in again.stdout
    with Session(committed_engine) as session:
        assert set(_notices(session, listing_id)) == {buyer_id}


def test_the_buyer_sees_new_matches_on_the_home_page_and_their_page(
    client: TestClient, session: Session, no_model: ModelHolder
) -> None:
    seller = make_user(session, **PARIS)
    buyer = make_user(session, **PARIS)
    listings_service.save_search(session=session, user=buyer, query="category=sofas")
    sofa = make_listing(session, seller, photos=0, category="sofas", title="Velvet sofa")
    assert service.notify_new_listing(session=session, listing=sofa) == 1
    browser_login(client, session, buyer)

    home = client.get("/").text
    assert '<a href="/me/notifications"><strong>1 new listing</strong> matches' in home
    page = client.get("/me/notifications").text
    assert (
        "Velvet sofa" in page and "New · matches a search you saved: Sofas &amp; armchairs" in page
    )
    # Looking at them marks them seen: the banner goes, the page still lists them.
    assert "/me/notifications" not in client.get("/").text.split("<main", 1)[1]
    again = client.get("/me/notifications").text
    assert "Velvet sofa" in again and "New · " not in again
    # Someone else's notices are not shown.
    browser_login(client, session, seller)
    assert "Velvet sofa" not in client.get("/me/notifications").text


def test_the_app_tells_buyers_of_what_was_published_since_its_last_run(
    committed_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resale.core import db

    monkeypatch.setattr(serving, "holder", ModelHolder(tmp_path / "none.joblib"))
    monkeypatch.setattr(db, "_engine", committed_engine)
    started = utcnow()
    with Session(writer(committed_engine)) as session:
        seller = make_user(session, **PARIS)
        buyer = make_user(session, **PARIS)
        listings_service.save_search(session=session, user=buyer, query="category=desks")
        desk = make_listing(session, seller, photos=0, category="desks", title="Oak desk")
        session.commit()
        buyer_id, desk_id = buyer.id, desk.id
    assert service.notify_since(engine=committed_engine, since=started - timedelta(seconds=1)) == 1
    assert (
        service.notify_since(engine=committed_engine, since=started - timedelta(seconds=1)) == 0
    )  # told once
    assert (
        service.notify_since(engine=committed_engine, since=utcnow()) == 0
    )  # nothing published since
    with Session(committed_engine) as session:
        assert set(_notices(session, desk_id)) == {buyer_id}
