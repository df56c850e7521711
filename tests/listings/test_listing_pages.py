"""Home, listing page, sell / edit forms, my listings and favourites in the browser."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from listings.models import Favorite, InteractionEvent, Listing, ListingPhoto, ListingStatus
from tests.factories import LYON, browser_login, csrf, jpeg_bytes, make_listing, make_user

SELL_FORM = {
    "title": "Vintage Peugeot road bike",
    "description": "Steel frame, 56 cm.\n\nNew tyres last spring.",
    "category": "road-bikes",
    "condition": "good",
    "price": "149,50",
    "currency": "EUR",
    "brand": "Peugeot",
    "weight_kg": "11.2",
    "place_slug": "home",
}


def _sell(client: TestClient, photos: list[tuple[str, bytes]], **fields: str) -> object:
    data = {"csrf_token": csrf(client, "/sell"), **SELL_FORM, **fields}
    files = [("photos", (name, content, "image/jpeg")) for name, content in photos]
    return client.post("/sell", data=data, files=files or None, follow_redirects=False)


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_selling_with_a_photo_publishes_the_item(client: TestClient, session: Session) -> None:
    seller = make_user(session)
    browser_login(client, session, seller)
    response = _sell(client, [("bike.jpg", jpeg_bytes())], action="publish")
    assert response.status_code == 303
    listing = session.exec(select(Listing)).one()
    assert response.headers["location"] == f"/listings/{listing.id}"
    assert listing.status is ListingStatus.ACTIVE
    assert listing.price_cents == 14950
    assert (listing.place_name, listing.lat, listing.lon) == ("Paris, Le Marais", 48.86, 2.36)
    page = client.get(f"/listings/{listing.id}")
    assert "Your item is on sale." in page.text
    assert "€149.50" in page.text
    assert "Steel frame" in page.text
    assert "Withdraw" in page.text


def test_sell_form_errors_keep_the_input_and_store_nothing(
    client: TestClient, session: Session, media_dir: Path
) -> None:
    seller = make_user(session)
    browser_login(client, session, seller)
    before = set(media_dir.rglob("*.jpg"))
    response = _sell(
        client,
        [("bike.jpg", jpeg_bytes())],
        title="ab",
        price="12.345",
        category="",
        action="publish",
    )
    assert response.status_code == 422
    text = response.text
    assert 'id="title-error"' in text
    assert "A price has at most two decimals." in text
    assert "Choose a category." in text
    assert text.count('name="kept_photos"') == 1  # the photo is kept for the next submit
    assert 'value="12.345"' in text
    assert "Steel frame" in text
    assert _count(session, Listing) == 0
    # Nothing in the database; only the kept photo, pending, in the photo store.
    assert {p.parent.parent.name for p in set(media_dir.rglob("*.jpg")) - before} == {"pending"}


def test_a_bad_photo_leaves_no_listing_and_no_files(
    client: TestClient, session: Session, media_dir: Path
) -> None:
    seller = make_user(session)
    browser_login(client, session, seller)
    before = set(media_dir.rglob("*.jpg"))
    response = _sell(client, [("ok.jpg", jpeg_bytes()), ("fake.jpg", b"GIF89a not really")])
    assert response.status_code == 422
    assert "fake.jpg" in response.text
    assert _count(session, Listing) == 0
    assert _count(session, ListingPhoto) == 0
    # The good photo waits, pending, for the next submit; the bad one is nowhere.
    assert response.text.count('name="kept_photos"') == 1
    assert {p.parent.parent.name for p in set(media_dir.rglob("*.jpg")) - before} == {"pending"}


def test_publishing_needs_a_photo_but_a_draft_does_not(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session)
    browser_login(client, session, seller)
    refused = _sell(client, [], action="publish")
    assert refused.status_code == 422
    assert "Add at least one photo" in refused.text
    draft = _sell(client, [], action="draft")
    assert draft.status_code == 303
    listing = session.exec(select(Listing)).one()
    assert listing.status is ListingStatus.DRAFT
    publish = client.post(
        f"/listings/{listing.id}/publish", data={"csrf_token": csrf(client)}, follow_redirects=False
    )
    assert publish.headers["location"] == f"/listings/{listing.id}/edit"
    assert "Add at least one photo" in client.get(publish.headers["location"]).text
    session.refresh(listing)
    assert listing.status is ListingStatus.DRAFT


def test_selling_needs_a_login(client: TestClient) -> None:
    response = client.get("/sell", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/sell"


def test_edit_publish_withdraw_through_forms(client: TestClient, session: Session) -> None:
    seller = make_user(session)
    listing = make_listing(session, seller, status=ListingStatus.DRAFT)
    browser_login(client, session, seller)
    edit = client.get(f"/listings/{listing.id}/edit")
    assert 'value="Oak dining table"' in edit.text
    token = csrf(client)
    form = {
        **SELL_FORM,
        "csrf_token": token,
        "title": "Oak table, seats six",
        "place_slug": "lyon-part-dieu",
    }
    saved = client.post(f"/listings/{listing.id}/edit", data=form, follow_redirects=False)
    assert saved.status_code == 303
    session.refresh(listing)
    assert listing.title == "Oak table, seats six"
    assert listing.place_name == "Lyon, Part-Dieu"
    client.post(f"/listings/{listing.id}/publish", data={"csrf_token": token})
    session.refresh(listing)
    assert listing.status is ListingStatus.ACTIVE
    client.post(f"/listings/{listing.id}/withdraw", data={"csrf_token": token})
    session.refresh(listing)
    assert listing.status is ListingStatus.WITHDRAWN


def test_edit_errors_change_nothing(client: TestClient, session: Session) -> None:
    seller = make_user(session)
    listing = make_listing(session, seller)
    browser_login(client, session, seller)
    form = {**SELL_FORM, "csrf_token": csrf(client), "title": "A better title", "price": "-3"}
    response = client.post(f"/listings/{listing.id}/edit", data=form)
    assert response.status_code == 422
    assert 'id="price-error"' in response.text
    assert 'value="A better title"' in response.text
    session.refresh(listing)
    assert listing.title == "Oak dining table"


def test_an_edit_the_service_refuses_keeps_what_was_typed_and_changes_nothing(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session)
    listing = make_listing(session, seller, status=ListingStatus.RESERVED)
    browser_login(client, session, seller)
    form = {**SELL_FORM, "csrf_token": csrf(client), "title": "A better title", "price": "99"}
    response = client.post(f"/listings/{listing.id}/edit", data=form)
    assert response.status_code == 409, response.text
    assert "A reserved listing cannot be changed." in response.text
    assert 'value="A better title"' in response.text  # what was typed comes back
    session.expire_all()
    stored = session.get(Listing, listing.id)
    assert stored is not None
    assert (stored.title, stored.price_cents) == ("Oak dining table", listing.price_cents)


def test_only_the_seller_may_edit(client: TestClient, session: Session) -> None:
    seller, other = make_user(session), make_user(session)
    active = make_listing(session, seller)
    draft = make_listing(session, seller, status=ListingStatus.DRAFT)
    browser_login(client, session, other)
    assert client.get(f"/listings/{active.id}/edit").status_code == 403
    assert client.get(f"/listings/{draft.id}/edit").status_code == 404
    token = csrf(client)
    response = client.post(f"/listings/{active.id}/withdraw", data={"csrf_token": token})
    assert response.status_code == 403
    session.refresh(active)
    assert active.status is ListingStatus.ACTIVE


def test_photos_can_be_added_and_removed_on_the_edit_page(
    client: TestClient, session: Session, media_dir: Path
) -> None:
    seller = make_user(session)
    listing = make_listing(session, seller, photos=1)
    browser_login(client, session, seller)
    token = csrf(client)
    added = client.post(
        f"/listings/{listing.id}/photos",
        data={"csrf_token": token},
        files=[("photos", ("two.jpg", jpeg_bytes(color="navy"), "image/jpeg"))],
        follow_redirects=False,
    )
    assert added.status_code == 303
    photos = session.exec(select(ListingPhoto).where(ListingPhoto.listing_id == listing.id)).all()
    assert len(photos) == 2
    first = min(photos, key=lambda p: p.position)
    removed = client.post(
        f"/listings/{listing.id}/photos/{first.id}/delete",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    remaining = session.exec(
        select(ListingPhoto).where(ListingPhoto.listing_id == listing.id)
    ).all()
    assert [p.id for p in remaining] == [max(photos, key=lambda p: p.position).id]
    assert not (media_dir / f"{first.key}-display.jpg").exists()
    last = client.post(
        f"/listings/{listing.id}/photos/{remaining[0].id}/delete", data={"csrf_token": token}
    )
    assert "at least one photo" in last.text


def test_listing_page_shows_place_and_rounded_distance_only(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session, **LYON)
    listing = make_listing(
        session, seller, lat=45.7612345, lon=4.8351234, place_name="Lyon, Presqu'île"
    )
    viewer = make_user(session)  # Paris
    browser_login(client, session, viewer)
    page = client.get(f"/listings/{listing.id}")
    assert page.status_code == 200
    assert "Lyon, Presqu&#39;île" in page.text
    assert "390 km from you" in page.text
    assert "45.76" not in page.text
    assert "4.835" not in page.text


def test_drafts_are_hidden_from_everyone_but_the_seller(
    client: TestClient, session: Session
) -> None:
    seller = make_user(session)
    draft = make_listing(session, seller, status=ListingStatus.DRAFT)
    assert client.get(f"/listings/{draft.id}").status_code == 404
    browser_login(client, session, seller)
    assert "This is a draft" in client.get(f"/listings/{draft.id}").text


def test_home_shows_recent_items_near_the_viewer(client: TestClient, session: Session) -> None:
    paris_seller, lyon_seller = make_user(session), make_user(session, **LYON)
    near = make_listing(session, paris_seller, title="Paris armchair")
    make_listing(session, lyon_seller, title="Lyon bookcase")
    make_listing(session, paris_seller, title="Hidden draft", status=ListingStatus.DRAFT)
    anonymous = client.get("/")
    assert "Paris armchair" in anonymous.text
    assert "Lyon bookcase" in anonymous.text
    assert "Hidden draft" not in anonymous.text
    browser_login(client, session, make_user(session))
    mine = client.get("/")
    assert "Paris armchair" in mine.text
    assert "Lyon bookcase" not in mine.text
    assert f'href="/listings/{near.id}"' in mine.text


def test_favourite_button_saves_and_unsaves(client: TestClient, session: Session) -> None:
    seller, buyer = make_user(session), make_user(session)
    listing = make_listing(session, seller, title="Green lamp")
    browser_login(client, session, buyer)
    token = csrf(client)
    client.post(f"/listings/{listing.id}/favorite", data={"csrf_token": token, "saved": "1"})
    client.post(f"/listings/{listing.id}/favorite", data={"csrf_token": token, "saved": "1"})
    assert _count(session, Favorite) == 1
    assert "Green lamp" in client.get("/me/favorites").text
    client.post(f"/listings/{listing.id}/favorite", data={"csrf_token": token, "saved": "0"})
    assert _count(session, Favorite) == 0
    kinds = session.exec(
        select(InteractionEvent.kind)
        .where(InteractionEvent.kind != "view")
        .order_by(col(InteractionEvent.id))
    ).all()
    assert [k.value for k in kinds] == ["favorite", "unfavorite"]
    assert "Tap the heart" in client.get("/me/favorites").text


def test_my_listings_groups_by_status(client: TestClient, session: Session) -> None:
    seller = make_user(session)
    make_listing(session, seller, title="On sale thing")
    make_listing(session, seller, title="Draft thing", status=ListingStatus.DRAFT)
    make_listing(session, make_user(session), title="Someone else's")
    browser_login(client, session, seller)
    page = client.get("/me/listings").text
    assert "On sale thing" in page
    assert "Draft thing" in page
    assert "Someone else" not in page
    assert page.index("On sale") < page.index("Drafts")


def test_api_calls_with_the_cookie_need_the_csrf_header(
    client: TestClient, session: Session
) -> None:
    seller, buyer = make_user(session), make_user(session)
    listing = make_listing(session, seller)
    browser_login(client, session, buyer)
    token = csrf(client)
    refused = client.put(f"/api/v1/listings/{listing.id}/favorite")
    assert refused.status_code == 403
    allowed = client.put(f"/api/v1/listings/{listing.id}/favorite", headers={"X-CSRF-Token": token})
    assert allowed.status_code == 200
    assert allowed.json() == {"listing_id": listing.id, "favorite": True}


def test_unknown_pages_get_a_friendly_404(client: TestClient) -> None:
    for path in ("/nowhere", "/listings/999999", "/listings/not-a-number"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Back to the home page" in response.text
    api = client.get("/api/v1/listings/999999")
    assert api.status_code == 404
    assert "detail" in api.json()
