"""Prohibited items: words and categories (``listings/data/prohibited.csv``, reviewable)
that hold a listing for a moderator's review when it is published.

A Latin word matches as a whole word of the folded title, brand or description (``gun``
and ``guns``, not ``gunmetal``); a Chinese word (no spaces to stand between) matches
anywhere in the text. A ``category`` row names a category slug that is always held.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from listings.text import fold

DATA = Path(__file__).parent / "data" / "prohibited.csv"
_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Rule:
    kind: str  # "word" or "category"
    value: str
    language: str
    note: str


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    with DATA.open(encoding="utf-8", newline="") as file:
        return tuple(
            Rule(row["kind"].strip(), row["value"].strip(), row["language"], row["note"])
            for row in csv.DictReader(file)
            if row["value"].strip()
        )


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], Rule], ...]:
    found = []
    for rule in rules():
        if rule.kind != "word":
            continue
        word = fold(rule.value)
        if _HAN.search(word):
            pattern = re.compile(re.escape(word))
        else:
            pattern = re.compile(r"(?<![\w])" + re.escape(word) + r"(?:s|es)?(?![\w])")
        found.append((pattern, rule))
    return tuple(found)


def match(*, title: str, description: str, brand: str | None, category: str) -> str | None:
    """What of the list this listing names (the word, or the category), or None."""
    for rule in rules():
        if rule.kind == "category" and rule.value == category:
            return rule.value
    text = fold(" ".join(part for part in (title, brand or "", description) if part))
    for pattern, rule in _patterns():
        if pattern.search(text):
            return rule.value
    return None
