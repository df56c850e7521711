"""Factories for users, listings and photos, writing through the real services where it matters."""

from __future__ import annotations

import io
import itertools
import math
import random
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session

from listings import photos as photo_store
from listings.models import Condition, Listing, ListingPhoto, ListingStatus
from listings.service import refresh_search_terms
from resale.core.db import utcnow
from resale.core.security import hash_password
from resale.users.models import TokenKind, User
from resale.users.service import issue_token

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run
_counter = itertools.count(1)

PARIS = {"place_name": "Paris, Le Marais", "lat": 48.8590, "lon": 2.3620}
LYON = {"place_name": "Lyon, Presqu'île", "lat": 45.7600, "lon": 4.8340}
# Where a parcel goes: the delivery address a buyer gives (API body, buy form, service).
ADDRESS = {
    "full_name": "Camille Martin",
    "line1": "12 rue des Rosiers",
    "line2": "3e étage, porte gauche",
    "postcode": "75004",
    "city": "Paris",
    "country": "FR",
    "phone": "+33 6 12 34 56 78",
}


def delivery_address(**fields: Any) -> Any:
    """``ADDRESS`` (changed by ``fields``) as the order service takes it."""
    from resale.trade.orders.schemas import DeliveryAddressIn

    return DeliveryAddressIn.model_validate({**ADDRESS, **fields})


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
    from resale.core.security import SESSION_COOKIE

    token, _ = issue_token(session=session, user=user, kind=TokenKind.SESSION)
    client.cookies.set(SESSION_COOKIE, token)


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def page_csrf(html: str) -> str:
    """The CSRF token a page carries for its forms and scripts (its ``csrf-token`` meta)."""
    found = CSRF_META.search(html)
    assert found, "a page should carry its CSRF token in a csrf-token meta tag"
    return found.group(1)


def csrf(client: TestClient, path: str = "/") -> str:
    """Load a page (which sets the visitor cookie if need be) and return the token it
    gives for forms: bound to the client's session, or to its visitor id before sign-in."""
    return page_csrf(client.get(path).text)


# --- search fixtures: points at chosen distances, bulk listings --------------------------


def point_at(lat: float, lon: float, km: float, bearing_deg: float = 0.0) -> tuple[float, float]:
    """The point ``km`` away from (lat, lon) along ``bearing_deg`` on the Earth sphere."""
    from resale.core.geo import EARTH_RADIUS_KM

    delta = km / EARTH_RADIUS_KM
    theta = math.radians(bearing_deg)
    phi1, lmb1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    )
    lmb2 = lmb1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), (math.degrees(lmb2) + 540) % 360 - 180


def add_photo_rows(session: Session, listing: Listing, *positions: int) -> list[ListingPhoto]:
    """Photo rows without files (search only reads the key), at these positions, in this order."""
    assert listing.id is not None
    rows = [
        ListingPhoto(
            listing_id=listing.id, position=p, key=f"fake-{listing.id}-{p}", width=80, height=60
        )
        for p in positions
    ]
    session.add_all(rows)
    session.flush()
    return rows


def generated_listings(
    rng: random.Random,
    *,
    count: int,
    seller_ids: Sequence[int],
    places: Sequence[str] = ("paris-marais", "lyon-presquile", "berlin-mitte"),
    first_id: int | None = None,
    now: datetime | None = None,
    active_share: float = 0.85,
) -> tuple[list[dict[str, Any]], list[list[int]]]:
    """Believable listing rows (demo catalogue text, grid points around ``places``, ties in
    points, prices and times) and, per row, the photo positions it has (some have none)."""
    from resale import demo_catalog
    from resale.core.geo import PLACES_BY_SLUG, public_point
    from resale.core.taxonomy import LEAVES

    now = now or utcnow()
    statuses = [
        ListingStatus.RESERVED,
        ListingStatus.SOLD,
        ListingStatus.WITHDRAWN,
        ListingStatus.DRAFT,
    ]
    slugs = [leaf.slug for leaf in LEAVES]
    rows: list[dict[str, Any]] = []
    photos: list[list[int]] = []
    for n in range(count):
        place = PLACES_BY_SLUG[rng.choice(places)]
        if rows and rng.random() < 0.15:  # the very same point as an earlier listing
            twin = rng.choice(rows)
            lat, lon = twin["lat"], twin["lon"]
        else:
            km = rng.choice((0.3, 1.5, 4.0, 9.0, 30.0)) * rng.random()
            lat, lon = public_point(*point_at(place.lat, place.lon, km, rng.uniform(0, 360)))
        slug = rng.choice(slugs)
        condition = demo_catalog.pick_condition(rng=rng, slug=slug)
        item = demo_catalog.make_item(
            rng=rng,
            slug=slug,
            condition=condition,
            currency=place.currency,
            area=demo_catalog.area_of(place.name),
        )
        status = ListingStatus.ACTIVE if rng.random() < active_share else rng.choice(statuses)
        if rows and rng.random() < 0.1:  # published at the very same moment as another
            published = rng.choice(rows)["published_at"] or now
        else:
            published = now - timedelta(seconds=rng.randrange(60 * 86400))
        price = rng.choice(rows)["price_cents"] if rows and rng.random() < 0.1 else item.price_cents
        row: dict[str, Any] = {
            "seller_id": rng.choice(seller_ids),
            "title": item.title,
            "description": item.description,
            "category": slug,
            "condition": condition,
            "price_cents": price,
            "currency": place.currency,
            "brand": item.brand,
            "weight_kg": item.weight_kg,
            "place_name": place.name,
            "lat": lat,
            "lon": lon,
            "status": status,
            "created_at": published - timedelta(hours=1),
            "updated_at": published,
            "published_at": None if status is ListingStatus.DRAFT else published,
            **search_columns(item.title, item.brand, item.description),
        }
        if first_id is not None:
            row["id"] = first_id + n
        rows.append(row)
        photos.append(list(range(rng.choice((0, 1, 1, 2, 3)))))
    return rows, photos


