"""The currencies a price may be in, and what an amount is worth in euros.

One table for the whole marketplace, ``carbon/data/currencies.csv`` (the ECB's annual
average reference rates, with their source): listings accept its currencies, matching
compares prices in euros with its rates, and the spend-based estimate converts with it.
Adding a currency is a row there (and a row in versions.csv, since the figures change).
"""

from __future__ import annotations

from carbon.methodology import load_factors


def codes() -> tuple[str, ...]:
    """ISO 4217 codes, in the table's order (the euro first)."""
    return tuple(load_factors().currencies)


def in_euros(cents: int, currency: str) -> float:
    """``cents`` of ``currency`` in euros at the table's rate (an unknown code counts as euros)."""
    rate = load_factors().currencies.get(currency)
    return cents / 100.0 / (rate.units_per_eur if rate is not None else 1.0)
