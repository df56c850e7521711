"""The sell form keeps the chosen photos when another field is wrong, and nothing else."""

from __future__ import annotations

import os
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, col, func, select

from listings import photos as photo_store
from listings import service
from listings.models import Listing, ListingPhoto, ListingStatus
from resale.core.config import settings
from resale.core.errors import Conflict
from tests.factories import browser_login, csrf, jpeg_bytes, make_user

SELL_FORM = {
    "title": "Rattan armchair",
    "description": "Sturdy, a little sun-faded on one arm.",
    "category": "sofas",
    "condition": "good",
    "price": "45",
    "currency": "EUR",
    "place_slug": "home",
    "action": "publish",
}
KEPT = re.compile(r'name="kept_photos" value="([^"]+)"')
THUMB = re.compile(r'<img src="(/media/pending/[^"]+-thumb\.jpg)"')


def _post(
    client: TestClient,
    *,
    photos: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
    kept: list[str] = (),  # type: ignore[assignment]
    remove: list[str] = (),  # type: ignore[assignment]
    **fields: str,
) -> Any:
    data: dict[str, Any] = {"csrf_token": csrf(client, "/sell"), **SELL_FORM, **fields}
    data["kept_photos"] = list(kept)
    data["remove_photos"] = list(remove)
    files = [("photos", (name, content, "image/jpeg")) for name, content in photos]
    return client.post("/sell", data=data, files=files or None, follow_redirects=False)


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _pending_files(media_dir: Path) -> set[Path]:
    return set((media_dir / photo_store.PENDING_DIR).rglob("*.jpg"))


def test_two_photos_survive_a_wrong_price_and_go_on_the_listing(
    client: TestClient, session: Session, media_dir: Path
) -> None:
    seller = make_user(session)
    browser_login(client, session, seller)
    first = _post(
        client,
        photos=[("front.jpg", jpeg_bytes(color="red")), ("back.jpg", jpeg_bytes(color="blue"))],
        price="forty",
    )
    assert first.status_code == 422
    assert 'id="price-error"' in first.text
    assert 'id="photos-error"' not in first.text  # nothing wrong with the photos
    assert 'value="forty"' in first.text and "Rattan armchair" in first.text
    tokens = KEPT.findall(first.text)
    thumbs = THUMB.findall(first.text)
    assert len(tokens) == 2 and len(thumbs) == 2
    assert "Add up to 8 more photos" in first.text
    for url in thumbs:  # the kept photos show as thumbnails
        shown = client.get(url)
        assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    # A failed submit leaves the database as it was.
    assert _count(session, Listing) == 0
    assert _count(session, ListingPhoto) == 0

    second = _post(client, kept=tokens, price="40")
    assert second.status_code == 303
    listing = session.exec(select(Listing)).one()
    assert listing.status is ListingStatus.ACTIVE
    rows = session.exec(
        select(ListingPhoto)
        .where(ListingPhoto.listing_id == listing.id)
        .order_by(col(ListingPhoto.position))
    ).all()
    assert [r.position for r in rows] == [0, 1]
    assert all(r.key.startswith(f"listings/{listing.id}/") for r in rows)
    # Red first, then blue: the order they were chosen in.
    colours = []
    for row in rows:
        with Image.open(photo_store.file_path(row.key, "display")) as shown:
            colours.append(shown.convert("RGB").getpixel((10, 10)))
    assert colours[0][0] > 200 and colours[1][2] > 200  # type: ignore[index]
    assert client.get(thumbs[0]).status_code == 404  # moved, not copied
    assert not any(
        p.name in {u.rsplit("/", 1)[1] for u in thumbs} for p in _pending_files(media_dir)
    )


def test_kept_photos_come_before_new_ones_and_the_limit_counts_both(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "max_photos_per_listing", 3)
    seller = make_user(session)
    browser_login(client, session, seller)
    first = _post(client, photos=[("a.jpg", jpeg_bytes()), ("b.jpg", jpeg_bytes())], title="x")
    tokens = KEPT.findall(first.text)
    assert len(tokens) == 2
    assert "Add up to 1 more photo<" in first.text
    decoded: list[int] = []
    real = photo_store.process

    def counting(data: bytes, *, filename: str = "photo") -> photo_store.ProcessedPhoto:
        decoded.append(1)
        return real(data, filename=filename)

    monkeypatch.setattr(photo_store, "process", counting)
    second = _post(
        client,
        kept=tokens,
        photos=[("c.jpg", jpeg_bytes()), ("d.jpg", jpeg_bytes()), ("e.jpg", jpeg_bytes())],
        title="x",
    )
    assert second.status_code == 422
    assert len(decoded) == 1  # only the one there was room for
    assert KEPT.findall(second.text)[:2] == tokens
    assert len(KEPT.findall(second.text)) == 3
    assert "at most 3 photos; we kept the first 3" in second.text
    assert 'type="file"' not in second.text  # full: no more to choose


