"""Carbon pages: My carbon (with its ledger downloads), the platform's impact, and the
methodology with a "work it out" form (the worked steps are carbon.worked's)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from babel import dates as babel_dates
from fastapi import Query, Request, Response
from markupsafe import Markup
from sqlmodel import Session

from carbon import service, wording, worked
from carbon.estimate import Estimate, load_factors, methodology
from carbon.methodology import FactorSet, Source
from carbon.worked import factor
from resale.core import i18n, taxonomy, web
from resale.core.db import SessionDep, utcnow
from resale.core.fields import Offset
from resale.core.i18n import N_, gettext
from resale.users.dependencies import CurrentUser, page_router

router = page_router()


def trace_url(figure: Estimate) -> str:
    """The methodology page's work-it-out form filled with this estimate's inputs, to check it."""
    given = figure.factors.get("inputs", {})
    price = given.get("price_cents")
    fields = {
        "category": given.get("category"),
        "price": None if price is None else f"{price / 100:.2f}",
        "currency": given.get("currency"),
        "weight": given.get("weight_kg"),
        "fulfilment": given.get("fulfilment"),
        "mode": given.get("mode"),
        "distance_km": given.get("distance_km"),
    }
    query = urlencode(
        {k: f"{v:g}" if isinstance(v, float) else v for k, v in fields.items() if v is not None}
    )
    return f"/carbon/methodology?{query}#work-it-out"


# Listing and order pages link each figure to the form that re-derives it.
web.templates.env.globals["carbon_trace_url"] = trace_url
# A data file's text (a note, a label) and date, in the request's language.
web.templates.env.filters["carbon_text"] = wording.shown
web.templates.env.filters["carbon_date"] = wording.data_date

PER_PAGE = 50
CHART_MONTHS = 12
# The columns of service.ledger_rows, in order: the CSV header of an empty ledger.
LEDGER_COLUMNS = (
    "id",
    "created_at",
    "order_id",
    "role",
    "kind",
    "kg_co2e",
    "grams_co2e",
    "trade_kg_co2e",
    "share_percent",
    "category",
    "fulfilment",
    "trade_central_kg",
    "trade_low_kg",
    "trade_high_kg",
    "methodology_version",
    "reverses_id",
    "note",
)


# --- Shared pieces -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bar:
    """One month of a chart."""

    month: str  # YYYY-MM
    label: str  # "Nov 2026" / "2026年11月"
    kg: float
    grams: int
    trades: int


def month_label(month: str) -> str:
    """``2026-11`` -> ``Nov 2026`` / ``2026年11月``, in the request's language."""
    year, number = month.split("-")
    return babel_dates.format_skeleton(
        "yMMM", date(int(year), int(number), 1), locale=i18n.babel_locale()
    )


def chart_months(
    totals: Sequence[service.MonthTotal], *, months: int = CHART_MONTHS, now: datetime | None = None
) -> list[Bar]:
    """The last ``months`` calendar months (UTC) up to now, oldest first, empty ones included."""
    now = now or utcnow()
    by_month = {t.month: t for t in totals}
    bars: list[Bar] = []
    for back in range(months - 1, -1, -1):
        year, index = divmod(now.year * 12 + now.month - 1 - back, 12)
        key = f"{year:04d}-{index + 1:02d}"
        total = by_month.get(key)
        grams = total.grams if total else 0
        bars.append(Bar(key, month_label(key), grams / 1000, grams, total.trades if total else 0))
    return bars


@dataclass(frozen=True, slots=True)
class Equivalent:
    """A balance in everyday terms, with the factor and the source it is computed from."""

    amount: float
    what: str  # the words around the amount (a msgid with %(amount)s)
    factor: str  # "1 km by car = 0.142 kg CO2e"
    table: str  # the data file the factor comes from
    anchor: str  # its section on the methodology page
    sources: tuple[Source, ...]
    values: tuple[tuple[str, str], ...] = ()  # the other values of ``what``

    def said(self, amount: Markup) -> Markup:
        """The amount (already marked up) in its sentence, in the request's language."""
        return Markup(gettext(self.what)) % {"amount": amount, **dict(self.values)}  # noqa: S704  (our message; values escaped)


