"""Listings over the JSON API: drafts, photos, publishing, owner rules, favourites, events."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, col, func, select

from listings import photos as photo_store
from listings import views
from listings.models import (
    Favorite,
    InteractionEvent,
    InteractionKind,
    Listing,
    ListingPhoto,
    ListingStatus,
)
from resale.core import taxonomy
from resale.core.geo import haversine_km, rounded_km
from resale.users.models import User
from tests.factories import LYON, api_headers, jpeg_bytes, make_listing, make_user

LISTINGS = "/api/v1/listings"


# --- helpers -----------------------------------------------------------------------------


def draft_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Blue velvet sofa",
        "description": "Three seats, no tears.\nPick-up only.",
        "category": "sofas",
        "condition": "good",
        "price_cents": 15000,
        "currency": "EUR",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def image_bytes(fmt: str, size: tuple[int, int] = (320, 240), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "orange" if mode == "RGB" else (255, 128, 0, 128)).save(out, fmt)
    return out.getvalue()


def photo_files(*items: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("photos", (name, data, "application/octet-stream")) for name, data in items]


def error_fields(response: Any) -> list[str]:
    detail = response.json()["detail"]
    assert isinstance(detail, list), detail
    return [str(error["loc"][-1]) for error in detail]


def assert_names_field(response: Any, field: str, status: int = 422) -> None:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list), detail
    assert any(error["loc"][-1] == field or f"{field} " in error["msg"] for error in detail), detail


def photo_rows(session: Session, listing_id: int) -> list[ListingPhoto]:
    return list(
        session.exec(
            select(ListingPhoto)
            .where(ListingPhoto.listing_id == listing_id)
            .order_by(col(ListingPhoto.position))
        )
    )


def files_of(media_dir: Path, listing_id: int) -> set[Path]:
    folder = media_dir / "listings" / str(listing_id)
    return set(folder.iterdir()) if folder.exists() else set()


def events(session: Session, listing_id: int, kind: InteractionKind | None = None) -> list[Any]:
    query = select(InteractionEvent).where(InteractionEvent.listing_id == listing_id)
    if kind is not None:
        query = query.where(InteractionEvent.kind == kind)
    return list(session.exec(query.order_by(col(InteractionEvent.id))))


def count(session: Session, model: Any) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def listing_status(session: Session, listing_id: int) -> ListingStatus:
    return session.exec(select(Listing.status).where(Listing.id == listing_id)).one()


@pytest.fixture
def seller(session: Session) -> User:
    return make_user(session, display_name="Sam Seller")


@pytest.fixture
def seller_headers(session: Session, seller: User) -> dict[str, str]:
    return api_headers(session, seller)


@pytest.fixture
def stranger(session: Session) -> User:
    return make_user(session, display_name="Stella Stranger", **LYON)


@pytest.fixture
def stranger_headers(session: Session, stranger: User) -> dict[str, str]:
    return api_headers(session, stranger)


def create(client: TestClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = client.post(LISTINGS, headers=headers, json=draft_body(**changes))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# --- life cycle --------------------------------------------------------------------------


def test_whole_life_cycle(
    client: TestClient,
    session: Session,
    seller: User,
    seller_headers: dict[str, str],
    stranger_headers: dict[str, str],
    media_dir: Path,
) -> None:
    # 1. A draft, located at the seller's home by default.
    draft = create(client, seller_headers, brand=" IKEA ", weight_kg=45.5)
    listing_id = draft["id"]
    # SQLite reuses the ids of rolled-back rows, so earlier tests may have left files there.
    files_before = files_of(media_dir, listing_id)
    assert draft["status"] == "draft"
    assert draft["title"] == "Blue velvet sofa"
    assert draft["brand"] == "IKEA"
    assert draft["weight_kg"] == 45.5
    assert draft["category_label"] == "Furniture › Sofas & armchairs"
    # The seller's home, on the public ~1 km grid: a listing never holds an exact home.
    assert (draft["place"], draft["lat"], draft["lon"]) == (
        seller.place_name,
        round(seller.lat, 2),
        round(seller.lon, 2),
    )
    assert (draft["lat"], draft["lon"]) != (seller.lat, seller.lon)
    assert draft["photos"] == []
    assert draft["published_at"] is None
    assert draft["seller"] == {
        "id": seller.id,
        "display_name": "Sam Seller",
        "place": seller.place_name,
    }
    # Nobody else can see a draft.
    assert client.get(f"{LISTINGS}/{listing_id}").status_code == 404
    assert client.get(f"{LISTINGS}/{listing_id}", headers=stranger_headers).status_code == 404

    # 2. Edit it.
    edited = client.patch(
        f"{LISTINGS}/{listing_id}", headers=seller_headers, json={"price_cents": 12000}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["price_cents"] == 12000

    # 3. Photos: JPEG, PNG with alpha and WebP in one request.
    uploaded = client.post(
        f"{LISTINGS}/{listing_id}/photos",
        headers=seller_headers,
        files=photo_files(
            ("front.jpg", jpeg_bytes(800, 600)),
            ("side.png", image_bytes("PNG", mode="RGBA")),
            ("back.webp", image_bytes("WEBP", (300, 400))),
        ),
    )
    assert uploaded.status_code == 201, uploaded.text
    photos = uploaded.json()["photos"]
    assert [p["position"] for p in photos] == [0, 1, 2]
    assert [(p["width"], p["height"]) for p in photos] == [(800, 600), (320, 240), (300, 400)]
    rows = photo_rows(session, listing_id)
    assert len(rows) == 3
    new_files = files_of(media_dir, listing_id) - files_before
    assert len(new_files) == 6  # a display size and a thumbnail each
    assert {f.name for f in new_files} == {
        f"{row.key.rsplit('/', 1)[1]}-{size}.jpg" for row in rows for size in photo_store.SIZES
    }
    for photo in photos:
        for url in (photo["url"], photo["thumb_url"]):
            served = client.get(url)
            assert served.status_code == 200, url
            assert Image.open(io.BytesIO(served.content)).format == "JPEG"

    # 4. Publish.
    published = client.post(f"{LISTINGS}/{listing_id}/publish", headers=seller_headers)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "active"
    first_published_at = published.json()["published_at"]
    assert first_published_at is not None
    public = client.get(f"{LISTINGS}/{listing_id}")
    assert public.status_code == 200
    assert public.json()["status"] == "active"
    assert len(public.json()["photos"]) == 3

    # Publishing twice is harmless.
    again = client.post(f"{LISTINGS}/{listing_id}/publish", headers=seller_headers)
    assert again.status_code == 200
    assert again.json()["published_at"] == first_published_at

    # 5. Withdraw: gone for others, still there for the seller.
    withdrawn = client.post(f"{LISTINGS}/{listing_id}/withdraw", headers=seller_headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert listing_status(session, listing_id) is ListingStatus.WITHDRAWN
    assert client.get(f"{LISTINGS}/{listing_id}").status_code == 404
    assert client.get(f"{LISTINGS}/{listing_id}", headers=stranger_headers).status_code == 404
    own = client.get(f"{LISTINGS}/{listing_id}", headers=seller_headers)
    assert own.status_code == 200
    assert own.json()["status"] == "withdrawn"

    # 6. And on sale again.
    republished = client.post(f"{LISTINGS}/{listing_id}/publish", headers=seller_headers)
    assert republished.status_code == 200, republished.text
    assert republished.json()["status"] == "active"
    # Withdrawing and republishing does not bump the listing to the top of "newest".
    assert republished.json()["published_at"] == first_published_at
    assert client.get(f"{LISTINGS}/{listing_id}").json()["status"] == "active"
    assert listing_status(session, listing_id) is ListingStatus.ACTIVE


def test_create_with_own_location(client: TestClient, seller_headers: dict[str, str]) -> None:
    body = create(client, seller_headers, place="Lyon, Part-Dieu", lat=45.7606, lon=4.859)
    # The listing is placed on the ~1 km public grid, never at the exact point sent.
    assert (body["place"], body["lat"], body["lon"]) == ("Lyon, Part-Dieu", 45.76, 4.86)
    unnamed = create(client, seller_headers, lat=45.7606, lon=4.859)
    assert unnamed["place"] == "Lyon, Part-Dieu"  # named after the nearest known place


def test_create_needs_login(client: TestClient, session: Session) -> None:
    before = count(session, Listing)
    assert client.post(LISTINGS, json=draft_body()).status_code == 401
    assert count(session, Listing) == before


def test_currency_is_normalised(client: TestClient, seller_headers: dict[str, str]) -> None:
    assert create(client, seller_headers, currency="gbp")["currency"] == "GBP"


def test_a_price_in_yuan_is_taken_and_shown_with_its_sign(
    client: TestClient, seller_headers: dict[str, str]
) -> None:
    body = create(client, seller_headers, currency="cny", price_cents=80_000)
    assert (body["currency"], body["price_cents"]) == ("CNY", 80_000)
    page = client.get(f"/listings/{body['id']}", headers=seller_headers)
    assert "¥800" in page.text


def test_publish_without_photo_is_422_naming_photos(
    client: TestClient, session: Session, seller_headers: dict[str, str]
) -> None:
    listing_id = create(client, seller_headers)["id"]
    response = client.post(f"{LISTINGS}/{listing_id}/publish", headers=seller_headers)
    assert_names_field(response, "photos")
    assert listing_status(session, listing_id) is ListingStatus.DRAFT


def test_publish_without_location_is_422(client: TestClient, session: Session) -> None:
    nomad = make_user(session, place_name=None, lat=None, lon=None)
    headers = api_headers(session, nomad)
    draft = create(client, headers)
    assert (draft["place"], draft["lat"], draft["lon"]) == (None, None, None)
    listing_id = draft["id"]
    client.post(
        f"{LISTINGS}/{listing_id}/photos",
        headers=headers,
        files=photo_files(("a.jpg", jpeg_bytes())),
    )
    response = client.post(f"{LISTINGS}/{listing_id}/publish", headers=headers)
    assert_names_field(response, "place")
    assert listing_status(session, listing_id) is ListingStatus.DRAFT

    located = client.patch(
        f"{LISTINGS}/{listing_id}", headers=headers, json={"lat": 45.7606, "lon": 4.859}
    )
    assert located.status_code == 200, located.text
    assert client.post(f"{LISTINGS}/{listing_id}/publish", headers=headers).status_code == 200


def test_a_sold_listing_cannot_be_changed(
    client: TestClient, session: Session, seller: User, seller_headers: dict[str, str]
) -> None:
    listing = make_listing(session, seller, status=ListingStatus.SOLD)
    url = f"{LISTINGS}/{listing.id}"
    assert client.patch(url, headers=seller_headers, json={"title": "New!"}).status_code == 409
    assert client.post(f"{url}/withdraw", headers=seller_headers).status_code == 409
    assert client.post(f"{url}/publish", headers=seller_headers).status_code == 409
    upload = client.post(
        f"{url}/photos", headers=seller_headers, files=photo_files(("a.jpg", jpeg_bytes()))
    )
    assert upload.status_code == 409
    session.refresh(listing)
    assert listing.title == "Oak dining table"
    assert listing.status is ListingStatus.SOLD
    assert len(photo_rows(session, listing.id or 0)) == 1


# --- photos ------------------------------------------------------------------------------


def test_eleventh_photo_is_refused(
    client: TestClient,
    session: Session,
    seller: User,
    seller_headers: dict[str, str],
    media_dir: Path,
) -> None:
    listing = make_listing(session, seller, status=ListingStatus.DRAFT, photos=10)
    listing_id = listing.id or 0
    files_before = files_of(media_dir, listing_id)
    response = client.post(
        f"{LISTINGS}/{listing_id}/photos",
        headers=seller_headers,
        files=photo_files(("eleven.jpg", jpeg_bytes())),
    )
    assert_names_field(response, "photos")
    assert "at most 10" in response.json()["detail"][0]["msg"]
    assert len(photo_rows(session, listing_id)) == 10
    assert files_of(media_dir, listing_id) == files_before


def test_eleven_photos_at_once_are_refused(
    client: TestClient, session: Session, seller_headers: dict[str, str], media_dir: Path
) -> None:
    listing_id = create(client, seller_headers)["id"]
    files_before = files_of(media_dir, listing_id)
    response = client.post(
        f"{LISTINGS}/{listing_id}/photos",
        headers=seller_headers,
        files=photo_files(*[(f"p{i}.jpg", jpeg_bytes()) for i in range(11)]),
    )
    assert_names_field(response, "photos")
    assert photo_rows(session, listing_id) == []
    assert files_of(media_dir, listing_id) == files_before
    ten = client.post(
        f"{LISTINGS}/{listing_id}/photos",
        headers=seller_headers,
        files=photo_files(*[(f"p{i}.jpg", jpeg_bytes()) for i in range(10)]),
    )
    assert ten.status_code == 201, ten.text
    assert len(photo_rows(session, listing_id)) == 10


@pytest.mark.parametrize(
    ("bad_name", "bad_data", "message"),
    [
        ("notes.jpg", b"just some text, not a photo", "notes.jpg is not a picture"),
        ("anim.gif", image_bytes("GIF"), "GIF"),
        ("scan.bmp", image_bytes("BMP"), "BMP"),
        ("cut.jpg", jpeg_bytes(800, 600)[:300], "cut.jpg"),
        ("empty.jpg", b"", "empty.jpg is empty"),
        ("tiny.png", image_bytes("PNG", (20, 20)), "too small"),
    ],
)
def test_bad_photo_among_good_ones_stores_nothing(
    client: TestClient,
    session: Session,
    seller: User,
    seller_headers: dict[str, str],
    media_dir: Path,
    bad_name: str,
    bad_data: bytes,
    message: str,
) -> None:
    listing = make_listing(session, seller, status=ListingStatus.DRAFT, photos=1)
    listing_id = listing.id or 0
    rows_before = [(p.id, p.key) for p in photo_rows(session, listing_id)]
    files_before = files_of(media_dir, listing_id)
    response = client.post(
        f"{LISTINGS}/{listing_id}/photos",
        headers=seller_headers,
        files=photo_files(
            ("good-1.jpg", jpeg_bytes()), (bad_name, bad_data), ("good-2.png", image_bytes("PNG"))
        ),
    )
    assert_names_field(response, "photos")
    assert message in response.json()["detail"][0]["msg"]
    assert [(p.id, p.key) for p in photo_rows(session, listing_id)] == rows_before
    assert files_of(media_dir, listing_id) == files_before


def test_oversized_photo_is_refused(
    client: TestClient, session: Session, seller_headers: dict[str, str], media_dir: Path
) -> None:
    listing_id = create(client, seller_headers)["id"]
    files_before = files_of(media_dir, listing_id)
    big = jpeg_bytes() + b"\0" * (10 * 1024 * 1024)
    response = client.post(
        f"{LISTINGS}/{listing_id}/photos",
        headers=seller_headers,
        files=photo_files(("big.jpg", big)),
    )
    assert_names_field(response, "photos")
    assert "larger than 10 MB" in response.json()["detail"][0]["msg"]
    assert photo_rows(session, listing_id) == []
    assert files_of(media_dir, listing_id) == files_before


def test_failure_after_files_were_written_removes_them(
    client: TestClient,
    session: Session,
    seller_headers: dict[str, str],
    media_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If storing the 2nd photo fails, the 1st one's files go too (the rows roll back)."""
    listing_id = create(client, seller_headers)["id"]
    files_before = files_of(media_dir, listing_id)
    real_save = photo_store.save
    calls: list[str] = []

    def flaky_save(key: str, photo: photo_store.ProcessedPhoto) -> list[Path]:
        calls.append(key)
        if len(calls) == 2:
            raise OSError("No space left on device")
        return real_save(key, photo)

    monkeypatch.setattr(photo_store, "save", flaky_save)
    with pytest.raises(OSError, match="No space left"):
        client.post(
            f"{LISTINGS}/{listing_id}/photos",
            headers=seller_headers,
            files=photo_files(
                ("a.jpg", jpeg_bytes()), ("b.jpg", jpeg_bytes()), ("c.jpg", jpeg_bytes())
            ),
        )
    assert len(calls) == 2
    assert photo_rows(session, listing_id) == []
    assert files_of(media_dir, listing_id) == files_before


