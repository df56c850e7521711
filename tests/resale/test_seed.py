"""The demo seed: a believable marketplace, fast, deterministic, and consistent with the rules."""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from PIL import Image, ImageStat
from sqlmodel import Session, col, func, select

from carbon import service as carbon
from listings import photos as photo_store
from listings.models import (
    Condition,
    Favorite,
    InteractionEvent,
    InteractionKind,
    Listing,
    ListingPhoto,
    ListingStatus,
)
from listings.schemas import MAX_PRICE_CENTS, MIN_PRICE_CENTS
from listings.search import SearchQuery, search
from resale import demo_catalog as catalog
from resale import demo_catalog_zh as catalog_zh
from resale import seed as demo
from resale.core.db import utcnow
from resale.core.geo import PLACES, PLACES_BY_SLUG, haversine_km, public_point
from resale.core.i18n import LOCALE_DIR
from resale.core.security import verify_password
from resale.core.taxonomy import LEAVES, PARENTS
from resale.trade.orders.models import Order, OrderStatus
from resale.users.models import User

USERS, LISTINGS, SEED = 30, 300, 7
PLACES_BY_NAME = {place.name: place for place in PLACES}
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
ZH_SENTENCE_END = re.compile(r"(?<=[。！？])")
HAN = re.compile(r"[\u4e00-\u9fff]")
DEMO_EMAILS = {demo.DEMO_EMAIL, demo.DEMO_CN_EMAIL}
T = TypeVar("T")


@pytest.fixture
def summary(session: Session) -> str:
    return demo.seed(session=session, users=USERS, listings=LISTINGS, random_seed=SEED)


def _all(session: Session, model: type[T]) -> list[T]:
    return list(session.exec(select(model)))


# --- the pure catalogue -------------------------------------------------------------------


def test_catalogue_covers_every_leaf_and_group() -> None:
    assert catalog.uncovered_leaves() == []
    assert catalog.unknown_entries() == []
    assert sorted(catalog.GROUPS) == sorted(p.slug for p in PARENTS)
    for entry in catalog.CATALOG.values():
        assert entry.models, entry.slug
        low, high = entry.price_cents
        assert MIN_PRICE_CENTS <= low < high <= MAX_PRICE_CENTS, entry.slug
        assert 0 < entry.weight_kg[0] <= entry.weight_kg[1] <= 1000, entry.slug
        assert entry.share > 0, entry.slug
        assert len(entry.notes) >= 2, entry.slug


def test_chinese_catalogue_covers_every_leaf_and_every_place_in_china() -> None:
    assert catalog.uncovered_leaves_zh() == []
    assert sorted(catalog_zh.CATALOG) == sorted(catalog.CATALOG)
    for entry in catalog_zh.CATALOG.values():
        english = catalog.CATALOG[entry.slug]
        assert len(entry.models) >= 5, entry.slug
        assert len(entry.notes) >= 2, entry.slug
        # A category that needs a weight per model (a yoga mat, a treadmill) has one in both.
        if all(model.weight_kg is not None for model in english.models):
            assert all(model.weight_kg is not None for model in entry.models), entry.slug
        for model in entry.models:
            assert HAN.search(model.name) or model.brand, model.name
            assert len(model.name) >= 3, model.name  # a title alone must be a valid one
            assert ": " not in model.name and "*" not in model.name, model.name
            assert model.name == model.name.strip() and "  " not in model.name, model.name
    in_china = {place.slug for place in PLACES if place.country == "CN"}
    assert set(catalog_zh.DISTRICTS) == in_china
    for slug in in_china:
        place = PLACES_BY_SLUG[slug]
        assert place.currency == "CNY"
        assert catalog.area_for(place) == catalog_zh.DISTRICTS[slug]
        assert catalog.language_of(place) == "zh"
    assert catalog.area_for(PLACES_BY_SLUG["london-hackney"]) == "Hackney"


