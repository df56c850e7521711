"""What every recommendation list is made of: a pick, its reasons in words, and the small
rules they share (rounded distances, reasons ordered, prices in euros)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from listings.schemas import ListingCard, Sort
from listings.search import SearchQuery
from resale.core import taxonomy
from resale.core.config import settings
from resale.core.geo import rounded_km
from resale.core.i18n import N_, gettext

DEFAULT_LIMIT = 12
NEAR_KM = 5.0  # "near you" below this
MAX_REASONS = 2


# Reasons, in the words people read: kept in English (the msgid), said in the reader's
# language where they are shown (``Pick.said``, the API, the notices page).
NEAR_YOU = N_("near you")
LIKE_SAVED = N_("like items you saved")
LIKE_VIEWED = N_("like items you looked at")
SIMILAR_TASTE = N_("liked by people with similar taste")
POPULAR_NEARBY = N_("popular nearby")
POPULAR = N_("popular right now")
NEW_NEAR_YOU = N_("new near you")
NEW = N_("just listed")
YOUR_CATEGORY = N_("in a category you like")
SIMILAR_ITEM = N_("similar to this item")
SAME_PEOPLE = N_("viewed by the same people")
NEAR_ITEM = N_("close to this item")
SAVED_SEARCH = N_("matches a search you saved")
# A notice's reason, with the saved search's name (its %(name)s).
SAVED_SEARCH_NAMED = N_("matches a search you saved: %(name)s")

_TASTE = frozenset(
    {SAVED_SEARCH, LIKE_SAVED, LIKE_VIEWED, SIMILAR_ITEM, SAME_PEOPLE, SIMILAR_TASTE, YOUR_CATEGORY}
)
# What each reason is worth when a list explains itself: the most telling first.
_REASON_ORDER = (
    SAVED_SEARCH,
    LIKE_SAVED,
    LIKE_VIEWED,
    SIMILAR_ITEM,
    SAME_PEOPLE,
    SIMILAR_TASTE,
    YOUR_CATEGORY,
    POPULAR_NEARBY,
    NEW_NEAR_YOU,
    NEAR_YOU,
    NEAR_ITEM,
    POPULAR,
    NEW,
)


@dataclass(frozen=True, slots=True)
class Pick:
    """One recommended listing: its card (distance rounded) and why it is there."""

    card: ListingCard
    reasons: tuple[str, ...]  # the English msgids (the constants above)

    @property
    def said(self) -> tuple[str, ...]:
        """The reasons in the language being spoken."""
        return in_words(self.reasons)


@dataclass(frozen=True, slots=True)
class Picks:
    items: list[Pick]
    model: dict[str, Any]  # which model served the list (serving.model_info)
    distance_from: str | None  # "home", "listing", or None when no distance is shown


def ordered(reasons: Sequence[str]) -> tuple[str, ...]:
    """The most telling reason, then the best of the other kind (taste / place): "like items
    you saved · near you" says more than two ways of saying taste."""
    rank = {r: n for n, r in enumerate(_REASON_ORDER)}
    ranked = sorted(dict.fromkeys(r for r in reasons if r), key=lambda r: rank.get(r, len(rank)))
    if not ranked:
        return ()
    first = ranked[0]
    rest = ranked[1:]
    other_kind = [r for r in rest if (r in _TASTE) != (first in _TASTE)]
    return (first, *(other_kind or rest)[: MAX_REASONS - 1])


def in_words(reasons: Sequence[str]) -> tuple[str, ...]:
    """Reasons in the language being spoken."""
    return tuple(gettext(r) for r in reasons)


def shown(card: ListingCard) -> ListingCard:
    """The card as others may see it: the distance rounded (never an exact one)."""
    if card.distance_km is None:
        return card
    return card.model_copy(update={"distance_km": rounded_km(card.distance_km)})


def is_near(card: ListingCard) -> bool:
    return card.distance_km is not None and card.distance_km <= NEAR_KM


def published_key(card: ListingCard) -> float:
    return card.published_at.timestamp() if card.published_at is not None else 0.0


def nearby_query(home: tuple[float, float] | None, *, limit: int, **filters: Any) -> SearchQuery:
    """The newest active listings around a point (within the home radius), or anywhere."""
    if home is None:
        return SearchQuery(sort=Sort.NEWEST, limit=limit, **filters)
    return SearchQuery(
        sort=Sort.NEWEST,
        limit=limit,
        lat=home[0],
        lon=home[1],
        radius_km=settings.home_radius_km,
        **filters,
    )


def category_weights(category: str) -> dict[str, float]:
    """How much interest in each category counts towards a listing of ``category``: its own
    fully, the others of its group by half (a road-bike buyer may want a gravel bike)."""
    weights = {category: 1.0}
    leaf = taxonomy.leaf(category)
    if leaf is not None and leaf.parent:
        for sibling in taxonomy.children(leaf.parent):
            weights.setdefault(sibling.slug, 0.5)
    return weights