def test_upload_needs_the_photos_field(client: TestClient, seller_headers: dict[str, str]) -> None:
    listing_id = create(client, seller_headers)["id"]
    missing = client.post(f"{LISTINGS}/{listing_id}/photos", headers=seller_headers)
    assert missing.status_code == 422
    assert "photos" in error_fields(missing)
    wrong_field = client.post(
        f"{LISTINGS}/{listing_id}/photos",
        headers=seller_headers,
        files=[("photo", ("a.jpg", jpeg_bytes(), "image/jpeg"))],
    )
    assert wrong_field.status_code == 422
    assert "photos" in error_fields(wrong_field)


def test_uploaded_photos_carry_no_location(
    client: TestClient, session: Session, seller_headers: dict[str, str], media_dir: Path
) -> None:
    from PIL import ExifTags

    exif = Image.Exif()
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 32.4),
    }
    with_gps = jpeg_bytes(exif=exif)
    assert Image.open(io.BytesIO(with_gps)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    listing_id = create(client, seller_headers)["id"]
    files_before = files_of(media_dir, listing_id)
    response = client.post(
        f"{LISTINGS}/{listing_id}/photos",
        headers=seller_headers,
        files=photo_files(("gps.jpg", with_gps)),
    )
    assert response.status_code == 201, response.text
    stored = files_of(media_dir, listing_id) - files_before
    assert len(stored) == 2
    for path in stored:
        image = Image.open(path)
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0
        assert b"Exif" not in path.read_bytes()


def test_delete_photo(
    client: TestClient,
    session: Session,
    seller: User,
    seller_headers: dict[str, str],
    media_dir: Path,
) -> None:
    listing = make_listing(session, seller, photos=2)
    listing_id = listing.id or 0
    first, second = photo_rows(session, listing_id)
    first_files = {photo_store.file_path(first.key, size) for size in photo_store.SIZES}
    assert all(p.exists() for p in first_files)
    url = f"{LISTINGS}/{listing_id}/photos"
    assert client.delete(f"{url}/{first.id}", headers=seller_headers).status_code == 204
    assert [p.id for p in photo_rows(session, listing_id)] == [second.id]
    assert not any(p.exists() for p in first_files)
    # An active listing keeps its last photo.
    last = client.delete(f"{url}/{second.id}", headers=seller_headers)
    assert_names_field(last, "photos", status=409)
    assert [p.id for p in photo_rows(session, listing_id)] == [second.id]
    assert all(photo_store.file_path(second.key, s).exists() for s in photo_store.SIZES)


# --- who may do what ---------------------------------------------------------------------


def test_only_the_owner_may_change_an_active_listing(
    client: TestClient,
    session: Session,
    seller: User,
    stranger_headers: dict[str, str],
    media_dir: Path,
) -> None:
    listing = make_listing(session, seller, title="Untouched title")
    listing_id = listing.id or 0
    photo_id = photo_rows(session, listing_id)[0].id
    url = f"{LISTINGS}/{listing_id}"
    files_before = files_of(media_dir, listing_id)
    attempts = {
        "patch": client.patch(url, headers=stranger_headers, json={"title": "Mine now"}),
        "publish": client.post(f"{url}/publish", headers=stranger_headers),
        "withdraw": client.post(f"{url}/withdraw", headers=stranger_headers),
        "photos": client.post(
            f"{url}/photos", headers=stranger_headers, files=photo_files(("x.jpg", jpeg_bytes()))
        ),
        "delete photo": client.delete(f"{url}/photos/{photo_id}", headers=stranger_headers),
    }
    for what, response in attempts.items():
        assert response.status_code == 403, (what, response.text)
        assert "seller" in response.json()["detail"]
    session.refresh(listing)
    assert listing.title == "Untouched title"
    assert listing.status is ListingStatus.ACTIVE
    assert len(photo_rows(session, listing_id)) == 1
    assert files_of(media_dir, listing_id) == files_before


def test_someone_elses_draft_is_404(
    client: TestClient, session: Session, seller: User, stranger_headers: dict[str, str]
) -> None:
    for status in (ListingStatus.DRAFT, ListingStatus.WITHDRAWN):
        listing = make_listing(session, seller, status=status, title="Secret plan")
        url = f"{LISTINGS}/{listing.id}"
        responses = [
            client.get(url, headers=stranger_headers),
            client.get(url),
            client.patch(url, headers=stranger_headers, json={"title": "Mine now"}),
            client.post(f"{url}/publish", headers=stranger_headers),
            client.put(f"{url}/favorite", headers=stranger_headers),
        ]
        for response in responses:
            assert response.status_code == 404, response.text
            assert "Secret plan" not in response.text
        session.refresh(listing)
        assert listing.title == "Secret plan"
        assert listing.status is status


def test_unknown_listing_is_404(client: TestClient, seller_headers: dict[str, str]) -> None:
    assert client.get(f"{LISTINGS}/987654321").status_code == 404
    assert (
        client.patch(
            f"{LISTINGS}/987654321", headers=seller_headers, json={"title": "Nope"}
        ).status_code
        == 404
    )


def test_changes_need_login(client: TestClient, session: Session, seller: User) -> None:
    listing = make_listing(session, seller)
    url = f"{LISTINGS}/{listing.id}"
    assert client.patch(url, json={"title": "Anonymous"}).status_code == 401
    assert client.post(f"{url}/withdraw").status_code == 401
    assert client.put(f"{url}/favorite").status_code == 401
    assert listing_status(session, listing.id or 0) is ListingStatus.ACTIVE


def test_anonymous_can_view_an_active_listing(
    client: TestClient, session: Session, seller: User
) -> None:
    listing = make_listing(session, seller, title="Road bike", category="road-bikes")
    response = client.get(f"{LISTINGS}/{listing.id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == listing.id
    assert body["status"] == "active"
    assert body["title"] == "Road bike"
    assert body["category_label"] == "Bikes & mobility › Road bikes"
    assert body["favorite"] is None
    assert body["distance_km"] is None
    assert len(body["photos"]) == 1
    assert "lat" not in body and "lon" not in body


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "no-such-category"}, "category"),
        ({"category": "furniture"}, "category"),  # a group, not a leaf
        ({"category": ...}, "category"),
        ({"condition": "mint"}, "condition"),
        ({"condition": "Good"}, "condition"),
        ({"price_cents": -100}, "price_cents"),
        ({"price_cents": 0}, "price_cents"),
        ({"price_cents": 12.5}, "price_cents"),
        ({"price_cents": 10_000_001}, "price_cents"),
        ({"currency": "XYZ"}, "currency"),
        ({"lat": 91, "lon": 2.0}, "lat"),
        ({"lat": 48.0, "lon": -181}, "lon"),
        ({"title": "  "}, "title"),
        ({"title": "ab"}, "title"),
        ({"title": "x" * 101}, "title"),
        ({"description": ""}, "description"),
        ({"weight_kg": 0}, "weight_kg"),
        ({"weight_kg": -1}, "weight_kg"),
        ({"brand": "b" * 61}, "brand"),
        ({"place": "Somewhere"}, "lat"),  # a name without its point
    ],
)
def test_bad_draft_is_422_naming_the_field(
    client: TestClient,
    session: Session,
    seller_headers: dict[str, str],
    changes: dict[str, Any],
    field: str,
) -> None:
    before = count(session, Listing)
    response = client.post(LISTINGS, headers=seller_headers, json=draft_body(**changes))
    assert_names_field(response, field)
    assert count(session, Listing) == before