def test_district_names_agree_with_the_translated_place_names() -> None:
    """Where the Chinese catalog names a place already ("上海 静安区"), it ends in our district."""
    from babel.messages.pofile import read_po

    po = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        pytest.skip("no Chinese catalog")
    with po.open("rb") as file:
        messages = {str(m.id): str(m.string) for m in read_po(file) if m.id and m.string}
    for slug, district in catalog_zh.DISTRICTS.items():
        translated = messages.get(PLACES_BY_SLUG[slug].name)
        if translated:
            assert translated.endswith(district), (slug, translated, district)


def test_the_longest_possible_title_and_brand_fit_the_columns() -> None:
    for entry in catalog.CATALOG.values():
        longest_brand = max((len(b) + 1 for b in entry.brands), default=0)
        longest_detail = max((len(d) + 2 for d in entry.details), default=0)
        for model in entry.models:
            extra = 0 if model.brand else longest_brand
            assert len(model.name) + extra + longest_detail <= 100, model.name
            assert model.brand is None or len(model.brand) <= 60
            assert ": " not in model.name and "*" not in model.name, model.name


def test_every_phrase_is_one_sentence() -> None:
    phrases = [
        *itertools.chain.from_iterable(e.notes for e in catalog.CATALOG.values()),
        *itertools.chain.from_iterable(catalog.CONDITION_NOTES.values()),
        *itertools.chain.from_iterable(catalog.KIND_CONDITION_NOTES.values()),
        *itertools.chain.from_iterable(catalog.REASONS.values()),
        *itertools.chain.from_iterable(catalog.PICKUP_NOTES.values()),
        *catalog.CLOSERS,
    ]
    for phrase in phrases:
        assert phrase[0].isupper() and phrase[-1] in ".!", phrase
        assert len(SENTENCE_END.split(phrase)) == 1, phrase


def test_every_chinese_phrase_is_one_sentence() -> None:
    phrases = [
        *itertools.chain.from_iterable(e.notes for e in catalog_zh.CATALOG.values()),
        *itertools.chain.from_iterable(catalog_zh.CONDITION_NOTES.values()),
        *itertools.chain.from_iterable(catalog_zh.KIND_CONDITION_NOTES.values()),
        *itertools.chain.from_iterable(catalog_zh.REASONS.values()),
        *itertools.chain.from_iterable(catalog_zh.PICKUP_NOTES.values()),
        *catalog_zh.CLOSERS,
    ]
    for phrase in phrases:
        assert HAN.search(phrase) and phrase[-1] in "。！", phrase
        assert not re.search(r"[。！？.!?]", phrase[:-1]), phrase
        assert phrase == phrase.strip() and not re.search(r"[，。！] ", phrase), phrase
    assert set(catalog_zh.CONDITION_NOTES) == set(Condition)
    assert set(catalog_zh.TITLE_CONDITIONS) == set(Condition)
    assert set(catalog_zh.REASONS) == set(catalog.REASONS)
    assert set(catalog_zh.PICKUP_NOTES) == set(catalog.PICKUP_NOTES)


def test_generated_items_read_like_ads_and_respect_the_rules() -> None:
    rng = random.Random(1)
    for leaf in LEAVES:
        for _ in range(25):
            condition = catalog.pick_condition(rng=rng, slug=leaf.slug)
            currency = rng.choice(("EUR", "GBP"))
            item = catalog.make_item(
                rng=rng, slug=leaf.slug, condition=condition, currency=currency, area="Hackney"
            )
            assert 3 <= len(item.title) <= 100, item.title
            # Generic names are capitalised; brands keep their own spelling ("iPhone").
            assert not item.title[0].islower() or item.brand is not None, item.title
            assert MIN_PRICE_CENTS <= item.price_cents <= MAX_PRICE_CENTS
            assert item.weight_kg is None or 0 < item.weight_kg <= 1000
            sentences = SENTENCE_END.split(item.description)
            assert 2 <= len(sentences) <= 4, item.description
            assert "{" not in item.description, item.description
            if condition is Condition.NEW_WITH_TAGS:
                # Notes speak of use ("worn twice"), which a new item cannot have had.
                assert not set(sentences) & set(catalog.CATALOG[leaf.slug].notes)


