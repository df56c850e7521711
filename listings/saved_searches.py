"""Saved searches: a search page's query kept under a short name, with a count of what is new."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select
from starlette.datastructures import QueryParams

from listings.models import Condition, SavedSearch
from listings.search import HERE, HOME, InvalidSearch, UrlSearch, count_since, from_url, to_url
from resale.core import taxonomy
from resale.core.db import lock_for_write, utcnow
from resale.core.errors import Conflict, InvalidInput, NotFound
from resale.core.i18n import currency_symbol, ngettext
from resale.core.i18n import gettext as _
from resale.users.models import User
from resale.users.service import home_of

MAX_SAVED_SEARCHES = 50
MAX_SAVED_QUERY_CHARS = 2000
NEW_COUNT_CAP = 99  # "99+" beyond this: counting stops there


class SavedSearchNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__(_("This saved search does not exist (or is not yours)."))


@dataclass(frozen=True, slots=True)
class SavedSearchStatus:
    """A saved search and how many listings matching it were published since it was last seen."""

    search: SavedSearch
    new_count: int  # at most NEW_COUNT_CAP + 1

    @property
    def capped(self) -> bool:
        return self.new_count > NEW_COUNT_CAP


def read_search(*, query: str, user: User | None) -> UrlSearch:
    """A search page's query string read as that page reads it (home = the user's home now)."""
    return from_url(QueryParams(query.strip().lstrip("?")), home=home_of(user))


def price_units(cents: int) -> str:
    """A price in currency units as people type it: 1250 -> "12.50", 1200 -> "12"."""
    return str(cents // 100) if cents % 100 == 0 else f"{cents / 100:.2f}"


def price_range(low: int | None, high: int | None, currency: str | None) -> str | None:
    """A price range in words, e.g. "price €12–€20", "price from ¥12", "price up to €20"
    (in the language spoken; in a sentence: lower case in English)."""
    symbol = currency_symbol(currency) if currency else ""
    if low is not None and high is not None:
        return _("price %(low)s–%(high)s") % {
            "low": symbol + price_units(low),
            "high": symbol + price_units(high),
        }
    if low is not None:
        return _("price from %(low)s") % {"low": symbol + price_units(low)}
    if high is not None:
        return _("price up to %(high)s") % {"high": symbol + price_units(high)}
    return None


def canonical_values(found: UrlSearch) -> dict[str, Any]:
    """The search's values with what was refused left out and one spelling per value
    ("12,5" and "12.50" are the same price): what links to variations of it start from."""
    query, values = found.query, found.values
    canonical: dict[str, Any] = {
        **values,
        "q": query.q,
        "category": query.category or "",
        "min_price": "" if query.min_price is None else price_units(query.min_price),
        "max_price": "" if query.max_price is None else price_units(query.max_price),
        "condition": [c.value for c in Condition if c in query.conditions],
        "radius": "" if query.radius_km is None else f"{query.radius_km:g}",
        "photos": "1" if query.with_photos else "",
    }
    if values.get("place") == HERE and query.lat is not None and query.lon is not None:
        canonical.update(lat=f"{query.lat:.5f}", lon=f"{query.lon:.5f}")
    return canonical


def canonical_query(found: UrlSearch) -> str:
    """The one query string for a search (no cursor): what a saved search keeps."""
    return to_url(canonical_values(found))


def search_name(found: UrlSearch) -> str:
    """A short summary of a search, e.g. "sofa · Furniture · within 10 km of Paris, Le Marais",
    in the language spoken when it is saved (the words typed stay as typed)."""
    query = found.query
    parts: list[str] = []
    if query.q:
        parts.append(query.q)
    category = taxonomy.get(query.category) if query.category else None
    if category is not None:
        parts.append(_(category.name))
    price = price_range(query.min_price, query.max_price, query.price_currency)
    if price is not None:
        parts.append(price)
    if query.conditions:
        labels = [c.label for c in Condition if c in query.conditions]
        parts.append(
            " / ".join(labels)
            if len(labels) <= 2
            else ngettext("%(num)s condition", "%(num)s conditions", len(labels))
            % {"num": len(labels)}
        )
    if query.with_photos:
        parts.append(_("with photos"))
    # "home" rather than its name: the search follows the user's home if they move.
    at_home = found.values.get("place") == HOME
    place = found.place_name
    where = ""
    if (at_home or place) and query.radius_km is not None:
        km = f"{query.radius_km:g}"
        where = (
            _("within %(km)s km of home") % {"km": km}
            if at_home
            else _("within %(km)s km of %(place)s") % {"km": km, "place": place}
        )
    elif at_home:
        where = _("near home")
    elif place:
        where = _("near %(place)s") % {"place": place}
    if not parts:
        name = _("Everything %(where)s") % {"where": where} if where else _("Everything")
    else:
        name = " · ".join([*parts, where] if where else parts)
    return name if len(name) <= 200 else name[:199] + "…"


def find_saved_search(*, session: Session, user: User, query: str) -> SavedSearch | None:
    """The user's saved search for this (canonical) query string, if they saved it."""
    return session.exec(
        select(SavedSearch).where(SavedSearch.user_id == user.id, SavedSearch.query == query)
    ).first()