def test_group_category_message_says_so(client: TestClient, seller_headers: dict[str, str]) -> None:
    response = client.post(LISTINGS, headers=seller_headers, json=draft_body(category="furniture"))
    assert "subcategor" in response.json()["detail"][0]["msg"]


def test_lat_without_lon_is_422(
    client: TestClient, session: Session, seller_headers: dict[str, str]
) -> None:
    before = count(session, Listing)
    response = client.post(LISTINGS, headers=seller_headers, json=draft_body(lat=45.0))
    assert_names_field(response, "lon")
    assert count(session, Listing) == before


def test_patch_changes_only_what_was_sent(
    client: TestClient, session: Session, seller_headers: dict[str, str]
) -> None:
    original = create(client, seller_headers, brand="Habitat", weight_kg=30)
    url = f"{LISTINGS}/{original['id']}"

    response = client.patch(url, headers=seller_headers, json={"title": "  Green   sofa "})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "Green sofa"
    for field in (
        "description",
        "category",
        "condition",
        "price_cents",
        "currency",
        "brand",
        "weight_kg",
        "place",
        "lat",
        "lon",
        "status",
    ):
        assert body[field] == original[field], field

    response = client.patch(
        url,
        headers=seller_headers,
        json={"condition": "like_new", "category": "chairs", "brand": None, "currency": "gbp"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["condition"], body["category"], body["brand"], body["currency"]) == (
        "like_new",
        "chairs",
        None,
        "GBP",
    )
    assert body["title"] == "Green sofa"
    assert body["weight_kg"] == 30

    stored = session.get(Listing, original["id"])
    assert stored is not None
    session.refresh(stored)
    assert (stored.title, stored.category, stored.brand, stored.currency) == (
        "Green sofa",
        "chairs",
        None,
        "GBP",
    )
    assert stored.updated_at > stored.created_at


def test_patch_moves_the_listing(client: TestClient, seller_headers: dict[str, str]) -> None:
    listing_id = create(client, seller_headers)["id"]
    response = client.patch(
        f"{LISTINGS}/{listing_id}",
        headers=seller_headers,
        json={"place": "Lyon, Confluence", "lat": 45.7406, "lon": 4.8183},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["place"], body["lat"], body["lon"]) == ("Lyon, Confluence", 45.74, 4.82)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": None}, "title"),
        ({"price_cents": None}, "price_cents"),
        ({"category": "furniture"}, "category"),
        ({"condition": "broken"}, "condition"),
        ({"price_cents": -1}, "price_cents"),
        ({"currency": "XYZ"}, "currency"),
        ({"lat": 91, "lon": 0}, "lat"),
        ({"lat": 45.0}, "lon"),
        ({"place": "Lyon"}, "lat"),
    ],
)
def test_bad_patch_changes_nothing(
    client: TestClient,
    session: Session,
    seller: User,
    seller_headers: dict[str, str],
    body: dict[str, Any],
    field: str,
) -> None:
    listing = make_listing(session, seller, status=ListingStatus.DRAFT)
    before = (
        listing.title,
        listing.price_cents,
        listing.category,
        listing.condition,
        listing.currency,
        listing.place_name,
        listing.lat,
        listing.lon,
        listing.updated_at,
    )
    response = client.patch(f"{LISTINGS}/{listing.id}", headers=seller_headers, json=body)
    assert_names_field(response, field)
    session.refresh(listing)
    after = (
        listing.title,
        listing.price_cents,
        listing.category,
        listing.condition,
        listing.currency,
        listing.place_name,
        listing.lat,
        listing.lon,
        listing.updated_at,
    )
    assert after == before


