"""Places people can live in, great-circle distance, the rounding others see, and the
countries a parcel is sent to."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pypinyin import lazy_pinyin

from resale.core.i18n import N_, babel_locale, current, gettext, number

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Place:
    slug: str
    name: str
    city: str
    country: str
    lat: float
    lon: float

    @property
    def currency(self) -> str:
        """What people there price in."""
        return {"GB": "GBP", "CN": "CNY"}.get(self.country, "EUR")

    @property
    def timezone(self) -> str:
        """The IANA time zone of its clocks (a meeting there is at their local time)."""
        return _TIMEZONES.get(self.country, "Europe/Paris")

    @property
    def label(self) -> str:
        """The place's name in the language spoken (``上海 静安区`` for ``Shanghai, Jing'an``)."""
        return gettext(self.name)


_TIMEZONES = {
    "CN": "Asia/Shanghai",
    "DE": "Europe/Berlin",
    "ES": "Europe/Madrid",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "IT": "Europe/Rome",
    "NL": "Europe/Amsterdam",
}


def _p(slug: str, name: str, city: str, country: str, lat: float, lon: float) -> Place:
    return Place(slug, name, city, country, lat, lon)


# Neighbourhoods (districts, in China) of a few real cities (centre coordinates), so that
# distances inside a city vary from a few hundred metres to tens of kilometres. The name
# is stored with what is placed there (in English); ``label`` says it in the reader's
# language.
PLACES: tuple[Place, ...] = (
    _p("paris-marais", N_("Paris, Le Marais"), N_("Paris"), "FR", 48.8590, 2.3620),
    _p("paris-montmartre", N_("Paris, Montmartre"), N_("Paris"), "FR", 48.8867, 2.3431),
    _p("paris-bastille", N_("Paris, Bastille"), N_("Paris"), "FR", 48.8532, 2.3692),
    _p("paris-belleville", N_("Paris, Belleville"), N_("Paris"), "FR", 48.8720, 2.3770),
    _p("paris-montparnasse", N_("Paris, Montparnasse"), N_("Paris"), "FR", 48.8421, 2.3219),
    _p("paris-batignolles", N_("Paris, Batignolles"), N_("Paris"), "FR", 48.8873, 2.3168),
    _p("boulogne-billancourt", N_("Boulogne-Billancourt"), N_("Paris"), "FR", 48.8397, 2.2399),
    _p("vincennes", N_("Vincennes"), N_("Paris"), "FR", 48.8474, 2.4390),
    _p("saint-denis", N_("Saint-Denis"), N_("Paris"), "FR", 48.9362, 2.3574),
    _p("versailles", N_("Versailles"), N_("Paris"), "FR", 48.8049, 2.1204),
    _p("lyon-presquile", N_("Lyon, Presqu'île"), N_("Lyon"), "FR", 45.7600, 4.8340),
    _p("lyon-croix-rousse", N_("Lyon, Croix-Rousse"), N_("Lyon"), "FR", 45.7745, 4.8320),
    _p("lyon-part-dieu", N_("Lyon, Part-Dieu"), N_("Lyon"), "FR", 45.7606, 4.8590),
    _p("lyon-confluence", N_("Lyon, Confluence"), N_("Lyon"), "FR", 45.7406, 4.8183),
    _p("villeurbanne", N_("Villeurbanne"), N_("Lyon"), "FR", 45.7719, 4.8902),
    _p("berlin-mitte", N_("Berlin, Mitte"), N_("Berlin"), "DE", 52.5200, 13.4050),
    _p("berlin-kreuzberg", N_("Berlin, Kreuzberg"), N_("Berlin"), "DE", 52.4986, 13.4030),
    _p(
        "berlin-prenzlauer-berg",
        N_("Berlin, Prenzlauer Berg"),
        N_("Berlin"),
        "DE",
        52.5380,
        13.4240,
    ),
    _p("berlin-neukoelln", N_("Berlin, Neukölln"), N_("Berlin"), "DE", 52.4811, 13.4353),
    _p("berlin-charlottenburg", N_("Berlin, Charlottenburg"), N_("Berlin"), "DE", 52.5163, 13.3041),
    _p("berlin-friedrichshain", N_("Berlin, Friedrichshain"), N_("Berlin"), "DE", 52.5150, 13.4540),
    _p("potsdam", N_("Potsdam"), N_("Berlin"), "DE", 52.3906, 13.0645),
    _p("london-camden", N_("London, Camden"), N_("London"), "GB", 51.5390, -0.1426),
    _p("london-hackney", N_("London, Hackney"), N_("London"), "GB", 51.5450, -0.0553),
    _p("london-brixton", N_("London, Brixton"), N_("London"), "GB", 51.4613, -0.1156),
    _p("london-islington", N_("London, Islington"), N_("London"), "GB", 51.5362, -0.1033),
    _p("london-greenwich", N_("London, Greenwich"), N_("London"), "GB", 51.4826, -0.0077),
    _p("london-shoreditch", N_("London, Shoreditch"), N_("London"), "GB", 51.5264, -0.0786),
    _p("madrid-centro", N_("Madrid, Centro"), N_("Madrid"), "ES", 40.4168, -3.7038),
    _p("madrid-malasana", N_("Madrid, Malasaña"), N_("Madrid"), "ES", 40.4260, -3.7040),
    _p("madrid-lavapies", N_("Madrid, Lavapiés"), N_("Madrid"), "ES", 40.4086, -3.7010),
    _p("madrid-chamberi", N_("Madrid, Chamberí"), N_("Madrid"), "ES", 40.4346, -3.7038),
    _p("madrid-salamanca", N_("Madrid, Salamanca"), N_("Madrid"), "ES", 40.4300, -3.6800),
    _p("milano-navigli", N_("Milano, Navigli"), N_("Milano"), "IT", 45.4520, 9.1760),
    _p("milano-brera", N_("Milano, Brera"), N_("Milano"), "IT", 45.4720, 9.1880),
    _p("milano-isola", N_("Milano, Isola"), N_("Milano"), "IT", 45.4880, 9.1890),
    _p("milano-porta-romana", N_("Milano, Porta Romana"), N_("Milano"), "IT", 45.4520, 9.2030),
    _p("amsterdam-jordaan", N_("Amsterdam, Jordaan"), N_("Amsterdam"), "NL", 52.3740, 4.8800),
    _p("amsterdam-de-pijp", N_("Amsterdam, De Pijp"), N_("Amsterdam"), "NL", 52.3540, 4.8930),
    _p("amsterdam-oost", N_("Amsterdam, Oost"), N_("Amsterdam"), "NL", 52.3600, 4.9300),
    _p("shanghai-jingan", N_("Shanghai, Jing'an"), N_("Shanghai"), "CN", 31.2290, 121.4480),
    _p("shanghai-xuhui", N_("Shanghai, Xuhui"), N_("Shanghai"), "CN", 31.1880, 121.4370),
    _p("shanghai-huangpu", N_("Shanghai, Huangpu"), N_("Shanghai"), "CN", 31.2304, 121.4737),
    _p("shanghai-pudong", N_("Shanghai, Pudong"), N_("Shanghai"), "CN", 31.2397, 121.4998),
    _p("shanghai-yangpu", N_("Shanghai, Yangpu"), N_("Shanghai"), "CN", 31.2595, 121.5260),
    _p("hangzhou-xihu", N_("Hangzhou, Xihu"), N_("Hangzhou"), "CN", 30.2590, 120.1300),
    _p("hangzhou-gongshu", N_("Hangzhou, Gongshu"), N_("Hangzhou"), "CN", 30.3190, 120.1500),
    _p("hangzhou-binjiang", N_("Hangzhou, Binjiang"), N_("Hangzhou"), "CN", 30.2084, 120.2110),
    _p("beijing-dongcheng", N_("Beijing, Dongcheng"), N_("Beijing"), "CN", 39.9288, 116.4160),
    _p("beijing-chaoyang", N_("Beijing, Chaoyang"), N_("Beijing"), "CN", 39.9219, 116.4436),
    _p("beijing-haidian", N_("Beijing, Haidian"), N_("Beijing"), "CN", 39.9590, 116.2980),
    _p("shenzhen-futian", N_("Shenzhen, Futian"), N_("Shenzhen"), "CN", 22.5410, 114.0550),
    _p("shenzhen-nanshan", N_("Shenzhen, Nanshan"), N_("Shenzhen"), "CN", 22.5333, 113.9304),
    _p("shenzhen-longgang", N_("Shenzhen, Longgang"), N_("Shenzhen"), "CN", 22.7200, 114.2470),
    _p("chengdu-jinjiang", N_("Chengdu, Jinjiang"), N_("Chengdu"), "CN", 30.6570, 104.0830),
    _p("chengdu-wuhou", N_("Chengdu, Wuhou"), N_("Chengdu"), "CN", 30.6420, 104.0430),
    _p("chengdu-gaoxin", N_("Chengdu, Gaoxin"), N_("Chengdu"), "CN", 30.5730, 104.0660),
)
PLACES_BY_SLUG: dict[str, Place] = {p.slug: p for p in PLACES}
NEAR_PLACE_KM = 25.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing every point within ``radius_km``."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    min_lat, max_lat = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    if min_lat <= -90.0 or max_lat >= 90.0:
        return min_lat, max_lat, -180.0, 180.0
    dlon = math.degrees(
        radius_km / (EARTH_RADIUS_KM * math.cos(math.radians(max(abs(min_lat), abs(max_lat)))))
    )
    if dlon >= 180.0:
        return min_lat, max_lat, -180.0, 180.0
    # Near the antimeridian the box would wrap; widen to every longitude instead of splitting it.
    if lon - dlon < -180.0 or lon + dlon > 180.0:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, lon - dlon, lon + dlon


def nearest_place(lat: float, lon: float) -> tuple[Place, float]:
    """The listed place closest to a point, and its distance in km."""
    return min(((p, haversine_km(lat, lon, p.lat, p.lon)) for p in PLACES), key=lambda t: t[1])


def currency_at(point: tuple[float, float] | None) -> str:
    """What prices are in by default for someone at ``point`` (their home, or where they
    search): the currency of the nearest listed place; with no point, that of the language
    spoken (yuan in Chinese, else euros)."""
    if point is not None:
        return nearest_place(*point)[0].currency
    return "CNY" if current() == "zh-CN" else "EUR"


# The names place_name_for gives a point away from every listed place. Stored in English
# like the places' names, and marked here so that a stored name is said in the reader's
# language wherever a place name is (``gettext(name)``, as ``Place.label`` does).
NEAR_CITY: dict[str, str] = {
    "Paris": N_("Near Paris"),
    "Lyon": N_("Near Lyon"),
    "Berlin": N_("Near Berlin"),
    "London": N_("Near London"),
    "Madrid": N_("Near Madrid"),
    "Milano": N_("Near Milano"),
    "Amsterdam": N_("Near Amsterdam"),
    "Shanghai": N_("Near Shanghai"),
    "Hangzhou": N_("Near Hangzhou"),
    "Beijing": N_("Near Beijing"),
    "Shenzhen": N_("Near Shenzhen"),
    "Chengdu": N_("Near Chengdu"),
}
ELSEWHERE = N_("Elsewhere")


def place_name_for(lat: float, lon: float) -> str:
    """A name for a point (e.g. from the browser's geolocation) that does not reveal it."""
    place, km = nearest_place(lat, lon)
    if km <= 3:
        return place.name
    if km <= NEAR_PLACE_KM:
        return NEAR_CITY.get(place.city, f"Near {place.city}")
    return ELSEWHERE


PUBLIC_POINT_DECIMALS = 2  # 0.01 degree: about 1.1 km north-south, 0.7 km east-west in Europe


def public_point(lat: float, lon: float) -> tuple[float, float]:
    """Where a listing is said to be: a grid point near it, never someone's exact home.

    Every distance other people see (and later search by) is measured from this
    point, so no number of queries from chosen places can pinpoint a seller.
    """
    return round(lat, PUBLIC_POINT_DECIMALS), round(lon, PUBLIC_POINT_DECIMALS)


def rounded_km(km: float) -> float:
    """The distance shown to other people: coarse enough not to pinpoint anyone."""
    if km < 1:
        return 1.0
    if km < 20:
        return float(round(km))
    if km < 100:
        return float(5 * round(km / 5))
    return float(10 * round(km / 10))


def format_distance(km: float | None) -> str:
    if km is None:
        return ""
    if km < 1:
        return gettext("under 1 km")
    return f"{number(rounded_km(km))} km"


# --- Countries a parcel is sent to ---------------------------------------------------------

# ISO 3166 codes: the countries of the places above and their neighbours. Their names come
# from Babel, in the language spoken (``country_name``).
SHIPPING_COUNTRIES: tuple[str, ...] = (
    "AT", "BE", "CH", "CN", "DE", "DK", "ES", "FR", "GB", "HK",
    "IE", "IT", "LU", "MO", "NL", "PL", "PT", "SE",
)  # fmt: skip
# Where addresses have no postcode.
NO_POSTCODE: frozenset[str] = frozenset({"HK", "MO"})
HOME_COUNTRY_KM = 200.0  # a home this close to a listed place is in that place's country


def country_name(code: str) -> str:
    """``"DE"`` -> ``Germany`` / ``德国``, in the language spoken (Babel's names)."""
    return str(babel_locale().territories.get(code, code))


def shipping_countries() -> list[tuple[str, str]]:
    """(code, name) of every country a parcel is sent to, in the alphabetical order of their
    names in the language spoken (Chinese names by their pinyin)."""
    named = [(code, country_name(code)) for code in SHIPPING_COUNTRIES]
    return sorted(named, key=lambda pair: " ".join(lazy_pinyin(pair[1])).casefold())


def home_country(lat: float | None, lon: float | None) -> Place | None:
    """The listed place nearest a home point, if the home is in its country's reach."""
    if lat is None or lon is None:
        return None
    place, km = nearest_place(lat, lon)
    return place if km <= HOME_COUNTRY_KM else None
