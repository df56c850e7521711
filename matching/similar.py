"""Similar items near the viewer (or near the listing): content, co-engagement, price, place."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from sqlmodel import Session

from carbon import currencies
from listings import activity
from listings.models import Listing, ListingStatus
from listings.schemas import ListingCard, Sort
from listings.search import load_cards, search
from listings.text import TITLE
from matching import serving
from matching.picks import (
    DEFAULT_LIMIT,
    NEAR_ITEM,
    NEAR_KM,
    NEAR_YOU,
    SAME_PEOPLE,
    SIMILAR_ITEM,
    Pick,
    Picks,
    nearby_query,
    ordered,
    published_key,
    shown,
)
from resale.core import taxonomy
from resale.users.models import User
from resale.users.service import home_point

SIMILAR_POOL = 60


def _title_terms(doc: str) -> set[str]:
    return {t for t in doc.split() if t.startswith(TITLE)}


def similar(
    *, session: Session, listing: Listing, viewer: User | None, limit: int = DEFAULT_LIMIT
) -> Picks:
    """Active listings like this one, near the viewer's home (or near the listing)."""
    assert listing.id is not None
    served = serving.current()
    point = home_point(viewer)
    distance_from: str | None = "home"
    if point is None and listing.lat is not None and listing.lon is not None:
        point, distance_from = (listing.lat, listing.lon), "listing"
    if point is None:
        distance_from = None
    cards = _same_category(session=session, listing=listing, point=point)
    together = _viewed_together(served, listing.id)
    missing = [i for i in together if i not in cards]
    cards.update(load_cards(session=session, ids=missing, point=point))
    candidates = [
        c
        for c in cards.values()
        if c.id != listing.id
        and c.status is ListingStatus.ACTIVE
        and (viewer is None or c.seller_id != viewer.id)
    ]
    docs = activity.search_docs(session=session, ids=[listing.id, *(c.id for c in candidates)])
    like = _Likeness(listing, _title_terms(docs.get(listing.id, "")), distance_from)
    scored = [
        like.score(card, together.get(card.id, 0.0), _title_terms(docs.get(card.id, "")))
        for card in candidates
    ]
    scored.sort(key=lambda s: s[:3])
    return Picks(
        items=[s[3] for s in scored[:limit]],
        model=serving.model_info(served),
        distance_from=distance_from,
    )


def _same_category(
    *, session: Session, listing: Listing, point: tuple[float, float] | None
) -> dict[int, ListingCard]:
    """Content: the same category around the point, then its whole group if that is thin."""
    cards: dict[int, ListingCard] = {}
    leaf = taxonomy.leaf(listing.category)
    for category in (listing.category, leaf.parent if leaf is not None else None):
        if category is None or len(cards) >= SIMILAR_POOL:
            continue
        query = nearby_query(point, limit=SIMILAR_POOL, category=category)
        if point is not None:
            query = replace(query, sort=Sort.BEST)  # nearest buckets first, newest in each
        for card in search(session=session, query=query).items:
            cards.setdefault(card.id, card)
    return cards


def _viewed_together(served: serving.ServedModel | None, listing_id: int) -> dict[int, float]:
    """Co-engagement: what the same people looked at (the model knows it), by cosine."""
    together: dict[int, float] = {}
    if served is not None and served.knows(listing_id):
        for item_id, cosine in served.model.similar_items(str(listing_id), k=SIMILAR_POOL):
            row = served.model.item_row(item_id)
            if row is not None and served.active[row]:
                together[int(item_id)] = cosine
    return together


@dataclass(frozen=True, slots=True)
class _Likeness:
    """How like ``listing`` another card is: viewers, category, words, brand, price, place."""

    listing: Listing
    terms: set[str]
    distance_from: str | None

    def score(
        self, card: ListingCard, cosine: float, other: set[str]
    ) -> tuple[float, float, int, Pick]:
        listing = self.listing
        reasons: list[str] = []
        score = 0.0
        if cosine > 0:  # with few viewers a cosine is noisy: worth less than the category
            score += min(cosine, 1.0)
            reasons.append(SAME_PEOPLE)
        union = self.terms | other
        overlap = len(self.terms & other) / len(union) if union else 0.0
        same_leaf = card.category == listing.category
        same_brand = (
            bool(listing.brand) and (card.brand or "").lower() == (listing.brand or "").lower()
        )
        mine, theirs = taxonomy.leaf(listing.category), taxonomy.leaf(card.category)
        same_group = mine is not None and theirs is not None and theirs.parent == mine.parent
        score += (1.0 if same_leaf else 0.4 if same_group else 0.0) + overlap
        score += 0.5 if same_brand else 0.0
        if same_leaf or overlap >= 0.25 or same_brand:
            reasons.append(SIMILAR_ITEM)
        price = currencies.in_euros(listing.price_cents, listing.currency)
        ratio = currencies.in_euros(card.price_cents, card.currency) / price if price > 0 else 0.0
        if ratio > 0:
            score += 0.5 * math.exp(-abs(math.log(ratio)))
        if card.distance_km is not None:
            score += 0.8 * math.exp(-card.distance_km / 10.0)
            if card.distance_km <= NEAR_KM:
                reasons.append(NEAR_YOU if self.distance_from == "home" else NEAR_ITEM)
        pick = Pick(card=shown(card), reasons=ordered(reasons or [SIMILAR_ITEM]))
        return (-score, -published_key(card), -card.id, pick)
