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
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

import sqlalchemy as sa
from rich.progress import Progress
from sqlmodel import Session, col, func, select

from listings.models import InteractionKind, ListingStatus
from listings.text import search_document
from resale import demo_catalog as catalog
from resale.core.db import utcnow
from resale.core.geo import PLACES, PLACES_BY_SLUG, Place, haversine_km, public_point
from resale.core.security import hash_password
from resale.core.taxonomy import LEAVES, PARENTS
from resale.seed.photos import PHOTO_EDGE, PHOTOS_PER_LEAF, ensure_demo_photos, photo_key
from resale.seed.reviews import insert_reviews
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
from resale.seed.talks import insert_conversations
from resale.seed.trades import insert_trades
from resale.users.models import User

DEMO_EMAIL = "demo@resale.example"
DEMO_PASSWORD = "resale-demo"  # noqa: S105  (public demo login, shown on the login page)
DEMO_NAME = "Demo Buyer"
DEMO_PLACE = PLACES_BY_SLUG["paris-marais"]
DEMO_INTERESTS = ("furniture", "home", "bikes")
# A second demo account, in Shanghai, sees the marketplace in Chinese (same password).
DEMO_CN_EMAIL = "demo-cn@resale.example"
DEMO_CN_NAME = "演示买家"
DEMO_CN_PLACE = PLACES_BY_SLUG["shanghai-jingan"]
DEMO_CN_INTERESTS = ("electronics", "home", "baby")
EMAIL_DOMAIN = "demo.resale.example"

HISTORY_DAYS = 60
DEMO_LISTINGS = 4  # each demo account's own: on sale, and the last one a draft
# About a third of the demo people live in China, the rest in Europe (as before the Chinese
# cities came): enough Chinese listings to browse and search in every category, and a
# European marketplace that stays as busy as it was.
CHINA_SHARE = 1 / 3
_CHINA = tuple(place for place in PLACES if place.country == "CN")
_EUROPE = tuple(place for place in PLACES if place.country != "CN")
NEIGHBOURS = 2  # people placed in each demo account's city first, so it has someone to trade with


@dataclass(frozen=True, slots=True)
class DemoAccount:
    email: str
    display_name: str
    place: Place
    interests: tuple[str, ...]
    language: str | None


DEMO_ACCOUNTS = (
    DemoAccount(DEMO_EMAIL, DEMO_NAME, DEMO_PLACE, DEMO_INTERESTS, None),
    DemoAccount(DEMO_CN_EMAIL, DEMO_CN_NAME, DEMO_CN_PLACE, DEMO_CN_INTERESTS, "zh-CN"),
)


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
    emails = [account.email for account in DEMO_ACCOUNTS]
    existing = {
        user.email: user for user in session.exec(select(User).where(col(User.email).in_(emails)))
    }
    offset = session.exec(select(func.count()).select_from(User)).one()
    people = _plan_people(rng=rng, count=users, offset=offset, now=now, existing=existing)
    # Demo accounts made now get a few listings of their own; reused ones keep theirs.
    demo_sellers = [i for i, p in enumerate(people) if p.demo and p.email not in existing]
    created_people = _insert_people(session=session, people=people, steps=steps)
    ads = _plan_listings(rng=rng, people=people, count=listings, now=now, demo_sellers=demo_sellers)
    photo_count = _insert_listings(session=session, ads=ads, steps=steps)
    favourites, events = _plan_interactions(rng=rng, people=people, ads=ads, now=now)
    _insert_interactions(session=session, favourites=favourites, events=events, steps=steps)
    trades = insert_trades(session=session, rng=rng, people=people, ads=ads, now=now, steps=steps)
    talks = insert_conversations(session=session, people=people, ads=ads, steps=steps)
    reviews = insert_reviews(session=session, rng=rng, now=now, steps=steps)
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
        f"{len(favourites):,} favourites, {views:,} views, {trades:,} completed trades "
        f"credited to carbon accounts ({reviews:,} reviews of the recent ones) and {talks} "
        "conversations with offers. "
        f"Log in as {DEMO_EMAIL} / {DEMO_PASSWORD} (a buyer in Paris), or as {DEMO_CN_EMAIL} "
        f"(a buyer in Shanghai, in Chinese); every demo user (…@{EMAIL_DOMAIN}) "
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