# --- favourites and events ---------------------------------------------------------------


def test_favourite_save_and_unsave_are_idempotent(
    client: TestClient,
    session: Session,
    seller: User,
    stranger: User,
    stranger_headers: dict[str, str],
) -> None:
    listing = make_listing(session, seller)
    listing_id = listing.id or 0
    url = f"{LISTINGS}/{listing_id}/favorite"

    for _ in range(2):
        response = client.put(url, headers=stranger_headers)
        assert response.status_code == 200, response.text
        assert response.json() == {"listing_id": listing_id, "favorite": True}
    assert session.get(Favorite, (stranger.id, listing_id)) is not None
    assert (
        client.get(f"{LISTINGS}/{listing_id}", headers=stranger_headers).json()["favorite"] is True
    )
    saved = client.get("/api/v1/me/favorites", headers=stranger_headers).json()
    assert [item["id"] for item in saved] == [listing_id]

    for _ in range(2):
        response = client.delete(url, headers=stranger_headers)
        assert response.status_code == 200, response.text
        assert response.json() == {"listing_id": listing_id, "favorite": False}
    assert session.get(Favorite, (stranger.id, listing_id)) is None
    assert (
        client.get(f"{LISTINGS}/{listing_id}", headers=stranger_headers).json()["favorite"] is False
    )

    favs = events(session, listing_id, InteractionKind.FAVORITE)
    unfavs = events(session, listing_id, InteractionKind.UNFAVORITE)
    assert len(favs) == 1
    assert len(unfavs) == 1
    assert favs[0].user_id == unfavs[0].user_id == stranger.id
    assert favs[0].created_at <= unfavs[0].created_at
    assert favs[0].created_at.tzinfo is not None