def test_chinese_items_read_like_xianyu_ads_priced_in_whole_yuan() -> None:
    rng = random.Random(11)
    titles: set[str] = set()
    for leaf in LEAVES:
        words = catalog_zh.CATALOG[leaf.slug]
        for _ in range(25):
            condition = catalog.pick_condition(rng=rng, slug=leaf.slug)
            item = catalog.make_item(
                rng=rng,
                slug=leaf.slug,
                condition=condition,
                currency="CNY",
                area="静安区",
                language="zh",
            )
            titles.add(item.title)
            assert 3 <= len(item.title) <= 100, item.title
            assert item.title == item.title.strip() and "  " not in item.title, item.title
            assert any(model.name in item.title for model in words.models), item.title
            assert item.brand is None or len(item.brand) <= 60
            assert MIN_PRICE_CENTS <= item.price_cents <= MAX_PRICE_CENTS
            assert item.price_cents % 100 == 0, item.price_cents  # whole yuan
            assert item.weight_kg is None or 0 < item.weight_kg <= 1000
            assert HAN.search(item.description), item.description  # "LG 27UL850 4K" may be Latin
            sentences = ZH_SENTENCE_END.split(item.description)
            assert sentences[-1] == "", item.description  # ends a sentence
            assert 2 <= len(sentences) - 1 <= 4, item.description
            assert "{" not in item.description, item.description
            assert not re.search(r"[，。！] ", item.description), (
                item.description
            )  # no spaces between
            if "自提" in item.description or "面交" in item.description:
                assert "静安区" in item.description or "同城" in item.description, item.description
            if condition is Condition.NEW_WITH_TAGS:
                assert not set(sentences) & set(words.notes), item.description
                assert not re.search(r"九成新|八成新|七成新", item.title), item.title
    assert len(titles) >= 0.6 * 25 * len(LEAVES)


def test_yuan_prices_are_about_five_times_the_euro_ones() -> None:
    def average(currency: str, language: str) -> float:
        rng = random.Random(12)
        prices = [
            catalog.make_item(
                rng=rng,
                slug=leaf.slug,
                condition=Condition.GOOD,
                currency=currency,
                area="Brera",
                language=language,
            ).price_cents
            for leaf in LEAVES
            for _ in range(20)
        ]
        return sum(prices) / len(prices)

    ratio = average("CNY", "zh") / average("EUR", "en")
    assert 4.0 <= ratio <= 6.0, ratio
    assert catalog.nice_price(449, "CNY") == 400 and catalog.nice_price(449) == 450
    assert catalog.nice_price(12_340, "CNY") == 12_500
    assert catalog.nice_price(124_900, "CNY") == 125_000


def test_clothes_are_never_sold_for_parts_and_condition_lowers_the_price() -> None:
    rng = random.Random(2)
    conditions = Counter(catalog.pick_condition(rng=rng, slug="women-dresses") for _ in range(2000))
    assert conditions[Condition.FOR_PARTS] == 0
    assert conditions[Condition.GOOD] > conditions[Condition.NEW_WITH_TAGS]

    def average_price(condition: Condition) -> float:
        rng = random.Random(3)
        prices = [
            catalog.make_item(
                rng=rng, slug="phones", condition=condition, currency="EUR", area="Mitte"
            ).price_cents
            for _ in range(300)
        ]
        return sum(prices) / len(prices)

    assert average_price(Condition.LIKE_NEW) > average_price(Condition.FAIR)
    assert average_price(Condition.FAIR) > average_price(Condition.FOR_PARTS)


def test_same_random_state_gives_the_same_items() -> None:
    def items(seed: int) -> list[catalog.Item]:
        rng = random.Random(seed)
        return [
            catalog.make_item(
                rng=rng, slug=leaf.slug, condition=Condition.GOOD, currency="EUR", area="Brera"
            )
            for leaf in LEAVES
        ]

    assert items(5) == items(5)
    assert items(5) != items(6)


