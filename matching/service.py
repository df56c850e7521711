"""Recommendations for people: the area's public face. Other areas, pages and routes call
these; each lives in the module of its one job:

- ``matching.feed``: a signed-in buyer's personal list.
- ``matching.similar``: items like a listing, near the viewer.
- ``matching.audience``: for a seller, how many buyers nearby may want an item.
- ``matching.notices``: telling buyers about a newly published listing.
- ``matching.picks``: what every list is made of (a pick and its reasons in words).

Every list is of active listings only, carries a rounded distance (never a seller's exact
point: distances are shown through ``resale.core.geo.rounded_km``) and the reasons in words,
and says which model made it (``serving.model_info``).

- With a trained model (``matching.serving``): the model ranks what it knows. Items no
  longer on sale are dropped (those sold before training through the model's ``allowed``
  flags, those sold since by reading their status with the cards). Listings published since
  training are unknown to the model: they come in through content (category, words, brand,
  price) and "new near you", so a new listing is reachable from the first minute.
- Without one: popular nearby. Among the newest active listings near the buyer, those with
  the most recent views and favourites come first, newest first among equals; the response
  says ``{"source": "fallback", ...}``.
"""

from matching.audience import BANDS_KM, Audience, Band, interested_buyers
from matching.feed import feed
from matching.notices import (
    Notice,
    Told,
    buyers_to_tell,
    mark_notices_seen,
    notices_for,
    notify_new_listing,
    notify_published_since,
    notify_since,
    other_news,
    unseen_notices,
)
from matching.picks import (
    DEFAULT_LIMIT,
    LIKE_SAVED,
    LIKE_VIEWED,
    NEAR_ITEM,
    NEAR_YOU,
    NEW,
    NEW_NEAR_YOU,
    POPULAR,
    POPULAR_NEARBY,
    SAME_PEOPLE,
    SAVED_SEARCH,
    SAVED_SEARCH_NAMED,
    SIMILAR_ITEM,
    SIMILAR_TASTE,
    YOUR_CATEGORY,
    Pick,
    Picks,
)
from matching.similar import similar

__all__ = [
    "BANDS_KM",
    "DEFAULT_LIMIT",
    "LIKE_SAVED",
    "LIKE_VIEWED",
    "NEAR_ITEM",
    "NEAR_YOU",
    "NEW",
    "NEW_NEAR_YOU",
    "POPULAR",
    "POPULAR_NEARBY",
    "SAME_PEOPLE",
    "SAVED_SEARCH",
    "SAVED_SEARCH_NAMED",
    "SIMILAR_ITEM",
    "SIMILAR_TASTE",
    "YOUR_CATEGORY",
    "Audience",
    "Band",
    "Notice",
    "Pick",
    "Picks",
    "Told",
    "buyers_to_tell",
    "feed",
    "interested_buyers",
    "mark_notices_seen",
    "notices_for",
    "notify_new_listing",
    "notify_published_since",
    "notify_since",
    "other_news",
    "similar",
    "unseen_notices",
]
