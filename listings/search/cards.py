"""What a result card shows, loaded for a page of listing ids in one query."""

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from listings.schemas import ListingCard
from listings.search.sql import (
    _ACTIVE,
    _C,
    _LISTINGS,
    _PHOTOS,
    _USERS,
    _distance,
    _point_params,
    _run,
)


def _card_columns(with_distance: bool) -> sa.Select[Any]:
    inner = _PHOTOS.alias("first_photo")
    first_photo = (
        sa.select(inner.c.id)
        .where(inner.c.listing_id == _C.id)
        .order_by(inner.c.position, inner.c.id)
        .limit(1)
        .correlate(_LISTINGS)
        .scalar_subquery()
    )
    return (
        sa.select(
            _C.id,
            _C.title,
            _C.price_cents,
            _C.currency,
            _C.condition,
            _C.category,
            _C.brand,
            _C.place_name,
            _C.status,
            _C.published_at,
            _C.seller_id,
            _USERS.c.display_name.label("seller_name"),
            _PHOTOS.c.key.label("photo_key"),
            _PHOTOS.c.width.label("photo_width"),
            _PHOTOS.c.height.label("photo_height"),
            (_distance() if with_distance else sa.null()).label("distance_km"),
            _C.weight_kg,
            _C.shipping_cents,
            _C.lat.is_not(None).label("has_point"),
        )
        .select_from(_LISTINGS)
        .join(_USERS, _USERS.c.id == _C.seller_id)
        .outerjoin(_PHOTOS, _PHOTOS.c.id == first_photo)
    )


@lru_cache(maxsize=2)
def _cards_statement(with_distance: bool) -> sa.Select[Any]:
    return _card_columns(with_distance).where(_C.id.in_(sa.bindparam("ids", expanding=True)))


@lru_cache(maxsize=1)
def _seller_statement() -> sa.Select[Any]:
    return (
        _card_columns(False)
        .where(_C.seller_id == sa.bindparam("seller_id"), _ACTIVE)
        .order_by(_C.published_at.desc(), _C.id.desc())
        .limit(sa.bindparam("limit"))
    )


def seller_cards(*, session: Session, seller_id: int, limit: int = 24) -> list[ListingCard]:
    """A seller's listings on sale, newest first, as result cards: one query."""
    statement = _seller_statement()
    names = statement.selected_columns.keys()
    return [
        ListingCard.model_validate(dict(zip(names, row, strict=True)))
        for row in _run(session, statement, {"seller_id": seller_id, "limit": limit})
    ]


def load_cards(
    *, session: Session, ids: Sequence[int], point: tuple[float, float] | None = None
) -> dict[int, ListingCard]:
    """What a result card shows, for these listings: one query, no ORM objects.

    With ``point``, each card also carries its distance from there.
    """
    if not ids:
        return {}
    params: dict[str, Any] = {"ids": list(ids)}
    if point is not None:
        params.update(_point_params(*point))
    statement = _cards_statement(point is not None)
    names = statement.selected_columns.keys()  # each column is labelled as the card's field
    cards = (
        ListingCard.model_validate(dict(zip(names, row, strict=True)))
        for row in _run(session, statement, params)
    )
    return {card.id: card for card in cards}