def test_names_are_plain_and_emails_ascii() -> None:
    rng = random.Random(4)
    for country in ("FR", "DE", "GB", "ES", "IT", "NL"):
        for _ in range(50):
            name, stem = catalog.person(rng=rng, country=country)
            assert re.fullmatch(r"\S+ [A-Z]\.", name), name
            assert re.fullmatch(r"[a-z]+\.[a-z]", stem), stem
    chinese = [catalog.person(rng=rng, country="CN") for _ in range(300)]
    for name, stem in chinese:
        assert 1 <= len(name) <= 20 and " " not in name, name
        assert re.fullmatch(r"[a-z]+(\.[a-z]+)?", stem), stem  # pinyin, plain ASCII
    assert sum(bool(HAN.search(name)) for name, _ in chinese) >= 0.8 * len(chinese)
    assert len({name for name, _ in chinese}) >= 100


# --- the seeded database ------------------------------------------------------------------


def test_is_empty_before_and_not_after(session: Session) -> None:
    assert demo.is_empty(session=session)
    demo.seed(session=session, users=5, listings=20, random_seed=1)
    assert not demo.is_empty(session=session)


def test_counts_and_summary(session: Session, summary: str) -> None:
    assert session.exec(select(func.count()).select_from(User)).one() == USERS
    assert session.exec(select(func.count()).select_from(Listing)).one() == LISTINGS
    photos = session.exec(select(func.count()).select_from(ListingPhoto)).one()
    assert LISTINGS <= photos <= 3 * LISTINGS
    favourites = session.exec(select(func.count()).select_from(Favorite)).one()
    views = session.exec(
        select(func.count()).where(InteractionEvent.kind == InteractionKind.VIEW)
    ).one()
    assert favourites >= USERS  # a couple each on average
    assert views >= LISTINGS
    assert "log in as demo@resale.example / resale-demo" in summary.lower()
    assert "demo-cn@resale.example" in summary
    assert f"{LISTINGS:,} listings" in summary and f"{USERS:,} users" in summary
    assert f"{favourites:,} favourites" in summary and f"{views:,} views" in summary


def test_every_leaf_has_at_least_three_listings(session: Session, summary: str) -> None:
    counts = Counter(session.exec(select(Listing.category)))
    assert {leaf.slug: counts[leaf.slug] >= 3 for leaf in LEAVES} == {
        leaf.slug: True for leaf in LEAVES
    }
    # ...and the rest follow what people sell: far more clothes than appliances.
    groups: Counter[str] = Counter()
    for slug, n in counts.items():
        groups[catalog.group_of(slug)] += n
    clothes = groups["women"] + groups["men"] + groups["kids"] + groups["shoes"]
    assert clothes > 2 * groups["appliances"]


def test_listings_are_varied_and_mostly_on_sale(session: Session, summary: str) -> None:
    listings = _all(session, Listing)
    statuses = Counter(listing.status for listing in listings)
    # About one in ten on sale has been sold already, in a completed trade.
    assert statuses[ListingStatus.ACTIVE] + statuses[ListingStatus.SOLD] >= 0.88 * LISTINGS
    assert 0.05 * LISTINGS <= statuses[ListingStatus.SOLD] <= 0.15 * LISTINGS
    assert statuses[ListingStatus.DRAFT] >= 1  # at least the demo account's
    assert set(statuses) <= {
        ListingStatus.ACTIVE,
        ListingStatus.SOLD,
        ListingStatus.DRAFT,
        ListingStatus.WITHDRAWN,
    }
    assert len({listing.condition for listing in listings}) >= 4
    assert len({listing.title for listing in listings}) >= 0.8 * LISTINGS
    assert sum(listing.weight_kg is not None for listing in listings) >= 0.8 * LISTINGS
    assert sum(listing.brand is not None for listing in listings) >= 0.3 * LISTINGS