def test_unsaving_what_was_never_saved_records_nothing(
    client: TestClient, session: Session, seller: User, stranger_headers: dict[str, str]
) -> None:
    listing = make_listing(session, seller)
    response = client.delete(f"{LISTINGS}/{listing.id}/favorite", headers=stranger_headers)
    assert response.status_code == 200
    assert events(session, listing.id or 0, InteractionKind.UNFAVORITE) == []


def test_a_saved_listing_can_be_unsaved_after_it_left_the_market(
    client: TestClient,
    session: Session,
    seller: User,
    seller_headers: dict[str, str],
    stranger: User,
    stranger_headers: dict[str, str],
) -> None:
    listing = make_listing(session, seller)
    url = f"{LISTINGS}/{listing.id}"
    assert client.put(f"{url}/favorite", headers=stranger_headers).status_code == 200
    assert client.post(f"{url}/withdraw", headers=seller_headers).status_code == 200
    # It cannot be saved again now ...
    assert client.put(f"{url}/favorite", headers=stranger_headers).status_code == 404
    # ... but it can be let go.
    response = client.delete(f"{url}/favorite", headers=stranger_headers)
    assert response.status_code == 200
    assert session.get(Favorite, (stranger.id, listing.id)) is None
    assert len(events(session, listing.id or 0, InteractionKind.UNFAVORITE)) == 1


