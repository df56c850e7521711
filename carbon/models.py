# No `from __future__ import annotations`: SQLModel resolves column types at runtime.
"""The carbon ledger: append-only entries, one per account per trade, and a cached balance.

A trade's credited figure is split between buyer and seller in whole grams, so the
accounts together hold exactly the sum over trades. Entries are never updated or
deleted (the ORM refuses, and database triggers from migration 0005 refuse too); a
refund after completion appends reversing entries.
"""

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from resale.core.db import UTCDateTime, str_enum, utcnow


class EntryKind(enum.StrEnum):
    CREDIT = "credit"  # the trade completed: this account's share of its avoided CO2e
    REVERSAL = "reversal"  # the trade was refunded after completion: the credit taken back


class TradeRole(enum.StrEnum):
    BUYER = "buyer"
    SELLER = "seller"


class CarbonEntry(SQLModel, table=True):
    """One line of one account's carbon ledger."""

    __tablename__ = "carbon_entries"
    __table_args__ = (
        # The rule that makes crediting idempotent: one credit and one reversal per party per trade.
        sa.UniqueConstraint("order_id", "role", "kind"),
        sa.CheckConstraint(
            "(kind = 'credit' AND grams >= 0) OR (kind = 'reversal' AND grams <= 0)",
            name="sign_matches_kind",
        ),
        sa.CheckConstraint("share_bps >= 0 AND share_bps <= 10000", name="share_in_range"),
        sa.Index("ix_carbon_entries_user_id_id", "user_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    )
    order_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("orders.id", ondelete="RESTRICT"), nullable=False)
    )
    role: TradeRole = Field(sa_type=str_enum(TradeRole, "carbon_trade_role"))
    kind: EntryKind = Field(sa_type=str_enum(EntryKind, "carbon_entry_kind"))
    # This account's share, in grams CO2e (negative for a reversal).
    grams: int
    # The whole trade's credited figure in grams (0 when the trade was a net cost) and this
    # party's share of it in basis points: grams = the party's part of trade_grams.
    trade_grams: int
    share_bps: int
    # The trade's estimate, kept whole so any figure can be re-derived later.
    category: str = Field(max_length=40)
    fulfilment: str = Field(max_length=20)
    central_kg: float
    low_kg: float
    high_kg: float
    methodology_version: str = Field(max_length=40)
    estimate: dict[str, Any] = Field(sa_type=sa.JSON)
    reverses_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("carbon_entries.id", ondelete="RESTRICT"), nullable=True, unique=True
        ),
    )
    note: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def kg(self) -> float:
        return self.grams / 1000


class CarbonAccount(SQLModel, table=True):
    """A user's balance, kept equal to the sum of their entries in the same transaction."""

    __tablename__ = "carbon_accounts"

    user_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="RESTRICT"), primary_key=True)
    )
    balance_grams: int = 0
    entries: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def balance_kg(self) -> float:
        return self.balance_grams / 1000


class LedgerIsAppendOnly(RuntimeError):
    """Raised when code tries to edit or delete a carbon entry."""


@sa.event.listens_for(CarbonEntry, "before_update")
def _no_update(_mapper: Any, _connection: Any, target: CarbonEntry) -> None:
    raise LedgerIsAppendOnly(f"carbon entry {target.id} cannot be changed; append a reversal")


@sa.event.listens_for(CarbonEntry, "before_delete")
def _no_delete(_mapper: Any, _connection: Any, target: CarbonEntry) -> None:
    raise LedgerIsAppendOnly(f"carbon entry {target.id} cannot be deleted; append a reversal")
