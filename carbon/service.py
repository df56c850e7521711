"""Carbon accounts: credit a completed trade, reverse a refunded one, read balances and totals.

Orders call ``credit_trade`` when a trade completes and ``reverse_trade`` when a completed
trade is refunded; carbon never imports orders, so they pass plain values and an Estimate.
Functions flush and never commit: the caller's transaction decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from carbon.estimate import Estimate
from carbon.models import CarbonAccount, CarbonEntry, EntryKind, TradeRole
from resale.core.config import settings
from resale.core.db import utcnow
from resale.core.i18n import N_, gettext

__all__ = [
    "AccountSummary",
    "BalanceMismatch",
    "CategoryTotal",
    "Impact",
    "MonthTotal",
    "account_summary",
    "audit_balances",
    "credit_trade",
    "entries_for_order",
    "entries_of",
    "impact",
    "ledger_grams",
    "ledger_rows",
    "monthly",
    "reverse_trade",
    "split_grams",
    "to_grams",
]


# A ledger entry's note is stored in English (the ledger is a record) and shown translated.
NET_COST_NOTE = N_("Net cost: the trade emitted more than it avoided.")
_REFUNDED = re.compile(r"Refunded after completion \((?P<ref>[^()]*)\)\.")


def note_for_people(note: str | None) -> str | None:
    """A stored note in the request's language: the notes carbon and orders write are known;
    any other is shown as written."""
    if not note:
        return note
    refunded = _REFUNDED.fullmatch(note)
    if refunded:
        return gettext("Refunded after completion (%(ref)s).") % {"ref": refunded["ref"]}
    return gettext(note) if note == NET_COST_NOTE else note


_E = cast(sa.Table, CarbonEntry.__table__).c  # type: ignore[attr-defined]  # Core columns
_ACCOUNTS = cast(sa.Table, CarbonAccount.__table__)  # type: ignore[attr-defined]


def to_grams(kg: float) -> int:
    """Whole grams, rounding half away from zero (the ledger's unit)."""
    grams = abs(kg) * 1000
    whole = int(grams + 0.5)
    return whole if kg >= 0 else -whole


def split_grams(grams: int, buyer_share_bps: int) -> tuple[int, int]:
    """(buyer, seller) parts of a trade's grams; the two always add up to ``grams`` exactly."""
    if not 0 <= buyer_share_bps <= 10_000:
        raise ValueError("buyer_share_bps must be between 0 and 10000")
    buyer = (grams * buyer_share_bps) // 10_000
    return buyer, grams - buyer


def credit_trade(
    *,
    session: Session,
    order_id: int,
    buyer_id: int,
    seller_id: int,
    estimate: Estimate,
    buyer_share_bps: int | None = None,
    at: datetime | None = None,
) -> list[CarbonEntry]:
    """Credit both parties' shares of a completed trade, once: a repeat returns the first credit.

    A trade that emits more than it avoids is recorded with 0 g, so its estimate stays on file.
    ``at`` books the entries at the trade's own time (imports and demo data); default now.
    """
    existing = entries_for_order(session=session, order_id=order_id, kind=EntryKind.CREDIT)
    if existing:
        return existing
    share = settings.carbon_buyer_share_bps if buyer_share_bps is None else buyer_share_bps
    trade_grams = to_grams(estimate.credited_kg)
    buyer_grams, seller_grams = split_grams(trade_grams, share)
    now = at or utcnow()
    common: dict[str, Any] = {
        "order_id": order_id,
        "kind": EntryKind.CREDIT,
        "trade_grams": trade_grams,
        "category": estimate.category,
        "fulfilment": estimate.fulfilment.value,
        "central_kg": estimate.central,
        "low_kg": estimate.low,
        "high_kg": estimate.high,
        "methodology_version": estimate.methodology_version,
        "estimate": _json_ready(estimate.as_dict()),
        "note": None if estimate.is_net_saving else NET_COST_NOTE,
        "created_at": now,
    }
    entries = [
        CarbonEntry(
            user_id=buyer_id, role=TradeRole.BUYER, grams=buyer_grams, share_bps=share, **common
        ),
        CarbonEntry(
            user_id=seller_id,
            role=TradeRole.SELLER,
            grams=seller_grams,
            share_bps=10_000 - share,
            **common,
        ),
    ]
    return _append(session, entries, order_id=order_id, kind=EntryKind.CREDIT)


def reverse_trade(*, session: Session, order_id: int, note: str) -> list[CarbonEntry]:
    """Append a reversal for each credit of this trade not yet reversed; nothing is edited."""
    credits = entries_for_order(session=session, order_id=order_id, kind=EntryKind.CREDIT)
    if not credits:
        return []
    reversed_ids = {
        e.reverses_id
        for e in entries_for_order(session=session, order_id=order_id, kind=EntryKind.REVERSAL)
    }
    now = utcnow()
    entries = [
        CarbonEntry(
            user_id=c.user_id,
            order_id=order_id,
            role=c.role,
            kind=EntryKind.REVERSAL,
            grams=-c.grams,
            trade_grams=-c.trade_grams,
            share_bps=c.share_bps,
            category=c.category,
            fulfilment=c.fulfilment,
            central_kg=c.central_kg,
            low_kg=c.low_kg,
            high_kg=c.high_kg,
            methodology_version=c.methodology_version,
            estimate=c.estimate,
            reverses_id=c.id,
            note=note[:200],
            created_at=now,
        )
        for c in credits
        if c.id not in reversed_ids
    ]
    if not entries:
        return entries_for_order(session=session, order_id=order_id, kind=EntryKind.REVERSAL)
    return _append(session, entries, order_id=order_id, kind=EntryKind.REVERSAL)


def entries_for_order(
    *, session: Session, order_id: int, kind: EntryKind | None = None
) -> list[CarbonEntry]:
    """A trade's entries, buyer's first."""
    query = select(CarbonEntry).where(CarbonEntry.order_id == order_id)
    if kind is not None:
        query = query.where(CarbonEntry.kind == kind)
    return list(session.exec(query.order_by(col(CarbonEntry.id))).all())


def _append(
    session: Session, entries: list[CarbonEntry], *, order_id: int, kind: EntryKind
) -> list[CarbonEntry]:
    # The unique (order_id, role, kind) decides, not the check above: two completions racing
    # past it both try to insert, and the loser's savepoint rolls back to the winner's entries.
    try:
        with session.begin_nested():
            session.add_all(entries)
            session.flush()
            for entry in entries:
                _add_to_balance(session, entry.user_id, entry.grams, entry.created_at)
    except IntegrityError:
        return entries_for_order(session=session, order_id=order_id, kind=kind)
    return entries


def _add_to_balance(session: Session, user_id: int, grams: int, when: datetime) -> None:
    table = _ACCOUNTS
    values = {"user_id": user_id, "balance_grams": 0, "entries": 0, "updated_at": when}
    dialect = session.get_bind().dialect.name
    insert: Any
    if dialect == "postgresql":
        insert = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        insert = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    session.execute(insert)
    # One UPDATE adding to the stored value, so concurrent credits cannot lose each other.
    session.execute(
        sa.update(table)
        .where(table.c.user_id == user_id)
        .values(
            balance_grams=table.c.balance_grams + grams,
            entries=table.c.entries + 1,
            updated_at=when,
        )
    )
    # An account already loaded in this session would now show the old balance.
    loaded = session.identity_map.get(session.identity_key(CarbonAccount, user_id))
    if loaded is not None:
        session.expire(loaded)


# --- Reading ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountSummary:
    user_id: int
    balance_grams: int
    entries: int
    trades: int  # trades credited and not reversed
    buyer_grams: int
    seller_grams: int

    @property
    def balance_kg(self) -> float:
        return self.balance_grams / 1000


def account_summary(*, session: Session, user_id: int) -> AccountSummary:
    """The stored balance plus what it is made of (as buyer, as seller, trades)."""
    account = session.get(CarbonAccount, user_id)
    grams: dict[str, int] = {}
    trades = 0
    for role, kind, total, count in session.execute(
        sa.select(_E.role, _E.kind, sa.func.sum(_E.grams), sa.func.count())
        .where(_E.user_id == user_id)
        .group_by(_E.role, _E.kind)
    ).all():
        grams[role] = grams.get(role, 0) + int(total or 0)
        trades += int(count) if kind == EntryKind.CREDIT else -int(count)
    return AccountSummary(
        user_id=user_id,
        balance_grams=account.balance_grams if account else 0,
        entries=account.entries if account else 0,
        trades=trades,
        buyer_grams=grams.get(TradeRole.BUYER, 0),
        seller_grams=grams.get(TradeRole.SELLER, 0),
    )


def ledger_grams(*, session: Session, user_id: int) -> int:
    """The sum of a user's ledger entries, in grams (one query): what they avoided, net."""
    total = session.execute(sa.select(sa.func.sum(_E.grams)).where(_E.user_id == user_id)).scalar()
    return int(total or 0)


def entries_of(
    *, session: Session, user_id: int, limit: int | None = None, offset: int = 0
) -> list[CarbonEntry]:
    """A user's ledger, newest first."""
    query = (
        select(CarbonEntry)
        .where(CarbonEntry.user_id == user_id)
        .order_by(col(CarbonEntry.id).desc())
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())


@dataclass(frozen=True, slots=True)
class MonthTotal:
    month: str  # YYYY-MM (UTC)
    grams: int
    trades: int  # credits minus reversals booked that month

    @property
    def kg(self) -> float:
        return self.grams / 1000


def monthly(*, session: Session, user_id: int | None = None) -> list[MonthTotal]:
    """Grams booked per calendar month (UTC), oldest first; the platform's when no user is given.

    For the platform a trade counts once (its buyer's entry), so trades are not doubled.
    """
    month = _month(session, _E.created_at)
    trade_sign = sa.case((_E.kind == EntryKind.CREDIT, 1), else_=-1)
    query = sa.select(month, sa.func.sum(_E.grams), sa.func.sum(trade_sign))
    if user_id is not None:
        query = query.where(_E.user_id == user_id)
        rows = session.execute(query.group_by(month).order_by(month)).all()
        return [MonthTotal(m, int(g or 0), int(t or 0)) for m, g, t in rows]
    grams = {m: int(g or 0) for m, g, _ in session.execute(query.group_by(month)).all()}
    trades = {
        m: int(t or 0)
        for m, _, t in session.execute(
            query.where(_E.role == TradeRole.BUYER).group_by(month)
        ).all()
    }
    return [MonthTotal(m, grams[m], trades.get(m, 0)) for m in sorted(grams)]


def _month(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)  # SQLite keeps UTC text without an offset


@dataclass(frozen=True, slots=True)
class CategoryTotal:
    category: str
    grams: int
    trades: int


@dataclass(frozen=True, slots=True)
class Impact:
    total_grams: int
    trades: int  # completed trades credited and not reversed
    accounts: int  # people with at least one entry
    by_category: list[CategoryTotal]
    by_month: list[MonthTotal]

    @property
    def total_kg(self) -> float:
        return self.total_grams / 1000


def impact(*, session: Session) -> Impact:
    """The platform's totals: every account's entries together, by category and by month."""
    trade_sign = sa.case((_E.kind == EntryKind.CREDIT, 1), else_=-1)
    total = int(session.execute(sa.select(sa.func.coalesce(sa.func.sum(_E.grams), 0))).scalar_one())
    trades = int(
        session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(trade_sign), 0)).where(
                _E.role == TradeRole.BUYER
            )
        ).scalar_one()
    )
    accounts = int(session.execute(sa.select(sa.func.count(sa.distinct(_E.user_id)))).scalar_one())
    grams_by_category = dict(
        session.execute(sa.select(_E.category, sa.func.sum(_E.grams)).group_by(_E.category)).all()
    )
    trades_by_category = dict(
        session.execute(
            sa.select(_E.category, sa.func.sum(trade_sign))
            .where(_E.role == TradeRole.BUYER)
            .group_by(_E.category)
        ).all()
    )
    by_category = sorted(
        (
            CategoryTotal(str(c), int(g or 0), int(trades_by_category.get(c) or 0))
            for c, g in grams_by_category.items()
        ),
        key=lambda t: (-t.grams, t.category),
    )
    return Impact(
        total_grams=total,
        trades=trades,
        accounts=accounts,
        by_category=[t for t in by_category if t.trades or t.grams],
        by_month=monthly(session=session),
    )


