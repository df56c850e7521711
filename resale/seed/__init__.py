"""``resale seed``: a believable demo marketplace, clearly marked as demo, made in seconds.

Everything is planned from one ``random.Random(random_seed)`` and written with
bulk INSERTs (one statement per batch, not one per row), because ``make run``
seeds on first start and nobody should wait for it. Photos are a few hundred
shared placeholder images drawn once and reused by every listing.
"""

from __future__ import annotations

import functools
import heapq
import math
import random
import time
from collections import Counter
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

import sqlalchemy as sa
from rich.progress import Progress
from sqlmodel import Session, func, select

from listings.models import InteractionKind, ListingStatus
from listings.text import search_document
from resale import demo_catalog as catalog
from resale.core.db import utcnow
from resale.core.geo import PLACES, PLACES_BY_SLUG, haversine_km, public_point
from resale.core.security import hash_password
from resale.core.taxonomy import LEAVES, PARENTS
from resale.seed.photos import PHOTO_EDGE, PHOTOS_PER_LEAF, ensure_demo_photos, photo_key
from resale.seed.rows import (
    BATCH,
    TABLES,
    Ad,
    Person,
    Steps,
    batches,
    insert_returning_ids,
    moment_after,
)
from resale.seed.trades import insert_trades
from resale.users.models import User

DEMO_EMAIL = "demo@resale.example"
DEMO_PASSWORD = "resale-demo"  # noqa: S105  (public demo login, shown on the login page)
DEMO_NAME = "Demo Buyer"
DEMO_PLACE = PLACES_BY_SLUG["paris-marais"]
DEMO_INTERESTS = ("furniture", "home", "bikes")
EMAIL_DOMAIN = "demo.resale.example"

HISTORY_DAYS = 60


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
    steps = Steps(progress)

    drawn = ensure_demo_photos(steps)
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
    trades = insert_trades(session=session, rng=rng, people=people, ads=ads, now=now, steps=steps)
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
) -> list[Person]:
    if demo is None:
        first = Person(
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
        first = Person(
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
            Person(
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


def _insert_people(*, session: Session, people: list[Person], steps: Steps) -> int:
    """Insert the people without an id yet and set their ids; returns how many."""
    new = [person for person in people if not person.id]
    steps.start("Demo users", len(new))
    # One argon2 hash for everybody: hashing is slow on purpose, and they share a password.
    password_hash = hash_password(DEMO_PASSWORD)
    table = TABLES["users"]
    for batch in batches(new, BATCH):
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
        ids = insert_returning_ids(session, table, rows)
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


def _pick_status(rng: random.Random, *, number: int, demo_count: int) -> ListingStatus:
    if number < demo_count:
        # The demo account shows every state of its own listings: on sale and a draft.
        return ListingStatus.DRAFT if number == demo_count - 1 else ListingStatus.ACTIVE
    roll = rng.random()
    return (
        ListingStatus.DRAFT
        if roll < 0.02
        else ListingStatus.WITHDRAWN
        if roll < 0.05
        else ListingStatus.ACTIVE
    )


def _listing_times(
    rng: random.Random, *, status: ListingStatus, now: datetime
) -> tuple[datetime, datetime, datetime | None]:
    """Created, updated and published moments of one listing."""
    history = timedelta(days=HISTORY_DAYS).total_seconds()
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
    return created_at, updated_at, published_at


def _plan_listings(
    *, rng: random.Random, people: list[Person], count: int, now: datetime, demo_sells: bool
) -> list[Ad]:
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
    ads: list[Ad] = []
    for number, slug in enumerate(categories):
        group = catalog.group_of(slug)
        if number < demo_count or not sellers:
            seller = 0
        else:
            seller = rng.choices(sellers, cum_weights=cum_weights[group])[0]
        person = people[seller]

        status = _pick_status(rng, number=number, demo_count=demo_count)
        created_at, updated_at, published_at = _listing_times(rng, status=status, now=now)
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
            Ad(
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


def _insert_listings(*, session: Session, ads: list[Ad], steps: Steps) -> int:
    """Insert listings, then their photo rows; returns the number of photos."""
    steps.start("Demo listings", len(ads))
    listings_table, photos_table = TABLES["listings"], TABLES["listing_photos"]
    photo_rows: list[dict[str, Any]] = []
    for batch in batches(ads, BATCH):
        ids = insert_returning_ids(session, listings_table, [ad.row for ad in batch])
        for ad, new_id in zip(batch, ids, strict=True):
            ad.id = new_id
            photo_rows.extend(
                {
                    "listing_id": new_id,
                    "position": position,
                    "key": photo_key(ad.row["category"], number),
                    "width": PHOTO_EDGE,
                    "height": PHOTO_EDGE,
                    "created_at": ad.row["created_at"],
                }
                for position, number in enumerate(ad.photos)
            )
        steps.advance(len(batch))
    for batch_rows in batches(photo_rows, 5 * BATCH):
        session.execute(sa.insert(photos_table), batch_rows)
    return len(photo_rows)


# --- favourites and views -----------------------------------------------------------------


def _plan_interactions(
    *, rng: random.Random, people: list[Person], ads: list[Ad], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Favourites and views that follow taste and distance, never on one's own listing."""
    active = [index for index, ad in enumerate(ads) if ad.status is ListingStatus.ACTIVE]
    by_city: dict[str, list[int]] = {}
    for index in active:
        by_city.setdefault(people[ads[index].seller].place.city, []).append(index)

    favourites: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    fav_count: Counter[int] = Counter()

    def view(user_id: int | None, ad: Ad, at: datetime) -> None:
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
            seen = moment_after(rng, ad.published_at, now)
            view(person.id, ad, seen)
            if rng.random() < 0.15:  # came back for another look
                view(person.id, ad, moment_after(rng, seen, now))
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
            view(None, ad, moment_after(rng, ad.published_at, now))

    # Insert in time order, so event ids grow with time as they would in real use.
    events.sort(key=lambda e: (e["created_at"], e["listing_id"], e["user_id"] or 0, e["kind"]))
    return favourites, events


def _insert_interactions(
    *,
    session: Session,
    favourites: list[dict[str, Any]],
    events: list[dict[str, Any]],
    steps: Steps,
) -> None:
    steps.start("Favourites and views", len(favourites) + len(events))
    for batch in batches(favourites, 5 * BATCH):
        session.execute(sa.insert(TABLES["favorites"]), batch)
        steps.advance(len(batch))
    for batch in batches(events, 5 * BATCH):
        session.execute(sa.insert(TABLES["interaction_events"]), batch)
        steps.advance(len(batch))