def test_failed_save_records_no_event(
    client: TestClient, session: Session, seller: User, seller_headers: dict[str, str]
) -> None:
    draft = make_listing(session, seller, status=ListingStatus.DRAFT)
    response = client.put(f"{LISTINGS}/{draft.id}/favorite", headers=seller_headers)
    assert response.status_code == 409
    assert events(session, draft.id or 0) == []
    assert count(session, Favorite) == 0


def test_views_are_recorded_for_others_not_for_the_owner(
    client: TestClient,
    session: Session,
    seller: User,
    seller_headers: dict[str, str],
    stranger: User,
    stranger_headers: dict[str, str],
) -> None:
    listing = make_listing(session, seller)
    listing_id = listing.id or 0
    url = f"{LISTINGS}/{listing_id}"

    assert client.get(url, headers=seller_headers).status_code == 200
    assert views.recorder.flush(session) == 0
    assert events(session, listing_id) == []

    assert client.get(url, headers=stranger_headers).status_code == 200
    # Noted off the request's transaction: nothing is written until the batch goes.
    assert events(session, listing_id) == []
    assert views.recorder.flush(session) == 1
    seen = events(session, listing_id, InteractionKind.VIEW)
    assert [(e.user_id, e.kind) for e in seen] == [(stranger.id, InteractionKind.VIEW)]
    assert seen[0].created_at.tzinfo is not None

    assert client.get(url).status_code == 200  # an anonymous visitor
    views.recorder.flush(session)
    seen = events(session, listing_id, InteractionKind.VIEW)
    assert [e.user_id for e in seen] == [stranger.id, None]