def _demo_person(account: DemoAccount, *, now: datetime, existing: dict[str, User]) -> Person:
    user = existing.get(account.email)
    if user is None:
        return Person(
            email=account.email,
            display_name=account.display_name,
            place=account.place,
            lat=account.place.lat,
            lon=account.place.lon,
            created_at=now - timedelta(days=120),
            interests=account.interests,
            selling=0.0,  # gets a fixed handful of listings instead
            demo=True,
            language=account.language,
        )
    # Seeding again: reuse the account, keep its password and home.
    assert user.id is not None
    place = next((p for p in PLACES if p.name == user.place_name), account.place)
    return Person(
        email=user.email,
        display_name=user.display_name,
        place=place,
        lat=user.lat if user.lat is not None else place.lat,
        lon=user.lon if user.lon is not None else place.lon,
        created_at=user.created_at,
        interests=account.interests,
        selling=0.0,
        demo=True,
        language=user.language,
        id=user.id,
    )


def _pick_place(rng: random.Random) -> Place:
    return rng.choice(_CHINA if rng.random() < CHINA_SHARE else _EUROPE)


def _plan_people(
    *, rng: random.Random, count: int, offset: int, now: datetime, existing: dict[str, User]
) -> list[Person]:
    people = [
        _demo_person(account, now=now, existing=existing)
        for account in DEMO_ACCOUNTS[: max(count, 1)]
    ]
    # The first few live in the demo accounts' cities: even a small demo has neighbours there.
    near_demo = [
        [place for place in PLACES if place.city == person.place.city] for person in people
    ]
    first = offset + len(people)
    for number in range(first, offset + count):
        rank = number - first
        if rank < NEIGHBOURS * len(near_demo):
            place = rng.choice(near_demo[rank % len(near_demo)])
        else:
            place = _pick_place(rng)
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
                # People in China chose Chinese; elsewhere the browser's language speaks.
                language="zh-CN" if place.country == "CN" else None,
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
                "language": p.language,
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


def _demo_slots(demo_sellers: list[int], count: int) -> list[tuple[int, ListingStatus]]:
    """Seller and status of the first listings: each demo account's own, the last a draft.

    A demo account shows every state of its own listings: on sale and a draft.
    """
    slots: list[tuple[int, ListingStatus]] = []
    for seller in demo_sellers:
        own = min(DEMO_LISTINGS, count - len(slots))
        slots += [(seller, ListingStatus.ACTIVE)] * (own - 1) + [(seller, ListingStatus.DRAFT)]
        if len(slots) >= count:
            break
    return slots[:count]


def _pick_status(rng: random.Random) -> ListingStatus:
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
    *, rng: random.Random, people: list[Person], count: int, now: datetime, demo_sellers: list[int]
) -> list[Ad]:
    categories = _categories(rng, count)
    demo_slots = _demo_slots(demo_sellers, count)
    # A demo account sells what it is into, as everybody does (the counts stay the same).
    for number, (seller, _) in enumerate(demo_slots):
        interests = people[seller].interests
        if catalog.group_of(categories[number]) in interests:
            continue
        swap = next(
            (
                other
                for other in range(len(demo_slots), len(categories))
                if catalog.group_of(categories[other]) in interests
            ),
            None,
        )
        if swap is not None:
            categories[number], categories[swap] = categories[swap], categories[number]
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
        if number < len(demo_slots):
            seller, status = demo_slots[number]
        else:
            seller = rng.choices(sellers, cum_weights=cum_weights[group])[0] if sellers else 0
            status = _pick_status(rng)
        person = people[seller]

        created_at, updated_at, published_at = _listing_times(rng, status=status, now=now)
        condition = catalog.pick_condition(rng=rng, slug=slug)
        # Sellers in China write in Chinese, about their district, and ask in yuan.
        item = catalog.make_item(
            rng=rng,
            slug=slug,
            condition=condition,
            currency=person.place.currency,
            area=catalog.area_for(person.place),
            language=catalog.language_of(person.place),
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
        if person.demo:
            wanted_favourites = 6  # a demo account shows a few saved items
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