def test_points_are_valid_and_near_their_place(session: Session, summary: str) -> None:
    users = {user.id: user for user in _all(session, User)}
    assert len({user.place_name for user in users.values()}) >= 10
    for user in users.values():
        place = PLACES_BY_NAME[user.place_name or ""]
        assert user.lat is not None and user.lon is not None
        assert haversine_km(user.lat, user.lon, place.lat, place.lon) <= 2.05
    for listing in _all(session, Listing):
        seller = users[listing.seller_id]
        place = PLACES_BY_NAME[listing.place_name or ""]
        assert listing.place_name == seller.place_name
        assert listing.currency == place.currency  # GBP in London, CNY in China, else EUR
        assert listing.lat is not None and listing.lon is not None
        assert -90 <= listing.lat <= 90 and -180 <= listing.lon <= 180
        # On the public grid, as the listing service stores points: never a seller's exact home.
        assert (listing.lat, listing.lon) == public_point(listing.lat, listing.lon)
        assert (listing.lat, listing.lon) != (seller.lat, seller.lon)
        assert haversine_km(listing.lat, listing.lon, place.lat, place.lon) <= 2.3 + 0.8
        assert MIN_PRICE_CENTS <= listing.price_cents <= MAX_PRICE_CENTS


def test_demo_account_can_log_in_and_has_things_to_show(session: Session, summary: str) -> None:
    user = session.exec(select(User).where(User.email == "demo@resale.example")).one()
    assert user.display_name == "Demo Buyer"
    assert user.place_name == "Paris, Le Marais"
    assert verify_password("resale-demo", user.password_hash)
    assert not verify_password("resale-demo-", user.password_hash)

    own = list(session.exec(select(Listing).where(Listing.seller_id == user.id)))
    assert 2 <= len(own) <= 6
    assert [listing.status for listing in own].count(ListingStatus.DRAFT) == 1
    assert any(listing.status is ListingStatus.ACTIVE for listing in own)
    saved = session.exec(
        select(func.count()).select_from(Favorite).where(Favorite.user_id == user.id)
    ).one()
    assert saved >= 3

    others = list(session.exec(select(User).where(col(User.email).not_in(DEMO_EMAILS))))
    assert all(u.email.endswith("@demo.resale.example") for u in others)
    assert len({u.email for u in others}) == len(others)
    assert {u.password_hash for u in others} == {user.password_hash}  # one hash, one password
    assert len({u.display_name for u in others}) >= 0.7 * len(others)


def test_the_chinese_demo_account_lives_in_shanghai_and_sells_in_chinese(
    session: Session, summary: str
) -> None:
    user = session.exec(select(User).where(User.email == demo.DEMO_CN_EMAIL)).one()
    assert user.display_name == "演示买家"
    assert user.place_name == "Shanghai, Jing'an" and user.language == "zh-CN"
    assert verify_password("resale-demo", user.password_hash)
    own = list(session.exec(select(Listing).where(Listing.seller_id == user.id)))
    assert 2 <= len(own) <= 6
    assert [listing.status for listing in own].count(ListingStatus.DRAFT) == 1
    assert any(listing.status is ListingStatus.ACTIVE for listing in own)
    for listing in own:
        assert listing.currency == "CNY" and listing.place_name == "Shanghai, Jing'an"
        assert HAN.search(listing.description), listing.description
    saved = session.exec(
        select(func.count()).select_from(Favorite).where(Favorite.user_id == user.id)
    ).one()
    assert saved >= 3
    mine = carbon.account_summary(session=session, user_id=user.id or 0)
    assert mine.trades >= 3 and mine.buyer_grams > 0 and mine.seller_grams > 0
    # It buys near home, in yuan, as the Paris account buys near home in euros.
    bought = list(session.exec(select(Order).where(Order.buyer_id == user.id)))
    assert bought and all(order.currency == "CNY" for order in bought)
    assert all(order.distance_km is not None and order.distance_km < 30 for order in bought)


def test_a_third_of_the_people_live_in_china_and_write_in_chinese() -> None:
    people = demo._plan_people(
        rng=random.Random(SEED), count=600, offset=0, now=utcnow(), existing={}
    )
    in_china = [p for p in people if p.place.country == "CN"]
    assert 0.27 <= len(in_china) / len(people) <= 0.40
    assert {p.place.city for p in in_china} == {
        "Shanghai",
        "Hangzhou",
        "Beijing",
        "Shenzhen",
        "Chengdu",
    }
    assert all(p.language == "zh-CN" for p in in_china)
    assert all(p.language is None for p in people if p.place.country != "CN" and not p.demo)
    assert [p.email for p in people if p.demo] == [demo.DEMO_EMAIL, demo.DEMO_CN_EMAIL]


