"""``resale seed``: a believable demo marketplace, clearly marked as demo, made in seconds.

Everything is planned from one ``random.Random(random_seed)`` and written with
bulk INSERTs (one statement per batch, not one per row), because ``make run``
seeds on first start and nobody should wait for it. Photos are a few hundred
shared placeholder images drawn once and reused by every listing.
"""

from __future__ import annotations

import functools
import heapq
import io
import math
import os
import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any, TypeVar

import sqlalchemy as sa
from PIL import Image, ImageChops, ImageDraw, ImageFont
from rich.progress import Progress, TaskID
from sqlmodel import Session, SQLModel, func, select

from carbon import service as carbon_service
from carbon.estimate import Fulfilment, TravelMode
from listings import photos as photo_store
from listings.models import InteractionKind, ListingStatus
from listings.text import search_document
from resale import demo_catalog as catalog
from resale.core.db import utcnow
from resale.core.geo import PLACES, PLACES_BY_SLUG, Place, haversine_km, public_point
from resale.core.security import hash_password
from resale.core.taxonomy import LEAVES, PARENTS, Category
from resale.trade.orders import service as orders_service
from resale.trade.orders.models import Order, OrderStatus
from resale.users.models import User

DEMO_EMAIL = "demo@resale.example"
DEMO_PASSWORD = "resale-demo"  # noqa: S105  (public demo login, shown on the login page)
DEMO_NAME = "Demo Buyer"
DEMO_PLACE = PLACES_BY_SLUG["paris-marais"]
DEMO_INTERESTS = ("furniture", "home", "bikes")
EMAIL_DOMAIN = "demo.resale.example"

PHOTOS_PER_LEAF = 3
PHOTO_EDGE = 800
THUMB_EDGE = 400
HISTORY_DAYS = 60
BATCH = 1000

_TABLES = SQLModel.metadata.tables
_T = TypeVar("_T")


@dataclass(slots=True)
class _Person:
    email: str
    display_name: str
    place: Place
    lat: float
    lon: float
    created_at: datetime
    interests: tuple[str, ...]  # parent categories this person buys and sells most
    selling: float  # relative number of listings; 0 for people who only buy
    id: int = 0


@dataclass(slots=True)
class _Ad:
    seller: int  # index into the people list
    group: str
    status: ListingStatus
    published_at: datetime | None
    lat: float
    lon: float
    row: dict[str, Any]
    photos: list[int]  # demo image numbers, 1..PHOTOS_PER_LEAF
    id: int = 0


