"""Fifty requests at once on every write path, on SQLite and on PostgreSQL.

Each test checks two things: no answer is a server error, and the database holds exactly
what the answers say (one account per e-mail, one favourite per person, at most ten photos
with distinct positions, one view per viewer).
"""

from __future__ import annotations

import secrets
from collections import Counter

import httpx2 as httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from listings import service as listings_service
from listings.models import (
    Favorite,
    InteractionEvent,
    InteractionKind,
    Listing,
    ListingPhoto,
    ListingStatus,
)
from resale.users.models import AuthToken, TokenKind, User
from resale.users.service import issue_token
from tests.factories import PASSWORD, jpeg_bytes, make_listing, make_user
from tests.load.conftest import AT_ONCE, at_once, statuses


def _people(engine: Engine, n: int = AT_ONCE) -> list[tuple[int, str]]:
    """``n`` new accounts, each with an API token: (user id, token)."""
    with Session(engine) as session:
        people = []
        for _ in range(n):
            user = make_user(session)
            token, _ = issue_token(session=session, user=user, kind=TokenKind.API)
            assert user.id is not None
            people.append((user.id, token))
        session.commit()
    return people


def _listing(
    engine: Engine, *, status: ListingStatus = ListingStatus.ACTIVE, photos: int = 1
) -> tuple[int, str]:
    """A listing of a new seller: (listing id, the seller's token)."""
    with Session(engine) as session:
        seller = make_user(session)
        token, _ = issue_token(session=session, user=seller, kind=TokenKind.API)
        listing = make_listing(session, seller, status=status, photos=photos)
        session.commit()
        assert listing.id is not None
        return listing.id, token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _count(engine: Engine, statement: sa.Select[tuple[int]]) -> int:
    with Session(engine) as session:
        return int(session.exec(statement).one())  # type: ignore[call-overload]


def _events(engine: Engine, listing_id: int, kind: InteractionKind) -> Counter[int | None]:
    with Session(engine) as session:
        rows = session.exec(
            select(InteractionEvent.user_id).where(
                InteractionEvent.listing_id == listing_id, InteractionEvent.kind == kind
            )
        ).all()
    return Counter(rows)


def test_fifty_people_register_at_once(live: str, committed_engine: Engine) -> None:
    run = secrets.token_hex(4)

    def register(client: httpx.Client, i: int) -> httpx.Response:
        return client.post(
            "/api/v1/auth/register",
            json={
                "email": f"new{i}-{run}@example.com",
                "password": PASSWORD,
                "display_name": f"New {i}",
            },
        )

    assert statuses(at_once(live, register)) == {201: AT_ONCE}
    pattern = f"%-{run}@example.com"
    assert (
        _count(committed_engine, select(func.count()).where(col(User.email).like(pattern)))
        == AT_ONCE
    )


def test_one_email_registered_fifty_times_at_once_is_one_account(
    live: str, committed_engine: Engine
) -> None:
    email = f"twice-{secrets.token_hex(4)}@example.com"

    def register(client: httpx.Client, i: int) -> httpx.Response:
        # Letter case differs: the address is the same account.
        address = email.upper() if i % 2 else email
        return client.post(
            "/api/v1/auth/register",
            json={"email": address, "password": PASSWORD, "display_name": f"Twin {i}"},
        )

    answers = at_once(live, register)

    assert statuses(answers) == {201: 1, 409: AT_ONCE - 1}
    assert all(
        a.json()["detail"][0]["loc"] == ["body", "email"] for a in answers if a.status_code == 409
    )
    assert _count(committed_engine, select(func.count()).where(User.email == email)) == 1


def test_fifty_logins_at_once(live: str, committed_engine: Engine) -> None:
    with Session(committed_engine) as session:
        users = [make_user(session) for _ in range(AT_ONCE)]
        session.commit()
        emails = [u.email for u in users]
        ids = [u.id for u in users]

    def login(client: httpx.Client, i: int) -> httpx.Response:
        return client.post("/api/v1/auth/token", data={"username": emails[i], "password": PASSWORD})

    answers = at_once(live, login)

    assert statuses(answers) == {200: AT_ONCE}
    assert len({a.json()["access_token"] for a in answers}) == AT_ONCE
    tokens = select(func.count()).where(
        col(AuthToken.user_id).in_(ids), AuthToken.kind == TokenKind.API
    )
    assert _count(committed_engine, tokens) == AT_ONCE