def equivalents(kg: float, fs: FactorSet) -> list[Equivalent]:
    """``kg`` CO2e as km by car, parcels delivered and new jeans made, from the data tables."""
    if kg <= 0:
        return []
    found: list[Equivalent] = []
    car = fs.trip_modes.get("car")
    if car is not None and car.central > 0:
        found.append(
            Equivalent(
                amount=kg / car.central,
                what=N_("%(amount)s km not driven in an average car"),
                factor=gettext("1 km %(mode)s = %(factor)s kg CO2e")
                % {"mode": wording.said(car.label).lower(), "factor": factor(car.central)},
                table="trip_modes.csv",
                anchor="trip-modes",
                sources=_sources(fs, car.source_ids),
            )
        )
    if fs.parcels and fs.parcels[0].home_delivery > 0:
        parcel = fs.parcels[0]
        found.append(
            Equivalent(
                amount=kg / parcel.home_delivery,
                what=N_("%(amount)s parcels of %(weight)s kg not delivered to the door"),
                values=(("weight", factor(parcel.weight_kg)),),
                factor=gettext(
                    "1 parcel of %(weight)s kg delivered to the door, packaging included "
                    "= %(factor)s kg CO2e"
                )
                % {"weight": factor(parcel.weight_kg), "factor": factor(parcel.home_delivery)},
                table="parcels.csv",
                anchor="parcels",
                sources=_sources(fs, parcel.source_ids),
            )
        )
    jeans = fs.items.get("men-jeans") or fs.items.get("women-jeans")
    if jeans is not None and jeans.unit == "item" and jeans.central:
        found.append(
            Equivalent(
                amount=kg / jeans.central,
                what=N_("%(amount)s new pairs of jeans not made"),
                factor=gettext("making 1 new pair of jeans = %(factor)s kg CO2e")
                % {"factor": factor(jeans.central)},
                table="item_factors.csv",
                anchor="items",
                sources=_sources(fs, jeans.source_ids[:1]),
            )
        )
    return found


def _sources(fs: FactorSet, ids: Iterable[str]) -> tuple[Source, ...]:
    return tuple(fs.sources[i] for i in ids if i in fs.sources)


# --- My carbon -----------------------------------------------------------------------


@router.get("/me/carbon")
def my_carbon(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    offset: Annotated[Offset, Query()] = 0,
) -> Response:
    assert user.id is not None
    fs = load_factors()
    summary = service.account_summary(session=session, user_id=user.id)
    entries = service.entries_of(session=session, user_id=user.id, limit=PER_PAGE, offset=offset)
    return web.render(
        request,
        "carbon/me.html",
        {
            "summary": summary,
            "entries": entries,
            "offset": offset,
            "per_page": PER_PAGE,
            "bars": chart_months(service.monthly(session=session, user_id=user.id)),
            "equivalents": equivalents(summary.balance_kg, fs),
            "category_label": wording.category_label,
            "entry_note": service.note_for_people,
            "version": fs.version,
        },
    )


def _ledger(session: Session, user_id: int) -> list[dict[str, Any]]:
    return service.ledger_rows(service.entries_of(session=session, user_id=user_id))


def _download(body: str, *, filename: str, media_type: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _csv_cell(value: Any) -> Any:
    # A spreadsheet runs a text cell starting with these as a formula; numbers stay numbers.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@router.get("/me/carbon/ledger.csv")
def ledger_csv(user: CurrentUser, session: SessionDep) -> Response:
    """My whole ledger, one row per entry, newest first (as on the page)."""
    assert user.id is not None
    rows = _ledger(session, user.id)
    out = io.StringIO()
    columns = list(rows[0]) if rows else list(LEDGER_COLUMNS)
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: _csv_cell(v) for k, v in row.items()} for row in rows)
    return _download(
        out.getvalue(), filename="resale-carbon-ledger.csv", media_type="text/csv; charset=utf-8"
    )