def save_search(*, session: Session, user: User, query: str) -> tuple[SavedSearch, bool]:
    """Keep a search (a search page's query string); saving it again only refreshes it.

    Returns the saved search and whether it is new.
    """
    assert user.id is not None
    found = read_search(query=query, user=user)
    if found.errors:
        field, message = next(iter(found.errors.items()))
        raise InvalidInput(
            _("%(field)s: %(message)s") % {"field": field, "message": message}, field="query"
        )
    canonical = canonical_query(found)
    if len(canonical) > MAX_SAVED_QUERY_CHARS:
        raise InvalidInput(_("This search is too long to save."), field="query")
    name = search_name(found)
    existing = find_saved_search(session=session, user=user, query=canonical)
    if existing is not None:
        existing.name, existing.last_seen_at = name, utcnow()
        session.add(existing)
        session.flush()
        return existing, False
    count = session.exec(
        select(func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user.id)
    ).one()
    if count >= MAX_SAVED_SEARCHES:
        raise Conflict(
            _("You can keep up to %(max)s saved searches; delete one to save this.")
            % {"max": MAX_SAVED_SEARCHES},
            field="query",
        )
    saved = SavedSearch(user_id=user.id, name=name, query=canonical, category=found.query.category)
    try:
        with session.begin_nested():
            session.add(saved)
            session.flush()
    except sa.exc.IntegrityError:  # the same search saved at the same moment (a double click)
        again = find_saved_search(session=session, user=user, query=canonical)
        if again is None:
            raise
        return again, False
    return saved, True


def count_new(*, session: Session, user: User, saved: SavedSearch) -> int:
    """Listings matching a saved search published since it was last seen (up to the cap + 1)."""
    found = read_search(query=saved.query, user=user)
    try:
        return count_since(
            session=session,
            query=found.query,
            since=saved.last_seen_at,
            cap=NEW_COUNT_CAP,
            not_seller_id=user.id,
        )
    except InvalidSearch:  # e.g. saved "near home" and the home was removed since
        return 0


def saved_searches(*, session: Session, user: User) -> list[SavedSearchStatus]:
    """The user's saved searches, newest first, each with its count of new listings."""
    rows = session.exec(
        select(SavedSearch)
        .where(SavedSearch.user_id == user.id)
        .order_by(col(SavedSearch.created_at).desc(), col(SavedSearch.id).desc())
    ).all()
    return [
        SavedSearchStatus(search=row, new_count=count_new(session=session, user=user, saved=row))
        for row in rows
    ]


def get_saved_search(*, session: Session, user: User, search_id: int) -> SavedSearch:
    """One of the user's own saved searches; anyone else's is "not found"."""
    saved = session.get(SavedSearch, search_id)
    if saved is None or saved.user_id != user.id:
        raise SavedSearchNotFound()
    return saved


def mark_search_seen(*, session: Session, user: User, search_id: int) -> SavedSearch:
    """The user is looking at this search now: what matches it so far is no longer new.

    Opening a saved search is a GET that writes, so it asks for the write lock first."""
    lock_for_write(session)
    saved = get_saved_search(session=session, user=user, search_id=search_id)
    saved.last_seen_at = utcnow()
    session.add(saved)
    session.flush()
    return saved


def delete_saved_search(*, session: Session, user: User, search_id: int) -> None:
    """Forget one of the user's saved searches."""
    saved = get_saved_search(session=session, user=user, search_id=search_id)
    session.delete(saved)
    session.flush()


# --- for matching: saved searches by their stored category -----------------------------------


def saved_search_categories(*, session: Session, user_id: int) -> set[str]:
    """The categories this user's saved searches name, each with the leaves under it."""
    out: set[str] = set()
    rows = session.exec(
        select(SavedSearch.category).where(
            SavedSearch.user_id == user_id, col(SavedSearch.category).is_not(None)
        )
    )
    for slug in rows:
        assert slug is not None
        out.update(taxonomy.leaf_slugs_under(slug))
    return out


def users_with_saved_category(*, session: Session, categories: Sequence[str]) -> set[int]:
    """Who keeps a saved search naming one of these categories."""
    if not categories:
        return set()
    return set(
        session.exec(
            select(SavedSearch.user_id)
            .where(col(SavedSearch.category).in_(list(categories)))
            .distinct()
        )
    )


@dataclass(frozen=True, slots=True)
class StoredSearch:
    user_id: int
    name: str
    query: str


def searches_naming(
    *, session: Session, categories: Sequence[str], except_user: int | None = None
) -> list[StoredSearch]:
    """The saved searches of one of these categories or of any category (those a listing in
    ``categories`` could match), oldest first; never ``except_user``'s."""
    rows = session.exec(
        select(SavedSearch.user_id, SavedSearch.name, SavedSearch.query)
        .where(
            sa.or_(
                col(SavedSearch.category).in_(list(categories)),
                col(SavedSearch.category).is_(None),
            ),
            SavedSearch.user_id != (except_user if except_user is not None else -1),
        )
        .order_by(col(SavedSearch.id))
    )
    return [StoredSearch(user_id, name, query) for user_id, name, query in rows]