def test_fifty_sellers_create_listings_at_once(live: str, committed_engine: Engine) -> None:
    people = _people(committed_engine)

    def create(client: httpx.Client, i: int) -> httpx.Response:
        return client.post(
            "/api/v1/listings",
            headers=_bearer(people[i][1]),
            json={
                "title": f"Walnut bookcase {i}",
                "description": "Five shelves, solid walnut, one small scratch on the side.",
                "category": "shelves",
                "condition": "good",
                "price_cents": 4500 + i,
                "currency": "EUR",
            },
        )

    answers = at_once(live, create)

    assert statuses(answers) == {201: AT_ONCE}
    sellers = [user_id for user_id, _ in people]
    drafts = select(func.count()).where(col(Listing.seller_id).in_(sellers))
    assert _count(committed_engine, drafts) == AT_ONCE


def test_fifty_people_save_one_listing_at_once(live: str, committed_engine: Engine) -> None:
    listing_id, _ = _listing(committed_engine)
    people = _people(committed_engine)

    def save(client: httpx.Client, i: int) -> httpx.Response:
        return client.put(f"/api/v1/listings/{listing_id}/favorite", headers=_bearer(people[i][1]))

    answers = at_once(live, save)

    assert statuses(answers) == {200: AT_ONCE}
    assert all(a.json()["favorite"] for a in answers)
    saved = select(func.count()).where(Favorite.listing_id == listing_id)
    assert _count(committed_engine, saved) == AT_ONCE
    assert _events(committed_engine, listing_id, InteractionKind.FAVORITE) == Counter(
        user_id for user_id, _ in people
    )


def test_a_double_click_saves_once(live: str, committed_engine: Engine) -> None:
    """One person's fifty PUTs at once: all answer "favourite", one row, one event."""
    listing_id, _ = _listing(committed_engine)
    [(user_id, token)] = _people(committed_engine, 1)

    def save(client: httpx.Client, _i: int) -> httpx.Response:
        return client.put(f"/api/v1/listings/{listing_id}/favorite", headers=_bearer(token))

    answers = at_once(live, save)

    assert statuses(answers) == {200: AT_ONCE}
    assert all(a.json()["favorite"] for a in answers)
    assert (
        _count(committed_engine, select(func.count()).where(Favorite.listing_id == listing_id)) == 1
    )
    assert _events(committed_engine, listing_id, InteractionKind.FAVORITE) == {user_id: 1}

    def unsave(client: httpx.Client, _i: int) -> httpx.Response:
        return client.delete(f"/api/v1/listings/{listing_id}/favorite", headers=_bearer(token))

    assert statuses(at_once(live, unsave)) == {200: AT_ONCE}
    assert (
        _count(committed_engine, select(func.count()).where(Favorite.listing_id == listing_id)) == 0
    )
    assert _events(committed_engine, listing_id, InteractionKind.UNFAVORITE) == {user_id: 1}


def test_fifty_photo_uploads_at_once_stop_at_ten(live: str, committed_engine: Engine) -> None:
    listing_id, token = _listing(committed_engine, status=ListingStatus.DRAFT, photos=0)
    photo = jpeg_bytes(320, 240)

    def upload(client: httpx.Client, i: int) -> httpx.Response:
        return client.post(
            f"/api/v1/listings/{listing_id}/photos",
            headers=_bearer(token),
            files=[("photos", (f"photo{i}.jpg", photo, "image/jpeg"))],
        )

    answers = at_once(live, upload)

    assert statuses(answers) == {201: 10, 422: AT_ONCE - 10}
    for answer in answers:
        if answer.status_code == 422:
            [detail] = answer.json()["detail"]
            assert detail["loc"][-1] == "photos" and "at most 10 photos" in detail["msg"]
    with Session(committed_engine) as session:
        positions = session.exec(
            select(ListingPhoto.position).where(ListingPhoto.listing_id == listing_id)
        ).all()
    assert sorted(positions) == list(range(10))


def test_fifty_anonymous_views_of_a_listing_page(live: str, committed_engine: Engine) -> None:
    listing_id, _ = _listing(committed_engine)

    answers = at_once(live, lambda client, _i: client.get(f"/listings/{listing_id}"))

    assert statuses(answers) == {200: AT_ONCE}
    assert all("Oak dining table" in a.text for a in answers)
    listings_service.write_noted_views(engine=committed_engine)
    # One visitor (one address) opening the page fifty times is one view.
    assert _events(committed_engine, listing_id, InteractionKind.VIEW) == {None: 1}


def test_fifty_signed_in_views_through_the_api(live: str, committed_engine: Engine) -> None:
    listing_id, _ = _listing(committed_engine)
    people = _people(committed_engine)

    def view(client: httpx.Client, i: int) -> httpx.Response:
        return client.get(f"/api/v1/listings/{listing_id}", headers=_bearer(people[i][1]))

    answers = at_once(live, view)

    assert statuses(answers) == {200: AT_ONCE}
    assert {a.json()["id"] for a in answers} == {listing_id}
    listings_service.write_noted_views(engine=committed_engine)
    assert _events(committed_engine, listing_id, InteractionKind.VIEW) == Counter(
        user_id for user_id, _ in people
    )
