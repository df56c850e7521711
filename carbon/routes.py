"""JSON API for carbon: estimate a trade, my account and ledger, the methodology, the platform's impact."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from carbon import service
from carbon.estimate import (
    CarbonInputError,
    Estimate,
    Fulfilment,
    TravelMode,
    estimate,
    load_factors,
    methodology,
)
from carbon.models import CarbonEntry
from carbon.schemas import (
    AccountOut,
    CategoryOut,
    EstimateOut,
    ImpactOut,
    LedgerEntryOut,
    LedgerPage,
    MonthOut,
    figure_out,
)
from carbon.wording import category_label
from resale.core.db import SessionDep
from resale.core.errors import InvalidInput
from resale.core.fields import MAX_DISTANCE_KM, MAX_WEIGHT_KG, AmountCents, Offset
from resale.users.dependencies import CurrentUser

router = APIRouter(prefix="/api/v1/carbon", tags=["carbon"])

MAX_ENTRIES = 200


class InvalidEstimateQuery(InvalidInput):
    location = "query"


def checked_estimate(**inputs: Any) -> Estimate:
    """``estimate(**inputs)``, with a bad input as a 422 naming its query field."""
    try:
        return estimate(**inputs)
    except CarbonInputError as exc:
        raise InvalidEstimateQuery(sentence(exc.message), field=exc.field) from None


def sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def estimate_out(figure: Estimate) -> EstimateOut:
    return figure_out(
        EstimateOut,
        figure,
        credited_kg=figure.credited_kg,
        category_label=category_label(figure.category),
    )


def months_out(months: list[service.MonthTotal]) -> list[MonthOut]:
    return [MonthOut(month=m.month, kg=m.kg, grams=m.grams, trades=m.trades) for m in months]


def entries_out(entries: list[CarbonEntry]) -> list[LedgerEntryOut]:
    return [
        LedgerEntryOut.model_validate(
            {
                **row,
                "category_label": category_label(row["category"]),
                "note": service.note_for_people(row["note"]),
            }
        )
        for row in service.ledger_rows(entries)
    ]


@router.get("/estimate", response_model=EstimateOut)
def get_estimate(
    category: Annotated[
        str,
        Query(
            description="A leaf category slug, e.g. men-jeans",
            json_schema_extra={"enum": sorted(load_factors().items)},
        ),
    ],
    currency: Annotated[
        str,
        Query(
            description="ISO 4217 code of the price, e.g. EUR",
            json_schema_extra={"enum": sorted(load_factors().currencies)},
        ),
    ],
    fulfilment: Fulfilment,
    price_cents: Annotated[
        AmountCents | None, Query(description="Needed for categories estimated from the price")
    ] = None,
    weight_kg: Annotated[
        float | None,
        Query(
            description="The item's weight; else the category's typical weight",
            json_schema_extra={"exclusiveMinimum": 0, "maximum": MAX_WEIGHT_KG},
        ),
    ] = None,
    mode: Annotated[
        TravelMode | None, Query(description="Pickup: how the buyer travels (default car)")
    ] = None,
    distance_km: Annotated[
        float | None,
        Query(
            description="Pickup: one-way distance between buyer and seller",
            json_schema_extra={"minimum": 0, "maximum": MAX_DISTANCE_KM},
        ),
    ] = None,
) -> EstimateOut:
    """The avoided kg CO2e (central, low, high) of buying an item second-hand, with its breakdown."""
    figure = checked_estimate(
        category=category,
        price_cents=price_cents,
        currency=currency,
        weight_kg=weight_kg,
        fulfilment=fulfilment,
        mode=mode,
        distance_km=distance_km,
    )
    return estimate_out(figure)


@router.get("/account", response_model=AccountOut)
def get_account(user: CurrentUser, session: SessionDep) -> AccountOut:
    """My carbon balance: the sum of my ledger entries, as buyer and as seller, by month."""
    assert user.id is not None
    summary = service.account_summary(session=session, user_id=user.id)
    return AccountOut(
        user_id=user.id,
        balance_kg=summary.balance_kg,
        balance_grams=summary.balance_grams,
        entries=summary.entries,
        trades=summary.trades,
        buyer_kg=summary.buyer_grams / 1000,
        buyer_grams=summary.buyer_grams,
        seller_kg=summary.seller_grams / 1000,
        seller_grams=summary.seller_grams,
        methodology_version=load_factors().version,
        monthly=months_out(service.monthly(session=session, user_id=user.id)),
    )


@router.get("/account/entries", response_model=LedgerPage)
def get_entries(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_ENTRIES)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> LedgerPage:
    """My ledger, newest first: one entry per trade I took part in, and one per reversal."""
    assert user.id is not None
    total = service.account_summary(session=session, user_id=user.id).entries
    entries = service.entries_of(session=session, user_id=user.id, limit=limit, offset=offset)
    return LedgerPage(
        items=entries_out(entries),
        total=total,
        limit=limit,
        offset=offset,
        next_offset=offset + limit if offset + limit < total else None,
    )


@router.get("/methodology")
def get_methodology() -> dict[str, Any]:
    """Every factor, source, assumption and version the estimates use, from carbon/data/
    (notes and labels in the request's language; figures, ids and sources as published)."""
    return methodology()


@router.get("/impact", response_model=ImpactOut)
def get_impact(session: SessionDep) -> ImpactOut:
    """The platform's total: every trade counted once, by category and by month."""
    totals = service.impact(session=session)
    return ImpactOut(
        total_kg=totals.total_kg,
        total_grams=totals.total_grams,
        trades=totals.trades,
        accounts=totals.accounts,
        methodology_version=load_factors().version,
        by_category=[
            CategoryOut(
                category=c.category,
                label=category_label(c.category),
                kg=c.grams / 1000,
                grams=c.grams,
                trades=c.trades,
            )
            for c in totals.by_category
        ],
        by_month=months_out(totals.by_month),
    )