def search_columns(title: str, brand: str | None, description: str) -> dict[str, Any]:
    """What the listing service stores for the full-text index, for a bulk insert."""
    probe = Listing(title=title, brand=brand, description=description)
    refresh_search_terms(probe)
    table = Listing.__table__  # type: ignore[attr-defined]
    return {
        column.name: getattr(probe, column.name)
        for column in table.columns
        if column.name.startswith("search") and column.computed is None
    }


def insert_listings(
    session: Session, rows: Sequence[dict[str, Any]], photos: Sequence[Sequence[int]]
) -> list[int]:
    """Bulk-insert listing rows (the search terms already in them) and their photo rows."""
    listings = Listing.__table__  # type: ignore[attr-defined]
    statement = sa.insert(listings).returning(listings.c.id, sort_by_parameter_order=True)
    ids = [row.id for row in session.execute(statement, list(rows))]
    photo_rows = [
        {
            "listing_id": listing_id,
            "position": position,
            "key": f"fake-{listing_id}-{position}",
            "width": 80,
            "height": 60,
            "created_at": utcnow(),
        }
        for listing_id, positions in zip(ids, photos, strict=True)
        for position in positions
    ]
    if photo_rows:
        session.execute(sa.insert(ListingPhoto.__table__), photo_rows)  # type: ignore[attr-defined]
    session.flush()
    return ids


def make_paid_order(
    session: Session,
    gateway: Any,
    *,
    seller: User | None = None,
    buyer: User | None = None,
    fulfilment: str = "pickup",
    travel_mode: str | None = None,
    address: dict[str, Any] | None = None,
    **listing_fields: Any,
) -> Any:
    """A listing bought and paid for through the order service; returns the Order. A
    parcel goes to ``ADDRESS`` (changed by ``address``)."""
    from carbon.estimate import Fulfilment, TravelMode
    from resale.trade.orders import service as orders

    seller = seller or make_user(session)
    buyer = buyer or make_user(session)
    listing_fields.setdefault("shipping_cents", 450)
    listing = make_listing(session, seller, **listing_fields)
    assert listing.id is not None
    order, _ = orders.place_order(
        session=session,
        buyer=buyer,
        listing_id=listing.id,
        fulfilment=Fulfilment(fulfilment),
        gateway_name=gateway.name,
        travel_mode=TravelMode(travel_mode) if travel_mode else None,
        delivery_address=delivery_address(**(address or {})) if fulfilment == "shipping" else None,
    )
    order, payment = orders.start_payment(
        session=session, order=order, buyer=buyer, gateway=gateway
    )
    decided = gateway.decide(ref=payment.ref, succeed=True)
    orders.payment_succeeded(
        session=session, gateway=gateway, payment_ref=decided.ref, amount_cents=decided.amount_cents
    )
    return order


def make_completed_order(session: Session, gateway: Any, **fields: Any) -> Any:
    """A paid order taken to completion: a pickup by the buyer's code, a parcel by confirmation."""
    from resale.trade.orders import service as orders

    order = make_paid_order(session, gateway, **fields)
    seller, buyer = session.get(User, order.seller_id), session.get(User, order.buyer_id)
    assert seller is not None and buyer is not None
    if order.fulfilment.value == "shipping":
        orders.ship(session=session, order=order, seller=seller, tracking="TRACK-1")
        return orders.confirm(session=session, order=order, buyer=buyer)
    return orders.hand_over(
        session=session, order=order, seller=seller, code=order.handover_code, gateway=gateway
    )