@dataclass(frozen=True, slots=True)
class BalanceMismatch:
    user_id: int
    stored_grams: int | None
    ledger_grams: int


def audit_balances(*, session: Session) -> list[BalanceMismatch]:
    """Every account whose stored balance differs from the sum of its entries (should be none)."""
    sums = dict(
        session.execute(sa.select(_E.user_id, sa.func.sum(_E.grams)).group_by(_E.user_id)).all()
    )
    stored = {a.user_id: a.balance_grams for a in session.exec(select(CarbonAccount)).all()}
    return [
        BalanceMismatch(user_id, stored.get(user_id), int(sums.get(user_id) or 0))
        for user_id in sorted(set(sums) | set(stored))
        if stored.get(user_id) != int(sums.get(user_id) or 0)
    ]


def _json_ready(value: Any) -> Any:
    """Floats, strings, lists and dicts only (enums are StrEnum, tuples become lists)."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    if isinstance(value, str):
        return str(value)
    return value


def ledger_rows(entries: Sequence[CarbonEntry]) -> list[dict[str, Any]]:
    """Entries as flat dicts, for the CSV and JSON downloads and the API."""
    return [
        {
            "id": e.id,
            "created_at": e.created_at.isoformat(),
            "order_id": e.order_id,
            "role": e.role.value,
            "kind": e.kind.value,
            "kg_co2e": e.grams / 1000,
            "grams_co2e": e.grams,
            "trade_kg_co2e": e.trade_grams / 1000,
            "share_percent": e.share_bps / 100,
            "category": e.category,
            "fulfilment": e.fulfilment,
            "trade_central_kg": e.central_kg,
            "trade_low_kg": e.low_kg,
            "trade_high_kg": e.high_kg,
            "methodology_version": e.methodology_version,
            "reverses_id": e.reverses_id,
            "note": e.note,
        }
        for e in entries
    ]