def test_chinese_listings_are_in_chinese_and_in_yuan_and_sold_in_china(
    session: Session, summary: str
) -> None:
    users = {user.id: user for user in _all(session, User)}
    listings = _all(session, Listing)
    chinese = [listing for listing in listings if listing.currency == "CNY"]
    assert 0.2 * LISTINGS <= len(chinese) <= 0.5 * LISTINGS
    for listing in listings:
        seller = users[listing.seller_id]
        place = PLACES_BY_NAME[seller.place_name or ""]
        text = listing.title + listing.description
        if place.country == "CN":
            assert listing.currency == "CNY" and listing.price_cents % 100 == 0
            assert HAN.search(listing.description), listing.description
            assert not re.search(r"[。！] ", listing.description), listing.description
        else:
            assert listing.currency != "CNY" and not HAN.search(text), text
    # Trades are between neighbours: listings in China are sold to people there.
    orders = _all(session, Order)
    sold_in_china = [order for order in orders if order.currency == "CNY"]
    assert sold_in_china
    for order in orders:
        buyer, seller = users[order.buyer_id], users[order.seller_id]
        assert (
            PLACES_BY_NAME[buyer.place_name or ""].city
            == PLACES_BY_NAME[seller.place_name or ""].city
        )


def _every_match(session: Session, q: str) -> set[int]:
    found: set[int] = set()
    cursor = None
    for _ in range(100):
        page = search(session=session, query=SearchQuery(q=q, limit=50, cursor=cursor))
        found |= {card.id for card in page.items}
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor
    raise AssertionError("the search never ended")


@pytest.mark.parametrize("word", ["自行车", "宜家", "九成新"])
def test_seeded_chinese_listings_are_found_by_a_chinese_word(
    session: Session, summary: str, word: str
) -> None:
    active = [
        listing for listing in _all(session, Listing) if listing.status is ListingStatus.ACTIVE
    ]
    expected = {
        listing.id
        for listing in active
        if word in f"{listing.title} {listing.brand or ''} {listing.description}"
    }
    assert expected  # the seed does write these words
    assert _every_match(session, word) == expected


def test_seeded_chinese_listings_are_found_by_pinyin(session: Session, summary: str) -> None:
    bikes = {
        listing.id
        for listing in _all(session, Listing)
        if listing.status is ListingStatus.ACTIVE
        and "自行车" in listing.title + listing.description
    }
    assert bikes and _every_match(session, "zixingche") == bikes


def test_photos_exist_on_disk_with_the_stored_size(
    session: Session, summary: str, media_dir: Path
) -> None:
    photos = _all(session, ListingPhoto)
    per_listing = Counter(photo.listing_id for photo in photos)
    assert set(per_listing.values()) <= {1, 2, 3}
    assert len(per_listing) == LISTINGS
    sizes = {(photo.key, photo.width, photo.height) for photo in photos}
    assert len(sizes) > 100  # many shared images, not one
    for key, width, height in sizes:
        assert photo_store.is_shared(key) and re.fullmatch(r"demo/[a-z-]+-\d", key), key
        display = photo_store.file_path(key, "display")
        assert display.is_relative_to(media_dir)
        with Image.open(display) as image:
            assert image.format == "JPEG" and image.size == (width, height)
        with Image.open(photo_store.file_path(key, "thumb")) as thumb:
            assert thumb.format == "JPEG" and max(thumb.size) <= photo_store.THUMB_EDGE