def test_a_viewer_counts_once_per_listing_within_the_window(
    client: TestClient,
    session: Session,
    seller: User,
    stranger_headers: dict[str, str],
) -> None:
    first, second = make_listing(session, seller), make_listing(session, seller)
    for _ in range(3):
        assert client.get(f"{LISTINGS}/{first.id}", headers=stranger_headers).status_code == 200
        assert client.get(f"{LISTINGS}/{first.id}").status_code == 200
    assert client.get(f"{LISTINGS}/{second.id}", headers=stranger_headers).status_code == 200
    assert (
        views.recorder.flush(session) == 3
    )  # stranger and visitor on the first, stranger on the second
    assert len(events(session, first.id or 0, InteractionKind.VIEW)) == 2
    assert len(events(session, second.id or 0, InteractionKind.VIEW)) == 1


def test_a_repeat_already_written_by_another_process_is_skipped(
    session: Session, seller: User, stranger: User
) -> None:
    listing = make_listing(session, seller)
    assert listing.id is not None and stranger.id is not None
    other_process = views.ViewRecorder()
    other_process.note(listing_id=listing.id, user_id=stranger.id, client=None)
    assert other_process.flush(session) == 1
    views.recorder.note(listing_id=listing.id, user_id=stranger.id, client=None)
    assert views.recorder.flush(session) == 0
    assert len(events(session, listing.id, InteractionKind.VIEW)) == 1