@router.get("/me/carbon/ledger.json")
def ledger_json(user: CurrentUser, session: SessionDep) -> Response:
    assert user.id is not None
    rows = _ledger(session, user.id)
    balance = sum(int(row["grams_co2e"]) for row in rows)
    body = {
        "exported_at": utcnow().isoformat(),
        "methodology_version": load_factors().version,
        "balance_grams": balance,
        "balance_kg": balance / 1000,
        "entries": rows,
    }
    return _download(
        json.dumps(body, indent=2, ensure_ascii=False) + "\n",
        filename="resale-carbon-ledger.json",
        media_type="application/json",
    )


# --- The platform's impact ---------------------------------------------------------


@router.get("/impact")
def impact_page(request: Request, session: SessionDep) -> Response:
    totals = service.impact(session=session)
    return web.render(
        request,
        "carbon/impact.html",
        {
            "impact": totals,
            "bars": chart_months(totals.by_month),
            "category_label": wording.category_label,
            "version": load_factors().version,
        },
    )


# --- The methodology and "work it out" --------------------------------------------


@router.get("/carbon/methodology")
def methodology_page(request: Request) -> Response:
    fs = load_factors()
    query = request.query_params
    submitted = any(name in query for name in worked.FORM_FIELDS)
    values = {name: query.get(name, "").strip() for name in worked.FORM_FIELDS}
    values["currency"] = values["currency"] or "EUR"
    values["fulfilment"] = values["fulfilment"] or "pickup"
    errors: dict[str, str] = {}
    figure: Estimate | None = None
    steps: list[worked.Step] = []
    if submitted:
        inputs, errors = worked.inputs(values)
        figure = worked.checked(inputs, errors, fs)
        if figure is not None:
            steps = worked.work_it_out(figure, fs)
    described = methodology(factors=fs, words=wording.shown)
    return web.render(
        request,
        "carbon/methodology.html",
        {
            "m": described,
            "fs": fs,
            "item_groups": _item_groups(described["categories"]),
            "category_label": wording.category_label,
            "category_name": wording.category_name,
            "group_label": wording.group_label,
            "parents_named": wording.parents_named,
            "parents": [p for p in taxonomy.PARENTS if any(_leaves(p.slug, fs))],
            "leaves": lambda slug: list(_leaves(slug, fs)),
            "values": values,
            "errors": errors,
            "submitted": submitted,
            "figure": figure,
            "steps": steps,
            "exact": worked.exact,
            "factor": worked.factor,
            "api_url": _api_url(figure) if figure else None,
        },
        status_code=422 if errors else 200,
    )


def _item_groups(categories: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The item factor rows under their parent category, in the taxonomy's order."""
    by_slug = {row["slug"]: row for row in categories}
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    for parent in taxonomy.PARENTS:
        rows = [by_slug.pop(c.slug) for c in taxonomy.children(parent.slug) if c.slug in by_slug]
        if rows:
            groups.append((gettext(parent.name), rows))
    if by_slug:  # a row for a slug the taxonomy does not know still shows
        groups.append((gettext("Other"), list(by_slug.values())))
    return groups


def _leaves(parent: str, fs: FactorSet) -> Iterable[taxonomy.Category]:
    return (c for c in taxonomy.children(parent) if c.slug in fs.items)


def _api_url(figure: Estimate) -> str:
    """The same estimate from the JSON API, with every figure unrounded."""
    inputs = {k: v for k, v in figure.factors["inputs"].items() if v is not None}
    return "/api/v1/carbon/estimate?" + urlencode(inputs)
