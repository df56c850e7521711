"""Search: words, filters and distance together, one interface over SQLite and PostgreSQL.

``query`` (what is asked), ``cursor`` (keyset pages), ``sql`` (the two databases, statements
and word tiers), ``run`` (how a search is cut into slices and run), ``cards`` (what a result
shows), ``match`` (the same filters as one predicate in Python) and ``url`` (a search in a page's address). See ``run`` for how a search runs.
"""

from listings.search.cards import load_cards, seller_cards
from listings.search.cursor import InvalidSearch
from listings.search.match import matches
from listings.search.query import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_RADIUS_KM,
    SearchPage,
    SearchQuery,
    check,
    effective,
)
from listings.search.run import capture_sql, count_since, explain, search
from listings.search.url import (
    ANYWHERE,
    HERE,
    HOME,
    RADIUS_CHOICES_KM,
    URL_FIELDS,
    UrlSearch,
    from_url,
    to_url,
)

__all__ = [
    "ANYWHERE",
    "DEFAULT_LIMIT",
    "HERE",
    "HOME",
    "MAX_LIMIT",
    "MAX_RADIUS_KM",
    "RADIUS_CHOICES_KM",
    "URL_FIELDS",
    "InvalidSearch",
    "SearchPage",
    "SearchQuery",
    "UrlSearch",
    "capture_sql",
    "check",
    "count_since",
    "effective",
    "explain",
    "from_url",
    "load_cards",
    "matches",
    "search",
    "seller_cards",
    "to_url",
]