def test_each_photo_is_marked_as_a_demo(session: Session, summary: str) -> None:
    keys = set(session.exec(select(ListingPhoto.key)))
    for key in sorted(keys):
        with Image.open(photo_store.file_path(key, "display")) as image:
            rgb = image.convert("RGB")
        band = ImageStat.Stat(rgb.crop((0, rgb.height - 150, rgb.width, rgb.height)).convert("L"))
        top = ImageStat.Stat(rgb.crop((0, 0, rgb.width, 150)).convert("L"))
        # A dark band with white letters ("DEMO PHOTO") under a lighter, coloured picture.
        assert band.mean[0] < 90 and band.extrema[0][1] > 230, key
        assert top.mean[0] > band.mean[0] + 15, key


def test_times_are_consistent(session: Session, summary: str) -> None:
    now = utcnow()
    users = {user.id: user for user in _all(session, User)}
    for listing in _all(session, Listing):
        assert listing.created_at.tzinfo is not None
        assert now - timedelta(days=61) <= listing.created_at <= now
        assert users[listing.seller_id].created_at <= listing.created_at
        if listing.status is ListingStatus.DRAFT:
            assert listing.published_at is None
        else:
            assert listing.published_at is not None
            assert listing.created_at <= listing.published_at <= now
            assert listing.published_at <= listing.updated_at <= now


def test_nobody_saves_or_views_their_own_listing(session: Session, summary: str) -> None:
    own_favourites = session.exec(
        select(func.count())
        .select_from(Favorite)
        .join(Listing, col(Listing.id) == col(Favorite.listing_id))
        .where(col(Listing.seller_id) == col(Favorite.user_id))
    ).one()
    own_events = session.exec(
        select(func.count())
        .select_from(InteractionEvent)
        .join(Listing, col(Listing.id) == col(InteractionEvent.listing_id))
        .where(col(Listing.seller_id) == col(InteractionEvent.user_id))
    ).one()
    assert (own_favourites, own_events) == (0, 0)


def test_favourites_and_views_follow_publication(session: Session, summary: str) -> None:
    now = utcnow()
    listings = {listing.id: listing for listing in _all(session, Listing)}
    favourites = _all(session, Favorite)
    events = _all(session, InteractionEvent)
    # Saved while on sale; some have been sold since.
    assert all(
        listings[f.listing_id].status in (ListingStatus.ACTIVE, ListingStatus.SOLD)
        for f in favourites
    )
    assert any(e.user_id is None for e in events)  # visitors who are not signed in
    for event in events:
        published = listings[event.listing_id].published_at
        assert published is not None and published <= event.created_at <= now
    # Every favourite has its event, at the same moment.
    saved = {(e.user_id, e.listing_id, e.created_at) for e in events if e.kind == "favorite"}
    assert {(f.user_id, f.listing_id, f.created_at) for f in favourites} == saved


def test_people_have_taste_and_shop_nearby(session: Session) -> None:
    demo.seed(session=session, users=40, listings=1500, random_seed=SEED)
    rows = session.exec(
        select(User.id, User.lat, User.lon, Listing.category, Listing.lat, Listing.lon)
        .join(Favorite, col(Favorite.user_id) == col(User.id))
        .join(Listing, col(Listing.id) == col(Favorite.listing_id))
    ).all()
    near = [haversine_km(r[1], r[2], r[4], r[5]) <= 30 for r in rows]
    assert sum(near) >= 0.8 * len(rows)
    # Two favourites of one person share a parent category much more often than two
    # favourites of different people: the recommender has something to learn.
    groups = [(r[0], catalog.group_of(r[3])) for r in rows]
    pairs = list(itertools.combinations(groups, 2))
    same = [a[1] == b[1] for a, b in pairs if a[0] == b[0]]
    across = [a[1] == b[1] for a, b in pairs if a[0] != b[0]]
    assert sum(same) / len(same) > 1.8 * sum(across) / len(across)


