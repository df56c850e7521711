"""The recommendation model (personal feed, similar items nearby, interested buyers).

- ``core``: the generic input (``ItemTable``, ``Interactions``, ``Request``).
- ``model``: ``MatchingModel`` — candidate generation plus a learned ranker.
- ``baselines``, ``metrics``, ``datasets``, ``evaluate``, ``cli``: the offline
  evaluation on public data (``resale matching evaluate foursquare|olist``).
"""