def test_remove_leaves_a_kept_photo_out_and_deletes_it(
    client: TestClient, session: Session, media_dir: Path
) -> None:
    seller = make_user(session)
    browser_login(client, session, seller)
    first = _post(client, photos=[("a.jpg", jpeg_bytes()), ("b.jpg", jpeg_bytes())], price="")
    tokens = KEPT.findall(first.text)
    before = _pending_files(media_dir)
    second = _post(client, kept=tokens, remove=[tokens[0]], price="")
    assert second.status_code == 422
    assert KEPT.findall(second.text) == [tokens[1]]
    assert len(before - _pending_files(media_dir)) == 2  # display and thumbnail of the one
    third = _post(client, kept=KEPT.findall(second.text), price="12")
    assert third.status_code == 303
    assert _count(session, ListingPhoto) == 1


def test_a_bad_photo_is_named_and_the_good_one_kept(client: TestClient, session: Session) -> None:
    seller = make_user(session)
    browser_login(client, session, seller)
    response = _post(client, photos=[("ok.jpg", jpeg_bytes()), ("fake.jpg", b"GIF89a no")])
    assert response.status_code == 422
    assert "fake.jpg is not a picture we can read" in response.text
    assert 'id="photos-error"' in response.text
    assert len(KEPT.findall(response.text)) == 1
    assert _count(session, Listing) == 0
    fixed = _post(client, kept=KEPT.findall(response.text))
    assert fixed.status_code == 303
    assert _count(session, ListingPhoto) == 1


def test_someone_elses_or_a_forged_token_is_ignored(
    client: TestClient, session: Session, media_dir: Path
) -> None:
    owner, other = make_user(session), make_user(session)
    browser_login(client, session, owner)
    tokens = KEPT.findall(_post(client, photos=[("a.jpg", jpeg_bytes())], price="").text)
    assert len(tokens) == 1
    kept_files = _pending_files(media_dir)
    browser_login(client, session, other)
    stolen = _post(client, kept=tokens, remove=tokens, price="")
    assert KEPT.findall(stolen.text) == []
    key, _, _ = tokens[0].rpartition(".")[0].rpartition(":")
    forged = f"{key}:100x100.{'0' * 64}"
    assert KEPT.findall(_post(client, kept=[forged], price="").text) == []
    assert _pending_files(media_dir) >= kept_files  # the owner's photo is untouched
    published = _post(client, kept=tokens)
    assert published.status_code == 422
    assert "Add at least one photo" in published.text
    assert _count(session, Listing) == 0


def test_a_kept_photo_swept_away_asks_for_it_again(client: TestClient, session: Session) -> None:
    seller = make_user(session)
    browser_login(client, session, seller)
    tokens = KEPT.findall(_post(client, photos=[("a.jpg", jpeg_bytes())], price="").text)
    assert photo_store.remove_stale_pending(older_than=timedelta(0), now=time.time() + 1) >= 2
    response = _post(client, kept=tokens)
    assert response.status_code == 422
    assert "no longer kept; please choose them again" in response.text
    assert _count(session, Listing) == 0


def test_a_refusal_after_the_checks_puts_the_photos_back(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    seller = make_user(session)
    browser_login(client, session, seller)

    def refuse(**_: Any) -> Listing:
        raise Conflict("Publishing is paused for maintenance.")

    monkeypatch.setattr(service, "publish", refuse)
    response = _post(client, photos=[("a.jpg", jpeg_bytes())])
    assert response.status_code == 409
    assert "Publishing is paused" in response.text
    assert _count(session, Listing) == 0
    assert _count(session, ListingPhoto) == 0
    tokens = KEPT.findall(response.text)
    assert len(tokens) == 1
    (thumb,) = THUMB.findall(response.text)
    assert client.get(thumb).status_code == 200  # back where the form expects it
    monkeypatch.undo()
    assert _post(client, kept=tokens).status_code == 303
    assert _count(session, ListingPhoto) == 1


def test_unclaimed_pending_photos_are_removed_by_age(media_dir: Path) -> None:
    old = photo_store.keep_pending(424242, photo_store.process(jpeg_bytes()))
    new = photo_store.keep_pending(424242, photo_store.process(jpeg_bytes()))
    now = time.time()
    day = timedelta(hours=24).total_seconds()
    for size in photo_store.SIZES:  # the old one was kept two days ago
        os.utime(photo_store.file_path(old.key, size), (now - 2 * day, now - 2 * day))
    removed = photo_store.remove_stale_pending(older_than=timedelta(hours=24), now=now)
    assert removed == 2
    assert not old.exists()
    assert new.exists()
    photo_store.delete(new.key)
    photo_store.remove_stale_pending(older_than=timedelta(hours=24), now=now)
    assert not (media_dir / photo_store.PENDING_DIR / "424242").exists()  # empty folder gone


def test_the_app_removes_stale_pending_photos_when_it_starts(app: Any) -> None:
    stale = photo_store.keep_pending(434343, photo_store.process(jpeg_bytes()))
    fresh = photo_store.keep_pending(434343, photo_store.process(jpeg_bytes()))
    long_ago = time.time() - timedelta(hours=settings.pending_photo_hours + 1).total_seconds()
    for size in photo_store.SIZES:
        os.utime(photo_store.file_path(stale.key, size), (long_ago, long_ago))
    with TestClient(app):
        assert not stale.exists()
        assert fresh.exists()
    photo_store.delete(fresh.key)