def test_same_seed_same_marketplace(session: Session) -> None:
    def snapshot() -> list[tuple[str, str, int, str, str]]:
        rows = session.exec(
            select(Listing.title, Listing.category, Listing.price_cents, User.email, Listing.status)
            .join(User, col(User.id) == col(Listing.seller_id))
            .order_by(col(Listing.id))
        ).all()
        return [tuple(row) for row in rows]

    demo.seed(session=session, users=USERS, listings=LISTINGS, random_seed=SEED)
    first = snapshot()
    session.rollback()
    assert demo.is_empty(session=session)
    second_summary = demo.seed(session=session, users=USERS, listings=LISTINGS, random_seed=SEED)
    assert snapshot() == first
    assert "0 drawn now" in second_summary  # the shared images are already on disk

    session.rollback()
    demo.seed(session=session, users=USERS, listings=LISTINGS, random_seed=SEED + 1)
    assert snapshot() != first


def test_seeding_twice_adds_to_what_is_there(session: Session, summary: str) -> None:
    more = demo.seed(session=session, users=10, listings=50, random_seed=SEED)
    emails = list(session.exec(select(User.email)))
    assert len(emails) == len(set(emails)) == USERS + 8  # both demo accounts are reused
    assert session.exec(select(func.count()).select_from(Listing)).one() == LISTINGS + 50
    assert "8 users" in more


def test_seeded_trades_are_completed_and_credited_like_real_ones(
    session: Session, summary: str
) -> None:
    sold = {
        listing.id for listing in _all(session, Listing) if listing.status is ListingStatus.SOLD
    }
    trades = _all(session, Order)
    assert {order.listing_id for order in trades} == sold
    assert all(order.status is OrderStatus.COMPLETED for order in trades)
    assert f"{len(trades):,} completed trades" in summary
    # Two entries per trade, balances equal to their entries, the total equal to the trades.
    assert carbon.audit_balances(session=session) == []
    assert carbon.impact(session=session).trades == len(trades)
    demo_user = session.exec(select(User).where(User.email == demo.DEMO_EMAIL)).one()
    mine = carbon.account_summary(session=session, user_id=demo_user.id or 0)
    assert mine.trades >= 3 and mine.buyer_grams > 0 and mine.seller_grams > 0


def test_each_demo_account_has_offers_to_answer(session: Session, summary: str) -> None:
    """Logged in, a demo account finds a counter-offer to its own offer, and an offer on
    one of its items, each waiting for its answer, in its language."""
    from resale.conversations import service as conversations
    from resale.conversations.models import Conversation

    for email in DEMO_EMAILS:
        user = session.exec(select(User).where(User.email == email)).one()
        talks = conversations.inbox(session=session, user=user)
        assert {"buying" if t.conversation.buyer_id == user.id else "selling" for t in talks} == {
            "buying",
            "selling",
        }
        for talk in talks:
            offer = conversations.open_offer(session=session, conversation=talk.conversation)
            assert offer is not None and offer.made_by != user.id  # theirs to answer
            assert talk.unread > 0
        said = "".join(
            m.body
            for t in talks
            for m in conversations.messages(session=session, conversation=t.conversation)
        )
        assert said
        chinese = any("\u4e00" <= ch <= "\u9fff" for ch in said)
        assert chinese == (email == demo.DEMO_CN_EMAIL), said
    made = session.exec(select(func.count()).select_from(Conversation)).one()
    assert f"{made} conversations with offers" in summary


def test_recent_trades_are_reviewed_by_both_and_shown(session: Session, summary: str) -> None:
    """Trades within the review window carry both reviews, so profiles have ratings; the
    reviews are in their authors' language, and older trades have none."""
    from resale.trust import service as trust
    from resale.trust.models import Review

    reviews = session.exec(select(Review)).all()
    assert f"{len(reviews):,} reviews of the recent ones" in summary
    assert reviews, "some demo trades are recent enough to review"
    by_order = Counter(r.order_id for r in reviews)
    assert set(by_order.values()) == {2}  # both people, so both are shown
    for review in reviews[:20]:
        author = session.get(User, review.author_id)
        assert author is not None
        chinese = any("\u4e00" <= ch <= "\u9fff" for ch in review.text or "")
        assert chinese == (author.language == "zh-CN"), review.text
    rated = trust.rating_of(session=session, user_id=reviews[0].subject_id)
    assert rated.count >= 1
