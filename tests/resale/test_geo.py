"""Great-circle distance, the search bounding box, and what others see of a location."""

from __future__ import annotations

import math
import random
import re

import pytest

from resale.core import geo
from tests.factories import point_at

PARIS = (48.8566, 2.3522)
LYON = (45.7640, 4.8357)
LONDON = (51.5074, -0.1278)
NEW_YORK = (40.7128, -74.0060)


def destination(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point ``km`` away from (lat, lon) along ``bearing_deg`` (the factories' helper)."""
    return point_at(lat, lon, km, bearing_deg)


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [(PARIS, LYON, 392), (PARIS, LONDON, 344), (LONDON, NEW_YORK, 5570)],
)
def test_haversine_known_distances(
    a: tuple[float, float], b: tuple[float, float], km: float
) -> None:
    assert geo.haversine_km(*a, *b) == pytest.approx(km, rel=0.01)
    assert geo.haversine_km(*b, *a) == pytest.approx(geo.haversine_km(*a, *b))


def test_haversine_zero_and_antipodes() -> None:
    assert geo.haversine_km(*PARIS, *PARIS) == 0
    half_circumference = math.pi * geo.EARTH_RADIUS_KM
    assert geo.haversine_km(0, 0, 0, 180) == pytest.approx(half_circumference)
    assert geo.haversine_km(90, 0, -90, 0) == pytest.approx(half_circumference)


def test_haversine_across_the_antimeridian() -> None:
    # One degree of longitude on the equator, not 359.
    assert geo.haversine_km(0, 179.5, 0, -179.5) == pytest.approx(111.2, rel=0.01)


def test_destination_helper_agrees_with_haversine() -> None:
    point = destination(*PARIS, 45, 100)
    assert geo.haversine_km(*PARIS, *point) == pytest.approx(100, rel=1e-6)


CENTRES = [
    PARIS,
    (0.0, 0.0),
    (-33.87, 151.21),  # Sydney
    (64.15, -21.94),  # Reykjavik
    (78.22, 15.65),  # Longyearbyen
    (-54.8, -68.3),  # Ushuaia
    (10.0, 179.9),  # next to the antimeridian
    (-10.0, -179.9),
    (89.9, 0.0),  # next to the pole
]


@pytest.mark.parametrize("centre", CENTRES)
@pytest.mark.parametrize("radius_km", [0.5, 5, 30, 250, 1500])
def test_bounding_box_contains_the_whole_circle(
    centre: tuple[float, float], radius_km: float
) -> None:
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(*centre, radius_km)
    assert min_lat <= centre[0] <= max_lat
    assert min_lon <= centre[1] <= max_lon
    for step in range(360 * 4):
        for fraction in (1.0, 0.999, 0.5):
            lat, lon = destination(*centre, step / 4, radius_km * fraction)
            assert min_lat - 1e-9 <= lat <= max_lat + 1e-9, (step / 4, lat)
            assert min_lon - 1e-9 <= lon <= max_lon + 1e-9, (step / 4, lon)


def test_bounding_box_is_not_absurdly_wide_at_mid_latitudes() -> None:
    # A box that always covered the world would "contain the circle" too.
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(*PARIS, 30)
    assert max_lat - min_lat == pytest.approx(2 * 30 / 111.19, rel=0.01)
    assert 0.5 < max_lon - min_lon < 1.0


def test_random_points_inside_the_radius_are_inside_the_box() -> None:
    rng = random.Random(20261122)
    for _ in range(2000):
        lat, lon = rng.uniform(-85, 85), rng.uniform(-180, 180)
        radius = rng.uniform(0.1, 800)
        box = geo.bounding_box(lat, lon, radius)
        p_lat, p_lon = destination(lat, lon, rng.uniform(0, 360), rng.uniform(0, radius))
        assert box[0] - 1e-9 <= p_lat <= box[1] + 1e-9
        assert box[2] - 1e-9 <= p_lon <= box[3] + 1e-9


@pytest.mark.parametrize(
    ("km", "shown"),
    [
        (0.0, 1.0),
        (0.2, 1.0),
        (0.99, 1.0),
        (1.4, 1.0),
        (1.6, 2.0),
        (7.4, 7.0),
        (19.4, 19.0),
        (21.0, 20.0),
        (23.0, 25.0),
        (98.0, 100.0),
        (392.4, 390.0),
        (1234.0, 1230.0),
    ],
)
def test_rounded_km(km: float, shown: float) -> None:
    assert geo.rounded_km(km) == shown


def test_format_distance() -> None:
    assert geo.format_distance(None) == ""
    assert geo.format_distance(0.3) == "under 1 km"
    assert geo.format_distance(7.4) == "7 km"
    assert geo.format_distance(392.4) == "390 km"


def test_place_name_for_a_listed_place_is_its_name() -> None:
    for place in geo.PLACES:
        assert geo.place_name_for(place.lat, place.lon) == place.name


def test_place_name_for_points_near_and_far() -> None:
    ten_km_out = destination(geo.PLACES_BY_SLUG["lyon-presquile"].lat, 4.834, 200, 10)
    assert geo.place_name_for(*ten_km_out) == "Near Lyon"
    assert geo.place_name_for(*NEW_YORK) == "Elsewhere"
    assert geo.place_name_for(0.0, 0.0) == "Elsewhere"


def test_place_name_for_never_reveals_coordinates() -> None:
    allowed = {p.name for p in geo.PLACES} | {f"Near {p.city}" for p in geo.PLACES} | {"Elsewhere"}
    rng = random.Random(7)
    points = [(rng.uniform(-90, 90), rng.uniform(-180, 180)) for _ in range(300)]
    for place in geo.PLACES:  # and plenty of points near where people live
        points += [destination(place.lat, place.lon, rng.uniform(0, 360), rng.uniform(0, 40))]
    for lat, lon in points:
        name = geo.place_name_for(lat, lon)
        assert name in allowed
        assert not re.search(r"\d", name), name


def test_nearest_place() -> None:
    montmartre = geo.PLACES_BY_SLUG["paris-montmartre"]
    place, km = geo.nearest_place(montmartre.lat + 0.001, montmartre.lon)
    assert place is montmartre
    assert km == pytest.approx(0.111, rel=0.02)


def test_places_have_unique_slugs_and_valid_points() -> None:
    assert len(geo.PLACES_BY_SLUG) == len(geo.PLACES)
    for place in geo.PLACES:
        assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180
    assert geo.PLACES_BY_SLUG["london-camden"].currency == "GBP"
    assert geo.PLACES_BY_SLUG["paris-marais"].currency == "EUR"
