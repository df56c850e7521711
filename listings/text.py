"""Text normalisation for search: fold, split into words, stem; Chinese too.

Documents and queries go through the same functions, in Python, so SQLite's
FTS5 and PostgreSQL's full-text index both see the same ready-made terms and
match exactly the same listings (their own stemmers differ from each other).

Folding: full-width forms become half-width (NFKC: ``１２８ＧＢ`` is ``128gb``),
traditional characters become simplified (zhconv: ``自行車`` is ``自行车``),
accents go. A number and its storage unit are one term: ``128 gb``, ``128gb``
and ``128G`` are all ``128gb``. Latin words are stemmed (English Snowball).

Chinese has no spaces, so a run of Han characters is indexed by every character
and every pair of neighbouring characters (``山地自行车``: 山, 地, ..., 山地, 地自,
自行, 行车). A query is cut into words by jieba, and each word asks for its pairs
(or its one character): ``自行车`` asks for 自行 and 行车, found wherever the
listing has the word, however its own text would be cut. The words of a query
may stand anywhere in the listing, as Latin words may.

A listing's search document holds each term once per class, marked by a
leading letter: ``t`` (in the title), ``b`` (in the brand), ``a`` (anywhere:
title, brand or description). Every token starts with its class letter, so no
term can pass for another class, and "the word is in the title" is a question
the full-text index answers by itself (search ranks without reading rows).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache

import jieba
import snowballstemmer
import zhconv

# Letters that do not decompose into a base letter plus an accent.
_SPECIAL = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
_HAN = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs: extension A, basic, compatibility
)
_RUN = re.compile(rf"[a-z0-9]+|[{_HAN}]+")
_HAS_HAN = re.compile(rf"[{_HAN}]")
_LATIN = re.compile(r"[a-z0-9]+")
# A number and its storage unit are one term, however they are written.
UNITS = {"g": "gb", "gb": "gb", "t": "tb", "tb": "tb"}
_NUMBER_UNIT = re.compile(r"(\d+)(gb|g|tb|t)")
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
# Chinese words that say nothing about an item ("of", "and", "or"...), dropped from queries.
CHINESE_STOPWORDS = frozenset(["的", "了", "和", "与", "及", "或", "是", "在"])
MAX_QUERY_TERMS = 8
TITLE, BRAND, ANYWHERE = "t", "b", "a"


def fold(text: str) -> str:
    """Half-width, lower-case, simplified, accents removed: ``Poäng Crème`` -> ``poang
    creme``, ``ＧＢ`` -> ``gb``, ``自行車`` -> ``自行车``."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_SPECIAL)
    if _HAS_HAN.search(text):
        text = zhconv.convert(text, "zh-hans")  # the script only, not regional vocabulary
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _latin_terms(words: list[str]) -> list[str]:
    """Stemmed words, each number joined with the storage unit that follows it."""
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word.isdigit() and i + 1 < len(words) and words[i + 1] in UNITS:
            out.append(word + UNITS[words[i + 1]])
            i += 2
            continue
        joined = _NUMBER_UNIT.fullmatch(word)
        out.append(joined[1] + UNITS[joined[2]] if joined else stem(word))
        i += 1
    return out


def _characters_and_pairs(run: str) -> list[str]:
    return [*run, *(run[i : i + 2] for i in range(len(run) - 1))]


def _pairs(word: str) -> list[str]:
    return [word] if len(word) == 1 else [word[i : i + 2] for i in range(len(word) - 1)]


_jieba_ready = threading.Lock()


def _chinese_words(run: str) -> list[str]:
    """A run of Han characters cut into words (jieba's dictionary, loaded on first use)."""
    if not jieba.dt.initialized:
        with _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
    return [w for w in jieba.lcut(run, HMM=False) if w.strip()]


def _runs(text: str) -> list[str]:
    return _RUN.findall(fold(text))


def _is_han(run: str) -> bool:
    return bool(_HAS_HAN.match(run))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    # Numbers and model codes ("501", "128gb") are kept as they are.
    return word if any(ch.isdigit() for ch in word) else str(_stemmer.stemWord(word))


def terms(text: str | None) -> list[str]:
    """The terms a text is indexed by, in order: stemmed words, and for Chinese every
    character and pair of neighbouring characters."""
    if not text:
        return []
    out: list[str] = []
    latin: list[str] = []
    for run in _runs(text):
        if _is_han(run):
            out += _latin_terms(latin)
            latin = []
            out += _characters_and_pairs(run)
        else:
            latin.append(run)
    return out + _latin_terms(latin)


def query_terms(query: str) -> list[str]:
    """The distinct terms a search looks for (all must match), stop words left out."""
    found: list[str] = []
    latin: list[str] = []
    for run in _runs(query):
        if _is_han(run):
            found += _latin_terms(latin)
            latin = []
            for word in _chinese_words(run):
                if word not in CHINESE_STOPWORDS:
                    found += _pairs(word)
        elif run not in STOPWORDS:
            latin.append(run)
    found += _latin_terms(latin)
    return list(dict.fromkeys(found))[:MAX_QUERY_TERMS]


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
