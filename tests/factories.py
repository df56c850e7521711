"""Factories for users, listings and photos, writing through the real services where it matters."""

from __future__ import annotations

import io
import itertools
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session

from listings import photos as photo_store
from listings.models import Condition, Listing, ListingPhoto, ListingStatus
from listings.service import refresh_search_terms
from resale.db import utcnow
from resale.security import hash_password
from resale.users.models import TokenKind, User
from resale.users.service import issue_token

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run
_counter = itertools.count(1)

PARIS = {"place_name": "Paris, Le Marais", "lat": 48.8590, "lon": 2.3620}
LYON = {"place_name": "Lyon, Presqu'île", "lat": 45.7600, "lon": 4.8340}


def jpeg_bytes(width: int = 640, height: int = 480, color: str = "teal", **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG", **save)
    return out.getvalue()


def make_user(session: Session, **fields: Any) -> User:
    n = next(_counter)
    values: dict[str, Any] = {
        "email": f"user{n}@example.com",
        "display_name": f"User {n}",
        "password_hash": _PASSWORD_HASH,
        **PARIS,
    }
    values.update(fields)
    user = User(**values)
    session.add(user)
    session.flush()
    return user


def make_listing(
    session: Session,
    seller: User,
    *,
    status: ListingStatus = ListingStatus.ACTIVE,
    photos: int = 1,
    **fields: Any,
) -> Listing:
    values: dict[str, Any] = {
        "title": "Oak dining table",
        "description": "Solid oak, seats six. A few marks on the top.",
        "category": "tables",
        "condition": Condition.GOOD,
        "price_cents": 12000,
        "currency": "EUR",
        "place_name": seller.place_name,
        "lat": seller.lat,
        "lon": seller.lon,
        "published_at": utcnow() if status is not ListingStatus.DRAFT else None,
    }
    values.update(fields)
    listing = Listing(seller_id=seller.id, status=status, **values)
    refresh_search_terms(listing)
    session.add(listing)
    session.flush()
    for position in range(photos):
        key = photo_store.new_key(listing.id or 0)
        photo_store.save(key, photo_store.process(jpeg_bytes()))
        session.add(
            ListingPhoto(
                listing_id=listing.id or 0, position=position, key=key, width=640, height=480
            )
        )
    session.flush()
    session.expire(listing)
    return listing


def api_headers(session: Session, user: User) -> dict[str, str]:
    token, _ = issue_token(session=session, user=user, kind=TokenKind.API)
    return {"Authorization": f"Bearer {token}"}


def browser_login(client: TestClient, session: Session, user: User) -> None:
    """Give the test client the session cookie a login would set."""
    from resale.security import SESSION_COOKIE

    token, _ = issue_token(session=session, user=user, kind=TokenKind.SESSION)
    client.cookies.set(SESSION_COOKIE, token)


def csrf(client: TestClient, path: str = "/") -> str:
    """Load a page so the CSRF cookie is set, and return the token to send with forms."""
    from resale.security import CSRF_COOKIE

    client.get(path)
    token = client.cookies.get(CSRF_COOKIE)
    assert token, "a page should set the CSRF cookie"
    return token