def test_a_failed_write_keeps_the_views_for_the_next_batch(
    session: Session, seller: User, stranger: User
) -> None:
    listing = make_listing(session, seller)
    assert listing.id is not None
    views.recorder.note(listing_id=listing.id, user_id=stranger.id, client=None)
    broken = Session(sa.create_engine("sqlite://"))  # no tables: the write fails
    with pytest.raises(sa.exc.OperationalError):
        views.recorder.flush(broken)
    assert views.recorder.pending() == 1
    assert views.recorder.flush(session) == 1


def test_no_view_is_recorded_for_a_refused_get(
    client: TestClient, session: Session, seller: User, stranger_headers: dict[str, str]
) -> None:
    draft = make_listing(session, seller, status=ListingStatus.DRAFT)
    assert client.get(f"{LISTINGS}/{draft.id}", headers=stranger_headers).status_code == 404
    assert count(session, InteractionEvent) == 0


# --- what each viewer sees ---------------------------------------------------------------


def test_point_is_shown_to_the_owner_only(
    client: TestClient,
    session: Session,
    seller: User,
    seller_headers: dict[str, str],
    stranger_headers: dict[str, str],
) -> None:
    listing = make_listing(session, seller, lat=48.85123, lon=2.35456, place_name="Paris, Bastille")
    url = f"{LISTINGS}/{listing.id}"
    own = client.get(url, headers=seller_headers).json()
    assert (own["lat"], own["lon"]) == (48.85123, 2.35456)
    for response in (client.get(url, headers=stranger_headers), client.get(url)):
        body = response.json()
        assert "lat" not in body and "lon" not in body
        assert "48.85123" not in response.text and "2.35456" not in response.text
        assert body["place"] == "Paris, Bastille"


def test_distance_is_rounded(client: TestClient, session: Session, seller: User) -> None:
    listing = make_listing(session, seller)  # at the seller's home in Paris, Le Marais
    assert listing.lat is not None and listing.lon is not None
    cases = [
        (make_user(session, **LYON), 390.0),
        (make_user(session, place_name="Montmartre", lat=48.8867, lon=2.3431), 3.0),
        (make_user(session, place_name="Next door", lat=48.8591, lon=2.3621), 1.0),
        (make_user(session, place_name=None, lat=None, lon=None), None),
    ]
    for viewer, expected in cases:
        body = client.get(f"{LISTINGS}/{listing.id}", headers=api_headers(session, viewer)).json()
        assert body["distance_km"] == expected
        if viewer.lat is not None and viewer.lon is not None:
            exact = haversine_km(viewer.lat, viewer.lon, listing.lat, listing.lon)
            assert body["distance_km"] == rounded_km(exact)


def test_my_listings_include_drafts(
    client: TestClient, session: Session, seller: User, seller_headers: dict[str, str]
) -> None:
    active = make_listing(session, seller)
    draft = make_listing(session, seller, status=ListingStatus.DRAFT)
    someone_else = make_listing(session, make_user(session))
    body = client.get("/api/v1/me/listings", headers=seller_headers).json()
    ids = {item["id"] for item in body}
    assert ids == {active.id, draft.id}
    assert someone_else.id not in ids
    assert all("lat" in item for item in body)


# --- small endpoints ---------------------------------------------------------------------


def test_categories(client: TestClient) -> None:
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    body = response.json()
    assert [c["slug"] for c in body] == [p.slug for p in taxonomy.PARENTS]
    leaf_slugs = set()
    for parent in body:
        assert set(parent) == {"slug", "name", "children"}
        assert parent["name"] == taxonomy.get(parent["slug"]).name  # type: ignore[union-attr]
        assert parent["children"], parent["slug"]
        for child in parent["children"]:
            assert child["children"] == []
            assert taxonomy.leaf(child["slug"]) is not None
            assert taxonomy.leaf(child["slug"]).parent == parent["slug"]  # type: ignore[union-attr]
            leaf_slugs.add(child["slug"])
    assert leaf_slugs == {c.slug for c in taxonomy.LEAVES}
    furniture = next(c for c in body if c["slug"] == "furniture")
    assert {"slug": "sofas", "name": "Sofas & armchairs", "children": []} in furniture["children"]


def test_health(client: TestClient, session: Session) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": session.get_bind().dialect.name}
