"""Text normalisation for search: fold accents, split into words, stem.

Documents and queries go through the same functions, in Python, so SQLite's
FTS5 and PostgreSQL's full-text index both see the same ready-made terms and
match exactly the same listings (their own stemmers differ from each other).

A listing's search document holds each term once per class, marked by a
leading letter: ``t`` (in the title), ``b`` (in the brand), ``a`` (anywhere:
title, brand or description). Every token starts with its class letter, so no
term can pass for another class, and "the word is in the title" is a question
the full-text index answers by itself (search ranks without reading rows).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Letters that do not decompose into a base letter plus an accent.
_SPECIAL = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
_WORD = re.compile(r"[a-z0-9]+")
_stemmer = snowballstemmer.stemmer("english")

# Words that say nothing about an item; dropped from queries (documents keep them).
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "s",
        "so",
        "t",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
    ]
)
MAX_QUERY_TERMS = 6
TITLE, BRAND, ANYWHERE = "t", "b", "a"


def fold(text: str) -> str:
    """Lower-case, accents removed: ``Poäng Crème`` -> ``poang creme``."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    # Numbers and model codes ("501", "128gb") are kept as they are.
    return word if any(ch.isdigit() for ch in word) else str(_stemmer.stemWord(word))


def terms(text: str | None) -> list[str]:
    """The stemmed words of a text, in order."""
    if not text:
        return []
    return [stem(word) for word in _WORD.findall(fold(text))]


def query_terms(query: str) -> list[str]:
    """The distinct terms a search looks for (all must match), stop words left out."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(fold(query)):
        if word in STOPWORDS:
            continue
        seen.setdefault(stem(word), None)
    return list(seen)[:MAX_QUERY_TERMS]


def search_document(title: str | None, brand: str | None, description: str | None) -> str:
    """The tokens a listing is indexed by: its terms, each once per class they occur in."""
    title_terms = dict.fromkeys(terms(title))
    brand_terms = dict.fromkeys(terms(brand))
    all_terms = dict.fromkeys([*title_terms, *brand_terms, *terms(description)])
    return " ".join(
        [
            *(TITLE + t for t in title_terms),
            *(BRAND + t for t in brand_terms),
            *(ANYWHERE + t for t in all_terms),
        ]
    )
