"""Great-circle distances, a user's estimated home, and the spatial index over places."""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import BallTree

from matching.core import FloatArray, IntArray, Interactions, ItemTable

EARTH_RADIUS_KM = 6371.0088


def haversine_km(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    """Distance in km between points (degrees); arrays broadcast, NaN in gives NaN out."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    out: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out


def medoid(
    lat: FloatArray, lon: FloatArray, weight: FloatArray | None = None
) -> tuple[float, float]:
    """The visited place with the least weighted distance to all the others: a robust home.

    A medoid rather than a mean keeps the home on a real place when a user's
    visits form two far-apart clusters (home and work).
    """
    known = ~(np.isnan(lat) | np.isnan(lon))
    lat, lon = lat[known], lon[known]
    if len(lat) == 0:
        return float("nan"), float("nan")
    w = np.ones(len(lat)) if weight is None else np.asarray(weight, dtype=np.float64)[known]
    if len(lat) > 400:  # bound the quadratic cost for very active users
        keep = np.argsort(-w, kind="stable")[:400]
        lat, lon, w = lat[keep], lon[keep], w[keep]
    d = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    best = int(np.argmin(d @ w))
    return float(lat[best]), float(lon[best])


class PlaceIndex:
    """A BallTree (haversine) over the points that have a location."""

    def __init__(self, lat: FloatArray, lon: FloatArray) -> None:
        known = ~(np.isnan(lat) | np.isnan(lon))
        self.rows: IntArray = np.flatnonzero(known).astype(np.int64)
        self.size = len(self.rows)
        self.tree: BallTree | None = None
        if self.size:
            self.tree = BallTree(
                np.radians(np.column_stack([lat[known], lon[known]])), metric="haversine"
            )

    def nearest(self, lat: float, lon: float, k: int) -> tuple[IntArray, FloatArray]:
        """Up to ``k`` nearest rows and their distances in km, nearest first."""
        if self.tree is None or np.isnan(lat) or np.isnan(lon) or k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        k = min(k, self.size)
        dist, ind = self.tree.query(np.radians([[lat, lon]]), k=k)
        return self.rows[ind[0]], dist[0] * EARTH_RADIUS_KM


def estimate_homes(train: Interactions, items: ItemTable) -> FloatArray:
    """Each user's home: the given one, else the medoid of the places they engaged with."""
    homes = (
        np.array(train.home, dtype=np.float64, copy=True)
        if train.home is not None
        else np.full((train.n_users, 2), np.nan)
    )
    order = np.argsort(train.user, kind="stable")
    bounds = np.flatnonzero(np.diff(train.user[order])) + 1
    for rows in np.split(order, bounds) if len(order) else []:
        u = int(train.user[rows[0]])
        if not np.isnan(homes[u]).any():
            continue
        it = train.item[rows]
        homes[u] = medoid(items.lat[it], items.lon[it], train.weight[rows])
    return homes
