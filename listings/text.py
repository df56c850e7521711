"""Text normalisation for search: fold, split into words, stem; Chinese too.

Documents and queries go through the same functions, in Python, so SQLite's
FTS5 and PostgreSQL's full-text index both see the same ready-made terms and
match exactly the same listings (their own stemmers differ from each other).

Folding: full-width forms become half-width (NFKC: ``１２８ＧＢ`` is ``128gb``),
traditional characters become simplified (zhconv: ``自行車`` is ``自行车``),
accents go. A number and its storage unit are one term: ``128 gb``, ``128gb``
and ``128G`` are all ``128gb``. Latin words are stemmed (English Snowball).

Chinese has no spaces, so a run of Han characters is indexed by every run of one to
four neighbouring characters in it (``山地自行车``: 山, ..., 山地, 地自, ..., 自行车, ...,
地自行车). A query is cut into words by jieba, and each word is one term (a longer one
asks for its overlapping runs of four): ``自行车`` is found wherever the listing has the
word, however its own text would be cut, and the databases know how common it is. The
words of a query may stand anywhere in the listing, as Latin words may.

Pinyin: the same Han text is also indexed by the toneless pinyin of those runs
(``自行车``: zi, xing, che, zixing, xingche, zixingche; pypinyin reads a character in its
phrase), in a class of its own. A query word that pinyin can spell (``zixingche``, or
``zi``, ``xing``, ``che`` apart) finds a listing by its own letters or by that pinyin;
matched only through pinyin, it weighs as a word of the description, so listings that
have the very word rank above those found by its sound.

A listing's search document holds each term once per class, marked by a
leading letter: ``t`` (in the title), ``b`` (in the brand), ``a`` (anywhere:
title, brand or description), ``p`` (pinyin, anywhere). Every token starts with
its class letter, so no term can pass for another class, and "the word is in the title" is a question
the full-text index answers by itself (search ranks without reading rows).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import jieba
import snowballstemmer
import zhconv
from pypinyin import Style, lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict
from pypinyin.style import convert

# Letters that do not decompose into a base letter plus an accent.
_SPECIAL = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
_HAN = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs: extension A, basic, compatibility
)
_RUN = re.compile(rf"[a-z0-9]+|[{_HAN}]+")
_HAS_HAN = re.compile(rf"[{_HAN}]")
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
TITLE, BRAND, ANYWHERE, PINYIN = "t", "b", "a", "p"


def fold(text: str) -> str:
    """Half-width, lower-case, simplified, accents removed: ``Poäng Crème`` -> ``poang
    creme``, ``ＧＢ`` -> ``gb``, ``自行車`` -> ``自行车``."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_SPECIAL)
    if _HAS_HAN.search(text):
        text = zhconv.convert(text, "zh-hans")  # the script only, not regional vocabulary
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _latin_terms(words: list[str]) -> list[tuple[str, str]]:
    """(term, the word it came from): stemmed words, each number joined with the storage
    unit that follows it."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word.isdigit() and i + 1 < len(words) and words[i + 1] in UNITS:
            out.append((word + UNITS[words[i + 1]], word))
            i += 2
            continue
        joined = _NUMBER_UNIT.fullmatch(word)
        out.append((joined[1] + UNITS[joined[2]] if joined else stem(word), word))
        i += 1
    return out


# Han text is indexed by every run of up to this many characters (and its pinyin by up
# to this many syllables), so a query word of that length is one term: the databases
# know how common it is, where the pieces of a longer word would look independent.
MAX_GRAM = 4


def _grams(items: Sequence[str]) -> list[str]:
    """Every run of 1 to MAX_GRAM neighbouring items, joined: what Han text is indexed by."""
    return [
        "".join(items[i : i + n]) for n in range(1, MAX_GRAM + 1) for i in range(len(items) - n + 1)
    ]


def _word_grams(items: Sequence[str]) -> list[str]:
    """What a query word asks for: itself, or if longer than MAX_GRAM its overlapping runs."""
    if len(items) <= MAX_GRAM:
        return ["".join(items)] if items else []
    return ["".join(items[i : i + MAX_GRAM]) for i in range(len(items) - MAX_GRAM + 1)]


_jieba_ready = threading.Lock()


def _chinese_words(run: str) -> list[str]:
    """A run of Han characters cut into words (jieba's dictionary, loaded on first use)."""
    if not jieba.dt.initialized:
        with _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
    return [w for w in jieba.lcut(run, HMM=False) if w.strip()]


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows, those with a vowel (not m, n, ng)."""
    found = {
        convert(tone, Style.NORMAL, strict=True)
        for tones in pinyin_dict.values()
        for tone in tones.split(",")
    }
    return frozenset(
        s for s in found if s.isascii() and s.isalpha() and any(v in s for v in "aeiouv")
    )


@lru_cache(maxsize=50_000)
def spelled_in_pinyin(word: str) -> tuple[str, ...]:
    """``zixingche`` -> (zi, xing, che): the fewest pinyin syllables that spell a word of
    letters, or () when none do."""
    if not word.isascii() or not word.isalpha():
        return ()
    syllables = _syllables()
    best: list[tuple[str, ...] | None] = [(), *([None] * len(word))]
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            before, now = best[start], best[end]
            if before is None or word[start:end] not in syllables:
                continue
            if now is None or len(before) + 1 < len(now):
                best[end] = (*before, word[start:end])
    return best[-1] or ()


def _runs(text: str) -> list[str]:
    return _RUN.findall(fold(text))


def _is_han(run: str) -> bool:
    return bool(_HAS_HAN.match(run))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    # Numbers and model codes ("501", "128gb") are kept as they are.
    return word if any(ch.isdigit() for ch in word) else str(_stemmer.stemWord(word))


class Word(NamedTuple):
    """A word of a query: the term the listing must have (class ``a``), or else, for a
    word pinyin can spell, every one of its pinyin terms (class ``p``)."""

    term: str
    pinyin: tuple[str, ...] = ()


def _indexed(text: str | None) -> tuple[list[str], list[str]]:
    """(terms, pinyin terms) of a text, in order."""
    if not text:
        return [], []
    out: list[str] = []
    pinyin: list[str] = []
    latin: list[str] = []
    for run in _runs(text):
        if _is_han(run):
            out += [term for term, _ in _latin_terms(latin)]
            latin = []
            out += _grams(run)
            pinyin += _grams(lazy_pinyin(run))
        else:
            latin.append(run)
    return out + [term for term, _ in _latin_terms(latin)], pinyin


def terms(text: str | None) -> list[str]:
    """The terms a text is indexed by, in order: stemmed words, and for Chinese every run
    of one to MAX_GRAM neighbouring characters."""
    return _indexed(text)[0]


def _pinyin_grams(word: str) -> tuple[str, ...]:
    return tuple(_word_grams(spelled_in_pinyin(word)))


def query_words(query: str) -> list[Word]:
    """The distinct words a search looks for (all must match), stop words left out."""
    found: list[Word] = []
    latin: list[str] = []

    def flush() -> None:
        found.extend(Word(term, _pinyin_grams(word)) for term, word in _latin_terms(latin))
        latin.clear()

    for run in _runs(query):
        if _is_han(run):
            flush()
            for word in _chinese_words(run):
                if word not in CHINESE_STOPWORDS:
                    found.extend(Word(gram) for gram in _word_grams(word))
        elif run not in STOPWORDS:
            latin.append(run)
    flush()
    distinct: dict[str, Word] = {}
    for one in found:
        distinct.setdefault(one.term, one)
    return list(distinct.values())[:MAX_QUERY_TERMS]


def query_terms(query: str) -> list[str]:
    """The terms of ``query_words``: what the listing's own text must have."""
    return [word.term for word in query_words(query)]


def search_document(title: str | None, brand: str | None, description: str | None) -> str:
    """The tokens a listing is indexed by: its terms, each once per class they occur in."""
    title_terms, title_pinyin = _indexed(title)
    brand_terms, brand_pinyin = _indexed(brand)
    body_terms, body_pinyin = _indexed(description)
    in_title, in_brand = dict.fromkeys(title_terms), dict.fromkeys(brand_terms)
    anywhere = dict.fromkeys([*in_title, *in_brand, *body_terms])
    pinyin = dict.fromkeys([*title_pinyin, *brand_pinyin, *body_pinyin])
    return " ".join(
        [
            *(TITLE + t for t in in_title),
            *(BRAND + t for t in in_brand),
            *(ANYWHERE + t for t in anywhere),
            *(PINYIN + t for t in pinyin),
        ]
    )