class _Steps:
    """Progress bars for the CLI; does nothing without a Progress."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def start(self, description: str, total: int) -> None:
        if self._progress is not None:
            self._task = self._progress.add_task(description, total=total)

    def advance(self, amount: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, amount)


def is_empty(*, session: Session) -> bool:
    """True when the database has no users yet (so seeding is welcome)."""
    return session.exec(select(User.id).limit(1)).first() is None


def seed(
    *,
    session: Session,
    users: int,
    listings: int,
    random_seed: int,
    progress: Progress | None = None,
) -> str:
    """Fill the database with demo users, listings, photos, favourites and views; flush only."""
    started = time.perf_counter()
    rng = random.Random(random_seed)
    now = utcnow().replace(microsecond=0)
    steps = _Steps(progress)

    drawn = _ensure_demo_photos(steps)
    existing_demo = session.exec(select(User).where(User.email == DEMO_EMAIL)).first()
    offset = session.exec(select(func.count()).select_from(User)).one()
    people = _plan_people(rng=rng, count=users, offset=offset, now=now, demo=existing_demo)
    created_people = _insert_people(session=session, people=people, steps=steps)
    ads = _plan_listings(
        rng=rng, people=people, count=listings, now=now, demo_sells=existing_demo is None
    )
    photo_count = _insert_listings(session=session, ads=ads, steps=steps)
    favourites, events = _plan_interactions(rng=rng, people=people, ads=ads, now=now)
    _insert_interactions(session=session, favourites=favourites, events=events, steps=steps)
    trades = _insert_trades(session=session, rng=rng, people=people, ads=ads, now=now, steps=steps)
    session.flush()

    statuses = Counter(ad.status for ad in ads)
    views = sum(1 for event in events if event["kind"] is InteractionKind.VIEW)
    cities = {person.place.city for person in people}
    return (
        f"Seeded a demo marketplace in {time.perf_counter() - started:.1f} s: "
        f"{created_people:,} users in {len({p.place.slug for p in people})} neighbourhoods of "
        f"{len(cities)} cities, {len(ads):,} listings in "
        f"{len({ad.row['category'] for ad in ads})} categories "
        f"({statuses[ListingStatus.ACTIVE]:,} on sale, {statuses[ListingStatus.DRAFT]:,} drafts, "
        f"{statuses[ListingStatus.WITHDRAWN]:,} withdrawn) with {photo_count:,} photos "
        f"({len(LEAVES) * PHOTOS_PER_LEAF} shared demo images, {drawn} drawn now), "
        f"{len(favourites):,} favourites, {views:,} views and {trades:,} completed trades "
        "credited to carbon accounts. "
        f"Log in as {DEMO_EMAIL} / {DEMO_PASSWORD}; every demo user (…@{EMAIL_DOMAIN}) "
        f"has the same password."
    )


# --- people -------------------------------------------------------------------------------


@functools.cache
def _group_shares() -> dict[str, float]:
    shares: dict[str, float] = {parent.slug: 0.0 for parent in PARENTS}
    for entry in catalog.CATALOG.values():
        shares[catalog.group_of(entry.slug)] += entry.share
    return shares


def _pick_interests(rng: random.Random) -> tuple[str, ...]:
    shares = _group_shares()
    groups = list(shares)
    weights = [shares[g] for g in groups]
    wanted = 3 if rng.random() < 0.3 else 2
    picked: list[str] = []
    while len(picked) < wanted:
        group = rng.choices(groups, weights=weights)[0]
        if group not in picked:
            picked.append(group)
    return tuple(picked)


def _plan_people(
    *, rng: random.Random, count: int, offset: int, now: datetime, demo: User | None
) -> list[_Person]:
    if demo is None:
        first = _Person(
            email=DEMO_EMAIL,
            display_name=DEMO_NAME,
            place=DEMO_PLACE,
            lat=DEMO_PLACE.lat,
            lon=DEMO_PLACE.lon,
            created_at=now - timedelta(days=120),
            interests=DEMO_INTERESTS,
            selling=0.0,  # gets a fixed handful of listings instead
        )
    else:  # seeding again: reuse the account, keep its password and home
        assert demo.id is not None
        place = next((p for p in PLACES if p.name == demo.place_name), DEMO_PLACE)
        first = _Person(
            email=demo.email,
            display_name=demo.display_name,
            place=place,
            lat=demo.lat if demo.lat is not None else place.lat,
            lon=demo.lon if demo.lon is not None else place.lon,
            created_at=demo.created_at,
            interests=DEMO_INTERESTS,
            selling=0.0,
            id=demo.id,
        )
    people = [first]
    for number in range(offset + 1, offset + count):
        place = rng.choice(PLACES)
        display_name, stem = catalog.person(rng=rng, country=place.country)
        lat, lon = catalog.jitter(rng=rng, lat=place.lat, lon=place.lon, min_km=0.2, max_km=2.0)
        people.append(
            _Person(
                email=f"{stem}{number}@{EMAIL_DOMAIN}",
                display_name=display_name,
                place=place,
                lat=lat,
                lon=lon,
                created_at=now - timedelta(days=rng.uniform(HISTORY_DAYS + 5, 900)),
                interests=_pick_interests(rng),
                # A few keen sellers list a lot; many people only buy.
                selling=0.0 if rng.random() < 0.3 else min(rng.paretovariate(1.3), 10.0),
            )
        )
    return people


def _insert_people(*, session: Session, people: list[_Person], steps: _Steps) -> int:
    """Insert the people without an id yet and set their ids; returns how many."""
    new = [person for person in people if not person.id]
    steps.start("Demo users", len(new))
    # One argon2 hash for everybody: hashing is slow on purpose, and they share a password.
    password_hash = hash_password(DEMO_PASSWORD)
    table = _TABLES["users"]
    for batch in _batches(new, BATCH):
        rows = [
            {
                "email": p.email,
                "display_name": p.display_name,
                "place_name": p.place.name,
                "password_hash": password_hash,
                "lat": p.lat,
                "lon": p.lon,
                "is_admin": False,
                "created_at": p.created_at,
            }
            for p in batch
        ]
        ids = _insert_returning_ids(session, table, rows)
        for person, new_id in zip(batch, ids, strict=True):
            person.id = new_id
        steps.advance(len(batch))
    return len(new)


# --- listings -----------------------------------------------------------------------------


def _categories(rng: random.Random, count: int) -> list[str]:
    """Every leaf a few times when there is room, the rest as often as people sell them."""
    slugs = [leaf.slug for leaf in LEAVES]
    each = 3 if count >= 3 * len(slugs) else 1 if count >= len(slugs) else 0
    chosen = [slug for slug in slugs for _ in range(each)]
    shares = [catalog.CATALOG[slug].share for slug in slugs]
    chosen += rng.choices(slugs, weights=shares, k=count - len(chosen))
    rng.shuffle(chosen)
    return chosen


def _plan_listings(
    *, rng: random.Random, people: list[_Person], count: int, now: datetime, demo_sells: bool
) -> list[_Ad]:
    categories = _categories(rng, count)
    demo_count = min(4, count) if demo_sells else 0
    sellers = [index for index, person in enumerate(people) if person.selling > 0]
    # People mostly sell what they are into: a parent sells baby gear, a cyclist bikes.
    cum_weights = {
        parent.slug: list(
            accumulate(
                people[i].selling * (4.0 if parent.slug in people[i].interests else 1.0)
                for i in sellers
            )
        )
        for parent in PARENTS
    }
    history = timedelta(days=HISTORY_DAYS).total_seconds()
    ads: list[_Ad] = []
    for number, slug in enumerate(categories):
        group = catalog.group_of(slug)
        if number < demo_count or not sellers:
            seller = 0
        else:
            seller = rng.choices(sellers, cum_weights=cum_weights[group])[0]
        person = people[seller]

        if number < demo_count:
            # The demo account shows every state of its own listings: on sale and a draft.
            status = ListingStatus.DRAFT if number == demo_count - 1 else ListingStatus.ACTIVE
        else:
            roll = rng.random()
            status = (
                ListingStatus.DRAFT
                if roll < 0.02
                else ListingStatus.WITHDRAWN
                if roll < 0.05
                else ListingStatus.ACTIVE
            )
        # More listings are recent than old, as on a growing marketplace.
        age = 3 * 3600 + (history - 3 * 3600) * rng.random() ** 1.3
        created_at = now - timedelta(seconds=round(age))
        published_at: datetime | None = None
        updated_at = created_at
        if status is not ListingStatus.DRAFT:
            delay = timedelta(seconds=round(rng.uniform(120, 36 * 3600)))
            published_at = min(created_at + delay, now - timedelta(hours=1))
            updated_at = published_at
            if status is ListingStatus.WITHDRAWN:
                updated_at = published_at + (now - published_at) * rng.uniform(0.2, 0.9)

        condition = catalog.pick_condition(rng=rng, slug=slug)
        item = catalog.make_item(
            rng=rng,
            slug=slug,
            condition=condition,
            currency=person.place.currency,
            area=catalog.area_of(person.place.name),
        )
        # Listings sit on the public ~1 km grid, as the listing service puts them.
        lat, lon = public_point(
            *catalog.jitter(rng=rng, lat=person.lat, lon=person.lon, min_km=0, max_km=0.25)
        )
        photo_count = rng.choices((1, 2, 3), weights=(3, 4, 3))[0]
        photos = rng.sample(range(1, PHOTOS_PER_LEAF + 1), photo_count)
        ads.append(
            _Ad(
                seller=seller,
                group=group,
                status=status,
                published_at=published_at,
                lat=lat,
                lon=lon,
                photos=photos,
                row={
                    "seller_id": person.id,
                    "title": item.title,
                    "description": item.description,
                    "category": slug,
                    "condition": condition,
                    "price_cents": item.price_cents,
                    "currency": person.place.currency,
                    "brand": item.brand,
                    "weight_kg": item.weight_kg,
                    "place_name": person.place.name,
                    "lat": lat,
                    "lon": lon,
                    "search_doc": search_document(item.title, item.brand, item.description),
                    "status": status,
                    "created_at": created_at,
                    "updated_at": updated_at,
                    "published_at": published_at,
                },
            )
        )
    return ads


def _insert_listings(*, session: Session, ads: list[_Ad], steps: _Steps) -> int:
    """Insert listings, then their photo rows; returns the number of photos."""
    steps.start("Demo listings", len(ads))
    listings_table, photos_table = _TABLES["listings"], _TABLES["listing_photos"]
    photo_rows: list[dict[str, Any]] = []
    for batch in _batches(ads, BATCH):
        ids = _insert_returning_ids(session, listings_table, [ad.row for ad in batch])
        for ad, new_id in zip(batch, ids, strict=True):
            ad.id = new_id
            photo_rows.extend(
                {
                    "listing_id": new_id,
                    "position": position,
                    "key": _photo_key(ad.row["category"], number),
                    "width": PHOTO_EDGE,
                    "height": PHOTO_EDGE,
                    "created_at": ad.row["created_at"],
                }
                for position, number in enumerate(ad.photos)
            )
        steps.advance(len(batch))
    for batch_rows in _batches(photo_rows, 5 * BATCH):
        session.execute(sa.insert(photos_table), batch_rows)
    return len(photo_rows)


# --- favourites and views -----------------------------------------------------------------


def _moment_after(rng: random.Random, start: datetime, now: datetime) -> datetime:
    """A time between ``start`` and a minute ago, more often soon after ``start``."""
    span = (now - timedelta(minutes=1) - start).total_seconds()
    return start + timedelta(seconds=round(max(span, 0) * rng.random() ** 1.6))


def _plan_interactions(
    *, rng: random.Random, people: list[_Person], ads: list[_Ad], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Favourites and views that follow taste and distance, never on one's own listing."""
    active = [index for index, ad in enumerate(ads) if ad.status is ListingStatus.ACTIVE]
    by_city: dict[str, list[int]] = {}
    for index in active:
        by_city.setdefault(people[ads[index].seller].place.city, []).append(index)

    favourites: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    fav_count: Counter[int] = Counter()

    def view(user_id: int | None, ad: _Ad, at: datetime) -> None:
        events.append(
            {
                "user_id": user_id,
                "listing_id": ad.id,
                "kind": InteractionKind.VIEW,
                "created_at": at,
            }
        )

    for person_index, person in enumerate(people):
        if person_index == 0:
            wanted_favourites = 6  # the demo account shows a few saved items
        else:
            wanted_favourites = rng.choices(
                (0, 1, 2, 3, 4, 6, 9), weights=(22, 18, 18, 14, 12, 10, 6)
            )[0]
        wanted = wanted_favourites + rng.randint(2, 16)
        pool = [i for i in by_city.get(person.place.city, ()) if ads[i].seller != person_index]
        if len(pool) < 2 * wanted:  # a thin city: look further, as people do
            pool = [i for i in active if ads[i].seller != person_index]
        if not pool:
            continue
        # Weighted sampling without replacement (Efraimidis-Spirakis): the larger
        # rng.random() ** (1 / weight), the likelier an ad is looked at first.
        scored = []
        for i in pool:
            ad = ads[i]
            km = haversine_km(person.lat, person.lon, ad.lat, ad.lon)
            taste = 8.0 if ad.group in person.interests else 0.25
            weight = taste * math.exp(-km / 6.0) + 0.005
            scored.append((rng.random() ** (1.0 / weight), -i))
        chosen = [-neg for _, neg in heapq.nlargest(wanted, scored)]
        for rank, i in enumerate(chosen):
            ad = ads[i]
            assert ad.published_at is not None
            seen = _moment_after(rng, ad.published_at, now)
            view(person.id, ad, seen)
            if rng.random() < 0.15:  # came back for another look
                view(person.id, ad, _moment_after(rng, seen, now))
            if rank < wanted_favourites:
                room = (now - seen).total_seconds() - 1
                saved = seen + timedelta(seconds=round(min(rng.uniform(20, 6 * 3600), room)))
                fav_count[i] += 1
                favourites.append({"user_id": person.id, "listing_id": ad.id, "created_at": saved})
                events.append(
                    {
                        "user_id": person.id,
                        "listing_id": ad.id,
                        "kind": InteractionKind.FAVORITE,
                        "created_at": saved,
                    }
                )

    if active:
        # Visitors who are not signed in look mostly at what others save too.
        weights = [1.0 + 3.0 * fav_count[i] for i in active]
        for i in rng.choices(active, weights=weights, k=len(active) // 2):
            ad = ads[i]
            assert ad.published_at is not None
            view(None, ad, _moment_after(rng, ad.published_at, now))

    # Insert in time order, so event ids grow with time as they would in real use.
    events.sort(key=lambda e: (e["created_at"], e["listing_id"], e["user_id"] or 0, e["kind"]))
    return favourites, events


def _insert_interactions(
    *,
    session: Session,
    favourites: list[dict[str, Any]],
    events: list[dict[str, Any]],
    steps: _Steps,
) -> None:
    steps.start("Favourites and views", len(favourites) + len(events))
    for batch in _batches(favourites, 5 * BATCH):
        session.execute(sa.insert(_TABLES["favorites"]), batch)
        steps.advance(len(batch))
    for batch in _batches(events, 5 * BATCH):
        session.execute(sa.insert(_TABLES["interaction_events"]), batch)
        steps.advance(len(batch))


# --- completed trades ----------------------------------------------------------------------


def _insert_trades(
    *,
    session: Session,
    rng: random.Random,
    people: list[_Person],
    ads: list[_Ad],
    now: datetime,
    steps: _Steps,
) -> int:
    """Trades completed in the past weeks, credited to carbon accounts as real ones are.

    About one on-sale listing in ten is sold to someone in the seller's city; the demo
    account buys two items and sells one, so its "My carbon" page has something to show.
    """
    on_sale = [ad for ad in ads if ad.status is ListingStatus.ACTIVE and ad.published_at]
    by_city: dict[str, list[int]] = {}
    for index, person in enumerate(people):
        by_city.setdefault(person.place.city, []).append(index)
    demo_buys = [ad for ad in on_sale if ad.seller != 0 and ad.group in people[0].interests][:2]
    demo_sells = [ad for ad in on_sale if ad.seller == 0][:1]
    chosen = demo_buys + demo_sells
    taken = {id(ad) for ad in chosen}
    rest = [ad for ad in on_sale if id(ad) not in taken]
    chosen += rng.sample(rest, min(len(rest) // 10, 400))
    steps.start("Completed trades", len(chosen))
    modes = [TravelMode.WALK_BIKE, TravelMode.PUBLIC_TRANSPORT, TravelMode.CAR]
    made = 0
    for ad in chosen:
        seller = people[ad.seller]
        if ad in demo_buys:
            buyer_index = 0
        else:
            neighbours = [i for i in by_city[seller.place.city] if i != ad.seller]
            if not neighbours:
                continue
            buyer_index = rng.choice(neighbours)
        buyer = people[buyer_index]
        assert ad.published_at is not None
        bought = _moment_after(rng, ad.published_at, now - timedelta(hours=2))
        done = min(bought + timedelta(hours=rng.uniform(2, 72)), now - timedelta(minutes=5))
        ships = ad.row.get("shipping_cents") is not None and rng.random() < 0.3
        price, shipping = ad.row["price_cents"], (ad.row.get("shipping_cents") or 0)
        order = Order(
            listing_id=ad.id,
            buyer_id=buyer.id,
            seller_id=seller.id,
            status=OrderStatus.COMPLETED,
            fulfilment=Fulfilment.SHIPPING if ships else Fulfilment.PICKUP,
            travel_mode=None if ships else rng.choices(modes, weights=(5, 3, 2))[0],
            distance_km=None
            if ships
            else round(haversine_km(buyer.lat, buyer.lon, ad.lat, ad.lon), 3),
            item_cents=price,
            shipping_cents=shipping if ships else 0,
            total_cents=price + (shipping if ships else 0),
            currency=ad.row["currency"],
            handover_code=f"{rng.randrange(1_000_000):06d}",
            gateway="dev",
            created_at=bought,
            updated_at=done,
            expires_at=bought + timedelta(minutes=30),
            paid_at=bought + timedelta(minutes=2),
            delivered_at=done,
            closed_at=done,
        )
        session.add(order)
        session.flush()
        ad.status = ListingStatus.SOLD
        session.execute(
            sa.update(_TABLES["listings"])
            .where(_TABLES["listings"].c.id == ad.id)
            .values(status=ListingStatus.SOLD.value, updated_at=done)
        )
        figure = orders_service.trade_estimate(session=session, order=order)
        if figure is not None:
            assert order.id is not None
            carbon_service.credit_trade(
                session=session,
                order_id=order.id,
                buyer_id=buyer.id,
                seller_id=seller.id,
                estimate=figure,
                at=done,
            )
        made += 1
        steps.advance(1)
    return made


# --- shared demo photos -------------------------------------------------------------------


def _photo_key(slug: str, number: int) -> str:
    return f"demo/{slug}-{number}"


def _ensure_demo_photos(steps: _Steps) -> int:
    """Draw the shared placeholder images that are missing; returns how many were drawn."""
    wanted = [(leaf, n) for leaf in LEAVES for n in range(1, PHOTOS_PER_LEAF + 1)]
    missing = [
        (leaf, n)
        for leaf, n in wanted
        if not all(
            photo_store.file_path(_photo_key(leaf.slug, n), size).exists()
            for size in photo_store.SIZES
        )
    ]
    steps.start("Demo photos", len(wanted))
    steps.advance(len(wanted) - len(missing))
    if not missing:
        return 0

    def draw(job: tuple[Category, int]) -> None:
        leaf, number = job
        photo_store.save(_photo_key(leaf.slug, number), _encode(_demo_photo(leaf, number)))

    # Pillow releases the GIL while resizing and encoding, so threads use both cores.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for _ in pool.map(draw, missing):
            steps.advance(1)
    return len(missing)


def _encode(image: Image.Image) -> photo_store.ProcessedPhoto:
    display, thumb = io.BytesIO(), io.BytesIO()
    image.save(display, "JPEG", quality=85)
    # Exactly half the size: a 2x2 box average is as good as Lanczos here, and much faster.
    image.reduce(PHOTO_EDGE // THUMB_EDGE).save(thumb, "JPEG", quality=80)
    return photo_store.ProcessedPhoto(
        display=display.getvalue(), thumb=thumb.getvalue(), width=image.width, height=image.height
    )


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Loaded per use (a tenth of a millisecond), not cached: a FreeType face must not be
    # shared between the drawing threads.
    return ImageFont.load_default(size=size)


_TURNS = (None, Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270)


@functools.cache
def _background(group: str, number: int) -> Image.Image:
    """Gradient, soft discs and the group's icon: shared by every leaf of a group."""
    style = catalog.GROUPS[group]
    dark, light = style.colours
    edge = PHOTO_EDGE
    # A diagonal gradient; each image of a category runs it another way.
    ramp = Image.linear_gradient("L").resize((edge, edge))
    mask = ImageChops.add(ramp, ramp.transpose(Image.Transpose.ROTATE_90), scale=2.0)
    turn = _TURNS[number % len(_TURNS)]
    if turn is not None:
        mask = mask.transpose(turn)
    image = Image.composite(
        Image.new("RGB", mask.size, dark), Image.new("RGB", mask.size, light), mask
    )

    draw = ImageDraw.Draw(image, "RGBA")
    cx, cy = _icon_centre(number)
    draw.ellipse((cx - 230, cy - 230, cx + 230, cy + 230), fill=(255, 255, 255, 46))
    corner = 90 + 470 * (number % 2)
    draw.ellipse((corner, 40, corner + 160, 200), fill=(255, 255, 255, 26))

    # The icon is drawn at twice the size and shrunk, so its edges are smooth.
    icon_edge = 300 + 30 * (number % 3)
    icon = Image.new("RGBA", (icon_edge * 2, icon_edge * 2), (0, 0, 0, 0))
    _draw_icon(ImageDraw.Draw(icon), style.icon, scale=icon_edge * 2 / 1000, accent=dark)
    icon = icon.reduce(2)
    image.paste(icon, (cx - icon_edge // 2, cy - icon_edge // 2), mask=icon)
    return image


def _icon_centre(number: int) -> tuple[int, int]:
    return 400 + (-60, 0, 60)[number % 3], 300 + (number % 2) * 20


def _demo_photo(leaf: Category, number: int) -> Image.Image:
    """A flat, friendly placeholder: gradient, icon, category name and a DEMO PHOTO band."""
    assert leaf.parent is not None
    dark = catalog.GROUPS[leaf.parent].colours[0]
    edge = PHOTO_EDGE
    image = _background(leaf.parent, number).copy()
    draw = ImageDraw.Draw(image, "RGBA")
    group_name = next(p.name for p in PARENTS if p.slug == leaf.parent).upper()
    draw.text((edge // 2, 42), group_name, font=_font(26), fill=(255, 255, 255, 215), anchor="mt")
    size = 52
    while size > 30 and draw.textlength(leaf.name, font=_font(size)) > edge - 80:
        size -= 2
    draw.text(
        (edge // 2, 548),
        leaf.name,
        font=_font(size),
        fill=(255, 255, 255),
        anchor="mt",
        stroke_width=2,
        stroke_fill=dark,
    )
    # The band that says what this is, readable even on a thumbnail.
    draw.rectangle((0, edge - 150, edge, edge), fill=(24, 24, 28, 200))
    draw.text(
        (edge // 2, edge - 118),
        "DEMO PHOTO",
        font=_font(64),
        fill=(255, 255, 255),
        anchor="mt",
        stroke_width=2,
        stroke_fill=(255, 255, 255),
    )
    draw.text(
        (edge // 2, edge - 38),
        "placeholder image for demo data",
        font=_font(24),
        fill=(220, 220, 225),
        anchor="mt",
    )
    return image


def _draw_icon(
    draw: ImageDraw.ImageDraw, name: str, *, scale: float, accent: tuple[int, int, int]
) -> None:
    """Simple flat icons on a 1000 x 1000 grid: white shapes with accent details."""

    def p(*xy: float) -> list[tuple[float, float]]:
        return [(xy[i] * scale, xy[i + 1] * scale) for i in range(0, len(xy), 2)]

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (x0 * scale, y0 * scale, x1 * scale, y1 * scale)

    white = (255, 255, 255, 240)
    shade = (*accent, 230)
    line = round(28 * scale)

    if name == "screen":
        draw.rounded_rectangle(box(100, 160, 900, 700), radius=40 * scale, fill=white)
        draw.rectangle(box(150, 210, 850, 650), fill=shade)
        draw.polygon(p(450, 700, 550, 700, 600, 830, 400, 830), fill=white)
        draw.rounded_rectangle(box(290, 820, 710, 870), radius=20 * scale, fill=white)
    elif name == "dress":
        draw.polygon(
            p(
                395,
                110,
                440,
                110,
                470,
                210,
                530,
                210,
                560,
                110,
                605,
                110,
                625,
                330,
                565,
                430,
                810,
                880,
                190,
                880,
                435,
                430,
                375,
                330,
            ),
            fill=white,
        )
        draw.rectangle(box(440, 410, 560, 450), fill=shade)
    elif name == "shirt":
        draw.polygon(
            p(
                350,
                140,
                430,
                140,
                500,
                220,
                570,
                140,
                650,
                140,
                890,
                300,
                810,
                450,
                710,
                400,
                710,
                880,
                290,
                880,
                290,
                400,
                190,
                450,
                110,
                300,
            ),
            fill=white,
        )
        draw.polygon(p(430, 140, 500, 220, 570, 140, 540, 140, 500, 185, 460, 140), fill=shade)
    elif name == "onesie":
        draw.polygon(
            p(
                370,
                150,
                450,
                150,
                500,
                205,
                550,
                150,
                630,
                150,
                830,
                290,
                760,
                410,
                680,
                370,
                680,
                640,
                590,
                820,
                410,
                820,
                320,
                640,
                320,
                370,
                240,
                410,
                170,
                290,
            ),
            fill=white,
        )
        for x in (450, 500, 550):
            draw.ellipse(box(x - 16, 770, x + 16, 802), fill=shade)
        draw.ellipse(box(440, 420, 560, 540), fill=shade)
    elif name == "shoe":
        draw.polygon(
            p(
                110,
                700,
                120,
                450,
                260,
                420,
                400,
                290,
                530,
                290,
                570,
                430,
                770,
                520,
                880,
                600,
                890,
                700,
            ),
            fill=white,
        )
        draw.rounded_rectangle(box(100, 690, 900, 780), radius=30 * scale, fill=shade)
        for i in range(3):
            x = 420 + i * 45
            draw.line(p(x, 360 + i * 20, x + 60, 400 + i * 25), fill=shade, width=line // 2)
    elif name == "bag":
        draw.arc(box(320, 170, 680, 560), start=180, end=360, fill=white, width=line * 2)
        draw.line(p(320, 365, 320, 400), fill=white, width=line * 2)
        draw.line(p(680, 365, 680, 400), fill=white, width=line * 2)
        draw.rounded_rectangle(box(180, 380, 820, 860), radius=60 * scale, fill=white)
        draw.rounded_rectangle(box(450, 470, 550, 540), radius=12 * scale, fill=shade)
    elif name == "sofa":
        draw.rounded_rectangle(box(190, 300, 810, 600), radius=50 * scale, fill=white)
        draw.rounded_rectangle(box(150, 560, 850, 730), radius=30 * scale, fill=white)
        draw.rounded_rectangle(box(90, 440, 240, 760), radius=45 * scale, fill=white)
        draw.rounded_rectangle(box(760, 440, 910, 760), radius=45 * scale, fill=white)
        draw.line(p(500, 330, 500, 580), fill=shade, width=line // 2)
        draw.line(p(240, 600, 760, 600), fill=shade, width=line // 2)
        draw.rectangle(box(150, 760, 200, 840), fill=white)
        draw.rectangle(box(800, 760, 850, 840), fill=white)
    elif name == "lamp":
        draw.polygon(p(330, 130, 670, 130, 790, 450, 210, 450), fill=white)
        draw.rectangle(box(480, 450, 520, 800), fill=white)
        draw.ellipse(box(320, 770, 680, 870), fill=white)
        draw.polygon(p(380, 450, 620, 450, 700, 560, 300, 560), fill=(255, 255, 255, 70))
    elif name == "washer":
        draw.rounded_rectangle(box(200, 110, 800, 890), radius=50 * scale, fill=white)
        draw.line(p(200, 270, 800, 270), fill=shade, width=line // 2)
        draw.ellipse(box(650, 160, 720, 230), fill=shade)
        draw.rectangle(box(270, 175, 450, 215), fill=shade)
        draw.ellipse(box(290, 350, 710, 770), outline=shade, width=line)
        draw.ellipse(box(360, 420, 640, 700), fill=(*accent, 120))
    elif name == "bike":
        for cx in (250, 750):
            draw.ellipse(box(cx - 200, 440, cx + 200, 840), outline=white, width=line)
        frame = (250, 640, 430, 420, 660, 420, 750, 640)
        draw.line(p(*frame), fill=white, width=line, joint="curve")
        draw.line(p(430, 420, 500, 640, 250, 640), fill=white, width=line, joint="curve")
        draw.line(p(500, 640, 660, 420), fill=white, width=line)
        draw.line(p(430, 420, 400, 340), fill=white, width=line)
        draw.rounded_rectangle(box(340, 310, 470, 350), radius=15 * scale, fill=white)
        draw.line(p(660, 420, 640, 320, 720, 300), fill=white, width=line, joint="curve")
        draw.ellipse(box(470, 610, 530, 670), fill=shade)
    elif name == "pram":
        draw.pieslice(box(160, 200, 800, 760), start=0, end=180, fill=white)
        draw.pieslice(box(160, 200, 800, 760), start=180, end=270, fill=white)
        draw.line(p(480, 480, 800, 480), fill=shade, width=line // 2)
        draw.line(p(800, 480, 900, 300), fill=white, width=line)
        for cx in (310, 650):
            draw.ellipse(box(cx - 80, 760, cx + 80, 920), outline=white, width=line)
    elif name == "books":
        draw.rounded_rectangle(box(150, 700, 850, 820), radius=14 * scale, fill=white)
        draw.rounded_rectangle(box(210, 570, 790, 690), radius=14 * scale, fill=white)
        draw.rectangle(box(210, 610, 790, 640), fill=shade)
        draw.rounded_rectangle(box(260, 440, 740, 560), radius=14 * scale, fill=white)
        draw.polygon(p(560, 430, 640, 170, 740, 200, 660, 440), fill=white)
        draw.line(p(600, 420, 670, 200), fill=shade, width=line // 2)
        draw.rectangle(box(150, 740, 850, 770), fill=shade)
    elif name == "blocks":
        for x0, y0 in ((170, 520), (530, 520), (350, 180)):
            draw.rounded_rectangle(box(x0, y0, x0 + 300, y0 + 300), radius=40 * scale, fill=white)
        for x, y in ((260, 610), (380, 730), (620, 610), (740, 730), (620, 730), (740, 610)):
            draw.ellipse(box(x - 28, y - 28, x + 28, y + 28), fill=shade)
        draw.ellipse(box(472, 302, 528, 358), fill=shade)
    elif name == "tent":
        draw.polygon(p(500, 170, 890, 800, 110, 800), fill=white)
        draw.polygon(p(500, 430, 640, 800, 360, 800), fill=shade)
        draw.line(p(60, 820, 940, 820), fill=white, width=line // 2)
        draw.line(p(500, 170, 500, 100), fill=white, width=line // 2)
        draw.polygon(p(500, 100, 600, 125, 500, 150), fill=white)
    else:  # pragma: no cover - every group has an icon; a test draws them all
        raise ValueError(f"no icon called {name!r}")


# --- helpers ------------------------------------------------------------------------------


def _batches(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_returning_ids(
    session: Session, table: sa.Table, rows: list[dict[str, Any]]
) -> list[int]:
    """Bulk insert; ids come back in the order of ``rows`` on SQLite and PostgreSQL alike."""
    if not rows:
        return []
    statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [int(new_id) for new_id in session.execute(statement, rows).scalars()]
