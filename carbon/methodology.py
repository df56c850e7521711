"""The carbon methodology's data: load, check and version the CSV tables in ``carbon/data/``.

Pure: reads files, no database. Each table starts with ``#`` comment lines that
explain its columns; ``carbon/estimate.py`` computes with what this module loads.
The version is the human version of the last row of ``versions.csv`` plus the
first 8 hex digits of a SHA-256 over every ``.csv`` file of the folder, so any
change to any figure gives a new version.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

DATA_DIR = Path(__file__).resolve().parent / "data"

Basis = Literal["published", "derived", "assumption", "method"]
_BASES: frozenset[str] = frozenset({"published", "derived", "assumption"})
_PARAMETER_BASES: frozenset[str] = _BASES | {"method"}
_TRIP_MODES: frozenset[str] = frozenset({"walk_bike", "public_transport", "car"})
_REQUIRED_PARAMETERS: dict[str, bool] = {  # name -> must be a number
    "round_trip_factor": True,
    "default_pickup_mode": False,
    "default_pickup_distance_km": True,
    "spend_price_basis": False,
    "spend_price_year": True,
}


class CarbonDataError(RuntimeError):
    """A methodology data file is missing, malformed or inconsistent."""


def _row_dict(row: object) -> dict[str, Any]:
    """A data row as plain JSON-ready values (tuples become lists)."""
    out: dict[str, Any] = {}
    for f in fields(cast(Any, row)):
        value = getattr(row, f.name)
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    publisher: str
    year: int | None
    url: str
    accessed: str
    note: str

    def as_dict(self) -> dict[str, Any]:
        return _row_dict(self)


@dataclass(frozen=True, slots=True)
class ItemFactor:
    slug: str
    group: str
    method: Literal["item_factor", "spend_based"]
    unit: Literal["item", "kg"] | None
    central: float | None
    low: float | None
    high: float | None
    spend_sector: str | None
    basis: Basis
    source_ids: tuple[str, ...]
    source_date: str
    typical_weight_kg: float
    weight_basis: Basis
    weight_note: str
    note: str

    def as_dict(self) -> dict[str, Any]:
        return _row_dict(self)


@dataclass(frozen=True, slots=True)
class DisplacementGroup:
    group: str
    categories: str
    central: float
    low: float
    high: float
    basis: Basis
    source_ids: tuple[str, ...]
    source_date: str
    note: str

    def as_dict(self) -> dict[str, Any]:
        return _row_dict(self)


@dataclass(frozen=True, slots=True)
class SpendFactor:
    sector: str
    kg_co2e_per_usd: float
    basis: Basis
    source_ids: tuple[str, ...]
    source_date: str
    note: str

    def as_dict(self) -> dict[str, Any]:
        return _row_dict(self)


@dataclass(frozen=True, slots=True)
class CurrencyRate:
    currency: str
    units_per_eur: float
    basis: Basis
    source_ids: tuple[str, ...]
    rate_date: str
    note: str

    def as_dict(self) -> dict[str, Any]:
        return _row_dict(self)


@dataclass(frozen=True, slots=True)
class TripMode:
    mode: str
    label: str
    central: float
    low: float
    high: float
    basis: Basis
    source_ids: tuple[str, ...]
    source_date: str
    note: str

    def as_dict(self) -> dict[str, Any]:
        return _row_dict(self)


@dataclass(frozen=True, slots=True)
class ParcelPoint:
    weight_kg: float
    home_delivery: float
    pickup_point: float
    packaging: float
    basis: Basis
    source_ids: tuple[str, ...]
    source_date: str
    note: str

    def as_dict(self) -> dict[str, Any]:
        return _row_dict(self)


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    value: str
    unit: str
    basis: Basis
    source_ids: tuple[str, ...]
    note: str

    def as_dict(self) -> dict[str, Any]:
        return _row_dict(self)


@dataclass(frozen=True, slots=True)
class VersionEntry:
    version: str
    date: str
    changes: str

    def as_dict(self) -> dict[str, Any]:
        return _row_dict(self)


@dataclass(frozen=True, eq=False)
class FactorSet:
    """Every table of one data folder, checked, with the version derived from its content."""

    data_dir: Path
    digest: str
    human_version: str
    sources: Mapping[str, Source]
    items: Mapping[str, ItemFactor]
    displacement: Mapping[str, DisplacementGroup]
    spend: Mapping[str, SpendFactor]
    currencies: Mapping[str, CurrencyRate]
    trip_modes: Mapping[str, TripMode]
    parcels: tuple[ParcelPoint, ...]
    parameters: Mapping[str, Parameter]
    versions: tuple[VersionEntry, ...]

    @property
    def version(self) -> str:
        """``2026.11-1a2b3c4d``: the human version, then the content hash of the data files."""
        return f"{self.human_version}-{self.digest[:8]}"

    def number(self, name: str) -> float:
        return float(self.parameters[name].value)

    def text(self, name: str) -> str:
        return self.parameters[name].value


def load_factors(data_dir: Path | str | None = None) -> FactorSet:
    """The checked factor tables of ``data_dir`` (default ``carbon/data``), loaded once per folder."""
    path = DATA_DIR if data_dir is None else Path(data_dir).resolve()
    return _load(path)


def methodology_version(data_dir: Path | str | None = None) -> str:
    """The version of a data folder without checking its tables (what ``load_factors(...).version`` gives)."""
    path = DATA_DIR if data_dir is None else Path(data_dir).resolve()
    versions = list(_Reader(path).rows("versions.csv", _version))
    if not versions:
        raise CarbonDataError("versions.csv: at least one version is needed")
    return f"{versions[-1].version}-{data_digest(path)[:8]}"


def data_digest(data_dir: Path) -> str:
    """SHA-256 over the name and bytes of every ``.csv`` file of the folder, in name order."""
    sha = hashlib.sha256()
    files = sorted(data_dir.glob("*.csv"))
    if not files:
        raise CarbonDataError(f"no .csv files in {data_dir}")
    for file in files:
        sha.update(file.name.encode())
        sha.update(b"\0")
        sha.update(file.read_bytes())
        sha.update(b"\0")
    return sha.hexdigest()


@cache
def _load(path: Path) -> FactorSet:
    digest = data_digest(path)
    reader = _Reader(path)
    versions = tuple(reader.rows("versions.csv", _version))
    if not versions:
        raise CarbonDataError("versions.csv: at least one version is needed")
    factors = FactorSet(
        data_dir=path,
        digest=digest,
        human_version=versions[-1].version,
        sources=reader.table("sources.csv", _source, key="id"),
        items=reader.table("item_factors.csv", _item, key="slug"),
        displacement=reader.table("displacement.csv", _displacement, key="group"),
        spend=reader.table("spend_factors.csv", _spend, key="sector"),
        currencies=reader.table("currencies.csv", _currency, key="currency"),
        trip_modes=reader.table("trip_modes.csv", _trip_mode, key="mode"),
        parcels=tuple(reader.rows("parcels.csv", _parcel)),
        parameters=reader.table("parameters.csv", _parameter, key="name"),
        versions=versions,
    )
    _check(factors)
    return factors


# -- reading --------------------------------------------------------------------------

_Row = TypeVar("_Row")


class _Cells:
    """One CSV row with its location, so every error names the file and line."""

    def __init__(self, where: str, cells: dict[str, str]) -> None:
        self.where = where
        self.cells = cells

    def error(self, column: str, problem: str) -> CarbonDataError:
        return CarbonDataError(f"{self.where}, column {column}: {problem}")

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.cells[column].strip()
        if required and not value:
            raise self.error(column, "is empty")
        return value

    def number(self, column: str) -> float:
        raw = self.text(column)
        try:
            value = float(raw)
        except ValueError:
            raise self.error(column, f"{raw!r} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise self.error(column, f"{raw!r} must be a finite number >= 0")
        return value

    def optional_number(self, column: str) -> float | None:
        return self.number(column) if self.text(column, required=False) else None

    def ids(self, column: str) -> tuple[str, ...]:
        return tuple(self.text(column, required=False).split())

    def basis(self, column: str, allowed: frozenset[str] = _BASES) -> Basis:
        value = self.text(column)
        if value not in allowed:
            raise self.error(column, f"{value!r} must be one of {', '.join(sorted(allowed))}")
        return cast(Basis, value)

    def band(self) -> tuple[float, float, float]:
        central, low, high = self.number("central"), self.number("low"), self.number("high")
        if not low <= central <= high:
            raise self.error(
                "central", f"needs low <= central <= high, got {low} / {central} / {high}"
            )
        return central, low, high


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def rows(self, name: str, build: Callable[[_Cells], _Row]) -> Iterable[_Row]:
        file = self.path / name
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CarbonDataError(f"missing data file {file}") from None
        numbered = [
            (number, line)
            for number, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.startswith("#")
        ]
        if not numbered:
            raise CarbonDataError(f"{name}: no header line")
        parsed = list(csv.reader(line for _, line in numbered))
        if len(parsed) != len(numbered):
            raise CarbonDataError(f"{name}: a quoted field spans lines; keep one row per line")
        header = parsed[0]
        for (number, _), cells in zip(numbered[1:], parsed[1:], strict=True):
            where = f"{name} line {number}"
            if len(cells) != len(header):
                raise CarbonDataError(f"{where}: {len(cells)} cells for {len(header)} columns")
            row = _Cells(where, dict(zip(header, cells, strict=True)))
            try:
                yield build(row)
            except KeyError as exc:
                raise CarbonDataError(f"{name}: missing column {exc}") from None

    def table(self, name: str, build: Callable[[_Cells], _Row], *, key: str) -> dict[str, _Row]:
        table: dict[str, _Row] = {}
        for row in self.rows(name, build):
            row_key = getattr(row, key)
            if row_key in table:
                raise CarbonDataError(f"{name}: {key} {row_key!r} appears twice")
            table[row_key] = row
        if not table:
            raise CarbonDataError(f"{name}: no rows")
        return table


def _source(row: _Cells) -> Source:
    year = row.text("year", required=False)
    if year and not (year.isdigit() and len(year) == 4):
        raise row.error("year", f"{year!r} must be a four-digit year or blank")
    return Source(
        id=row.text("id"),
        title=row.text("title"),
        publisher=row.text("publisher"),
        year=int(year) if year else None,
        url=row.text("url", required=False),
        accessed=row.text("accessed"),
        note=row.text("note"),
    )


def _item(row: _Cells) -> ItemFactor:
    method = row.text("method")
    unit: Literal["item", "kg"] | None = None
    central = low = high = None
    sector = None
    if method == "item_factor":
        unit_text = row.text("unit")
        if unit_text not in ("item", "kg"):
            raise row.error("unit", f"{unit_text!r} must be item or kg")
        unit = cast(Literal["item", "kg"], unit_text)
        central, low, high = row.band()
        if row.text("spend_sector", required=False):
            raise row.error("spend_sector", "must be blank for method item_factor")
    elif method == "spend_based":
        sector = row.text("spend_sector")
        for column in ("unit", "central", "low", "high"):
            if row.text(column, required=False):
                raise row.error(column, "must be blank for method spend_based")
    else:
        raise row.error("method", f"{method!r} must be item_factor or spend_based")
    weight = row.number("typical_weight_kg")
    if weight <= 0:
        raise row.error("typical_weight_kg", "must be greater than 0")
    return ItemFactor(
        slug=row.text("slug"),
        group=row.text("group"),
        method=cast(Literal["item_factor", "spend_based"], method),
        unit=unit,
        central=central,
        low=low,
        high=high,
        spend_sector=sector,
        basis=row.basis("basis"),
        source_ids=row.ids("source_ids"),
        source_date=row.text("source_date"),
        typical_weight_kg=weight,
        weight_basis=row.basis("weight_basis"),
        weight_note=row.text("weight_note"),
        note=row.text("note"),
    )


def _displacement(row: _Cells) -> DisplacementGroup:
    central, low, high = row.band()
    if high > 1:
        raise row.error("high", "a share cannot exceed 1")
    return DisplacementGroup(
        group=row.text("group"),
        categories=row.text("categories"),
        central=central,
        low=low,
        high=high,
        basis=row.basis("basis"),
        source_ids=row.ids("source_ids"),
        source_date=row.text("source_date"),
        note=row.text("note"),
    )


def _spend(row: _Cells) -> SpendFactor:
    return SpendFactor(
        sector=row.text("sector"),
        kg_co2e_per_usd=row.number("kg_co2e_per_usd"),
        basis=row.basis("basis"),
        source_ids=row.ids("source_ids"),
        source_date=row.text("source_date"),
        note=row.text("note"),
    )


def _currency(row: _Cells) -> CurrencyRate:
    code = row.text("currency")
    if not (len(code) == 3 and code.isalpha() and code.isupper()):
        raise row.error("currency", f"{code!r} must be a three-letter ISO 4217 code")
    rate = row.number("units_per_eur")
    if rate <= 0:
        raise row.error("units_per_eur", "must be greater than 0")
    return CurrencyRate(
        currency=code,
        units_per_eur=rate,
        basis=row.basis("basis"),
        source_ids=row.ids("source_ids"),
        rate_date=row.text("rate_date"),
        note=row.text("note"),
    )


def _trip_mode(row: _Cells) -> TripMode:
    central, low, high = row.band()
    return TripMode(
        mode=row.text("mode"),
        label=row.text("label"),
        central=central,
        low=low,
        high=high,
        basis=row.basis("basis"),
        source_ids=row.ids("source_ids"),
        source_date=row.text("source_date"),
        note=row.text("note"),
    )


def _parcel(row: _Cells) -> ParcelPoint:
    point = ParcelPoint(
        weight_kg=row.number("weight_kg"),
        home_delivery=row.number("home_delivery"),
        pickup_point=row.number("pickup_point"),
        packaging=row.number("packaging"),
        basis=row.basis("basis"),
        source_ids=row.ids("source_ids"),
        source_date=row.text("source_date"),
        note=row.text("note"),
    )
    if not point.packaging <= point.pickup_point <= point.home_delivery:
        raise row.error("pickup_point", "needs packaging <= pickup_point <= home_delivery")
    return point


def _parameter(row: _Cells) -> Parameter:
    return Parameter(
        name=row.text("name"),
        value=row.text("value"),
        unit=row.text("unit", required=False),
        basis=row.basis("basis", _PARAMETER_BASES),
        source_ids=row.ids("source_ids"),
        note=row.text("note"),
    )


def _version(row: _Cells) -> VersionEntry:
    return VersionEntry(
        version=row.text("version"), date=row.text("date"), changes=row.text("changes")
    )


# -- consistency across tables --------------------------------------------------------


def _check(fs: FactorSet) -> None:
    def cited(where: str, ids: tuple[str, ...], basis: str) -> None:
        unknown = [i for i in ids if i not in fs.sources]
        if unknown:
            raise CarbonDataError(f"{where}: unknown source id(s) {', '.join(unknown)}")
        if not ids and basis != "assumption" and basis != "method":
            raise CarbonDataError(f"{where}: a {basis} figure needs a source")

    for item in fs.items.values():
        where = f"item_factors.csv {item.slug}"
        cited(where, item.source_ids, item.basis)
        if item.group not in fs.displacement:
            raise CarbonDataError(f"{where}: unknown displacement group {item.group!r}")
        if item.spend_sector is not None and item.spend_sector not in fs.spend:
            raise CarbonDataError(f"{where}: unknown spend sector {item.spend_sector!r}")
    for group in fs.displacement.values():
        cited(f"displacement.csv {group.group}", group.source_ids, group.basis)
    for sector in fs.spend.values():
        cited(f"spend_factors.csv {sector.sector}", sector.source_ids, sector.basis)
    for rate in fs.currencies.values():
        cited(f"currencies.csv {rate.currency}", rate.source_ids, rate.basis)
    if fs.currencies.get("EUR") is None or fs.currencies["EUR"].units_per_eur != 1:
        raise CarbonDataError("currencies.csv: EUR must be present with units_per_eur 1")
    if "USD" not in fs.currencies:
        raise CarbonDataError("currencies.csv: USD is needed to convert into spend factors")
    if set(fs.trip_modes) != _TRIP_MODES:
        raise CarbonDataError(
            f"trip_modes.csv: modes must be exactly {', '.join(sorted(_TRIP_MODES))}"
        )
    for mode in fs.trip_modes.values():
        cited(f"trip_modes.csv {mode.mode}", mode.source_ids, mode.basis)
    if not fs.parcels:
        raise CarbonDataError("parcels.csv: no rows")
    previous: ParcelPoint | None = None
    for point in fs.parcels:
        cited(f"parcels.csv {point.weight_kg} kg", point.source_ids, point.basis)
        if previous is not None and not (
            point.weight_kg > previous.weight_kg
            and point.home_delivery >= previous.home_delivery
            and point.pickup_point >= previous.pickup_point
            and point.packaging >= previous.packaging
        ):
            raise CarbonDataError(
                "parcels.csv: rows must grow with weight (weight, totals and packaging)"
            )
        previous = point
    for name, numeric in _REQUIRED_PARAMETERS.items():
        parameter = fs.parameters.get(name)
        if parameter is None:
            raise CarbonDataError(f"parameters.csv: missing {name}")
        cited(f"parameters.csv {name}", parameter.source_ids, parameter.basis)
        if numeric:
            try:
                value = float(parameter.value)
            except ValueError:
                raise CarbonDataError(
                    f"parameters.csv {name}: {parameter.value!r} is not a number"
                ) from None
            if not math.isfinite(value) or value < 0:
                raise CarbonDataError(f"parameters.csv {name}: must be a finite number >= 0")
    if fs.text("default_pickup_mode") not in fs.trip_modes:
        raise CarbonDataError("parameters.csv default_pickup_mode: not a mode of trip_modes.csv")
    if fs.text("spend_price_basis") != "listing_price":
        raise CarbonDataError("parameters.csv spend_price_basis: only listing_price is implemented")
