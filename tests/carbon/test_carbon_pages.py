"""The carbon pages: My carbon and its downloads, Our impact, the methodology and "work it out"."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlmodel import Session

from carbon import service as carbon_service
from carbon.estimate import Fulfilment, estimate, load_factors
from carbon.pages import LEDGER_COLUMNS, chart_months, equivalents
from carbon.worked import exact, factor
from resale.core import taxonomy, web
from resale.core.db import utcnow
from resale.trade.orders.models import Order
from tests.factories import browser_login, make_user

_figure = web.templates.env.get_template("carbon/_figure.html").module


def kg(value: float) -> str:
    """What the pages show for a figure in kg (the template's own formatter)."""
    return str(_figure.kg(value))  # type: ignore[attr-defined]


def num(value: float) -> str:
    return str(_figure.num(value))  # type: ignore[attr-defined]


def figure_html(estimate_or_dict: Any, **options: Any) -> str:
    return str(_figure.carbon_figure(estimate_or_dict, **options))  # type: ignore[attr-defined]


def months_back(now: datetime, n: int) -> datetime:
    year, index = divmod(now.year * 12 + now.month - 1 - n, 12)
    return datetime(year, index + 1, 15, 12, tzinfo=UTC)


def _text(page: str) -> str:
    """The page's text with tags removed and spaces collapsed, to read sentences."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _bars(page: str) -> list[tuple[str, str]]:
    """(month, label) of each chart bar, from its accessible name."""
    return re.findall(r'aria-label="[^"]*?: ([^"]+?) CO2e" data-month="(\d{4}-\d{2})"', page)


# --- Formatting for people ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [(8.43, "8.4 kg"), (0.37, "370 g"), (12_840, "12.8 t"), (-3.25, "−3.2 kg"), (None, "0 g")],
)
def test_figures_are_formatted_for_people_as_everywhere_else(
    value: float | None, shown: str
) -> None:
    assert kg(value) == shown == web.format_co2(value or 0)


def test_the_figure_macro_takes_an_estimate_or_its_dict() -> None:
    saving = estimate(
        category="men-jeans", price_cents=2500, currency="EUR", weight_kg=None, fulfilment="pickup"
    )
    for given in (saving, saving.as_dict()):
        text = _text(figure_html(given))
        assert f"Buying this second-hand avoids about {kg(saving.central)} CO2e" in text
        assert f"(range {kg(saving.low)} – {kg(saving.high)})" in text
        assert "How we count" in text
        compact = _text(figure_html(given, compact=True))
        assert compact == f"Saves about {kg(saving.central)} CO2e"
    cost = estimate(
        category="books", price_cents=100, currency="EUR", weight_kg=None, fulfilment="shipping"
    )
    assert not cost.is_net_saving
    assert cost.statement in _text(figure_html(cost))
    assert "cfig--cost" in figure_html(cost.as_dict())
    assert figure_html(None) == ""


def test_chart_months_are_the_last_twelve_with_empty_ones() -> None:
    totals = [
        carbon_service.MonthTotal("2025-11", 1500, 1),
        carbon_service.MonthTotal("2026-02", -300, -1),
        carbon_service.MonthTotal("2024-01", 999, 1),  # too old to show
    ]
    bars = chart_months(totals, now=datetime(2026, 2, 3, tzinfo=UTC))
    assert [b.month for b in bars] == [
        "2025-03",
        "2025-04",
        "2025-05",
        "2025-06",
        "2025-07",
        "2025-08",
        "2025-09",
        "2025-10",
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert bars[0].label == "Mar 2025" and bars[-1].label == "Feb 2026"
    assert [b.kg for b in bars if b.kg] == [1.5, -0.3]


# --- My carbon ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/me/carbon", "/me/carbon/ledger.csv", "/me/carbon/ledger.json"])
def test_my_carbon_needs_a_login(client: TestClient, path: str) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next={path}"


def test_someone_without_trades_learns_how_to_earn(client: TestClient, session: Session) -> None:
    browser_login(client, session, make_user(session))
    page = client.get("/me/carbon")
    assert page.status_code == 200
    text = _text(page.text)
    assert "No carbon saved yet" in text
    assert "Buy second-hand" in text and "Sell" in text
    assert "Pick it up on foot or by bike : that saves the most" in text
    assert 'href="/carbon/methodology"' in page.text
    assert "cchart" not in page.text  # no empty chart, no downloads
    assert "ledger.csv" not in page.text


def test_my_carbon_shows_the_sums_of_my_ledger(
    client: TestClient,
    session: Session,
    trade: Callable[..., Order],
    refund: Callable[[Order], None],
) -> None:
    me = make_user(session)
    jeans = trade(buyer=me, category="men-jeans")
    laptop = trade(seller=me, category="laptops", fulfilment=Fulfilment.SHIPPING)
    sofa = trade(buyer=me, category="sofas")
    refund(sofa)
    someone_else_s = trade(category="tvs")
    entries = carbon_service.entries_of(session=session, user_id=me.id or 0)
    balance = sum(e.grams for e in entries) / 1000
    as_buyer = sum(e.grams for e in entries if e.role.value == "buyer") / 1000
    as_seller = sum(e.grams for e in entries if e.role.value == "seller") / 1000

    browser_login(client, session, me)
    page = client.get("/me/carbon")
    assert page.status_code == 200
    text = _text(page.text)
    assert f"You have saved {kg(balance)} CO2e" in text
    assert "2 trades" in text
    assert f"As buyer {kg(as_buyer)}" in text and f"As seller {kg(as_seller)}" in text
    assert kg(as_buyer) != kg(as_seller)

    # One line per entry, linking its order; the reversal says so.
    for order in (jeans, laptop, sofa):
        assert f'href="/orders/{order.id}"' in page.text
    assert f'href="/orders/{someone_else_s.id}"' not in page.text
    assert page.text.count('class="row cledger__row') == len(entries) == 4
    assert page.text.count("cledger__row--reversal") == 1
    assert "Reversed" in text and f"Refunded after completion (re_{sofa.id})" in text
    assert taxonomy.label("men-jeans") in text and taxonomy.label("laptops") in text
    for entry in entries:
        shown = ("+" if entry.grams > 0 else "") + kg(entry.grams / 1000)
        assert shown in text
    assert "as buyer · 50% share" in text and "as seller · 50% share" in text

    # Everyday equivalents, each with its factor and source from the data tables.
    fs = load_factors()
    found = equivalents(balance, fs)
    assert [e.table for e in found] == ["trip_modes.csv", "parcels.csv", "item_factors.csv"]
    car = fs.trip_modes["car"]
    assert found[0].amount == pytest.approx(balance / car.central)
    assert f"{num(balance / car.central)} km not driven in an average car" in text
    assert f"1 km by car = {factor(car.central)} kg CO2e" in text
    assert f"{num(balance / fs.parcels[0].home_delivery)} parcels of 1 kg" in text
    assert f"{num(balance / fs.items['men-jeans'].central)} new pairs of jeans not made" in text
    assert fs.sources["ademe_impactco2"].url in page.text
    assert 'href="/carbon/methodology#trip-modes"' in page.text
    assert (
        'href="/me/carbon/ledger.csv"' in page.text and 'href="/me/carbon/ledger.json"' in page.text
    )


def test_the_chart_has_a_labelled_bar_for_each_of_the_last_twelve_months(
    client: TestClient, session: Session, trade: Callable[..., Order]
) -> None:
    me = make_user(session)
    now = utcnow()
    trade(buyer=me, category="men-jeans", at=months_back(now, 2))
    trade(buyer=me, category="men-coats", at=months_back(now, 2))
    trade(seller=me, category="laptops", at=now)
    trade(buyer=me, category="tvs", at=months_back(now, 14))  # before the chart
    by_month = {m.month: m.kg for m in carbon_service.monthly(session=session, user_id=me.id or 0)}
    browser_login(client, session, me)
    page = client.get("/me/carbon").text

    bars = _bars(page)
    months = [f"{months_back(now, n):%Y-%m}" for n in range(11, -1, -1)]
    assert [month for _, month in bars] == months
    for label, month in bars:
        assert label == kg(by_month.get(month, 0))
    assert by_month[months[-3]] > 0 and by_month[months[-1]] > 0
    assert sum(1 for label, _ in bars if label != kg(0)) == 2
    assert "<title" in page and 'role="img"' in page
    assert '<desc id="my-months-desc">' in page


def test_the_ledger_downloads_hold_exactly_my_rows(
    client: TestClient,
    session: Session,
    trade: Callable[..., Order],
    refund: Callable[[Order], None],
) -> None:
    me = make_user(session)
    trade(buyer=me, category="men-jeans")
    refund(trade(seller=me, category="sofas"))
    trade(category="tvs")  # not mine
    rows = carbon_service.ledger_rows(
        carbon_service.entries_of(session=session, user_id=me.id or 0)
    )
    assert len(rows) == 3 and tuple(rows[0]) == LEDGER_COLUMNS
    browser_login(client, session, me)

    answer = client.get("/me/carbon/ledger.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith("attachment;")
    parsed = list(csv.DictReader(io.StringIO(answer.text)))
    assert [list(r) for r in parsed] == [list(LEDGER_COLUMNS)] * 3
    expected = [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]
    assert parsed == expected

    answer = client.get("/me/carbon/ledger.json")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith("attachment;")
    body = json.loads(answer.text)
    assert body["entries"] == rows
    assert body["balance_grams"] == sum(r["grams_co2e"] for r in rows)


def test_an_empty_ledger_downloads_as_a_header(client: TestClient, session: Session) -> None:
    browser_login(client, session, make_user(session))
    assert client.get("/me/carbon/ledger.csv").text.strip() == ",".join(LEDGER_COLUMNS)
    assert client.get("/me/carbon/ledger.json").json()["entries"] == []


# --- Our impact --------------------------------------------------------------------


def test_the_impact_page_shows_the_totals_over_trades(
    client: TestClient, session: Session, trade: Callable[..., Order]
) -> None:
    empty = client.get("/impact")
    assert empty.status_code == 200 and "No trades have completed yet" in empty.text

    orders = [
        trade(category="men-jeans"),
        trade(category="men-jeans", fulfilment=Fulfilment.SHIPPING),
        trade(category="laptops"),
    ]
    trade_grams = {}
    for order in orders:
        credit = carbon_service.entries_for_order(session=session, order_id=order.id or 0)[0]
        trade_grams[order.id] = credit.trade_grams
    total = sum(trade_grams.values()) / 1000
    page = client.get("/impact")
    assert page.status_code == 200
    text = _text(page.text)
    assert f"have avoided {kg(total)} CO2e" in text
    assert "Completed trades 3" in text and "People credited 6" in text
    jeans = (trade_grams[orders[0].id] + trade_grams[orders[1].id]) / 1000
    assert f"{taxonomy.label('men-jeans')} {kg(jeans)} 2" in text
    assert f"{taxonomy.label('laptops')} {kg(trade_grams[orders[2].id] / 1000)} 1" in text
    assert f"All categories {kg(total)} 3" in text
    this_month = [label for label, month in _bars(page.text) if month == f"{utcnow():%Y-%m}"]
    assert this_month == [kg(total)] and len(_bars(page.text)) == 12
    assert 'href="/carbon/methodology"' in page.text


# --- The methodology ---------------------------------------------------------------


def test_the_methodology_page_lists_every_factor_and_source(client: TestClient) -> None:
    fs = load_factors()
    page = client.get("/carbon/methodology")
    assert page.status_code == 200
    text = _text(page.text)
    assert fs.version in text and "A = d × F − T − P" in text
    for slug, item in fs.items.items():
        assert page.text.count(f'id="item-{slug}"') == 1
        row = page.text.split(f'id="item-{slug}"')[1].split("</tr>")[0]
        category = taxonomy.get(slug)
        assert category is not None and category.parent is not None
        assert escape(category.name) in row and f'<code translate="no">{slug}</code>' in row
        if item.method == "item_factor":
            figures = (item.central, item.low, item.high, item.typical_weight_kg)
            assert all(f">{value:g}<" in row or f">{value:g} kg" in row for value in figures)
        else:
            assert f'href="#spend-{item.spend_sector}"' in row
        assert ("Assumption" in row.split("ctable__weight")[0]) == (item.basis == "assumption")
        assert item.source_date in row
    for parent in taxonomy.PARENTS:
        assert f'<th scope="colgroup" colspan="10">{escape(parent.name)}</th>' in page.text
    for source in fs.sources.values():
        assert f'id="source-{source.id}"' in page.text
        assert source.title in text
        if source.url:
            assert f'href="{html.escape(source.url)}"' in page.text
    for name in (*fs.displacement, *fs.spend, *fs.currencies, *fs.parameters):
        assert name in text
    for mode in fs.trip_modes.values():
        assert mode.label in text
    for version in fs.versions:
        assert version.changes in text
    assert text.count("kg") and page.text.count('class="ctable-wrap"') >= 7


def test_work_it_out_traces_a_pickup_step_by_step(client: TestClient) -> None:
    query = {
        "category": "men-jeans",
        "price": "25",
        "currency": "EUR",
        "weight": "",
        "fulfilment": "pickup",
        "mode": "car",
        "distance_km": "3.5",
    }
    page = client.get("/carbon/methodology", params=query)
    assert page.status_code == 200
    text = _text(page.text)
    figure = estimate(
        category="men-jeans",
        price_cents=2500,
        currency="EUR",
        weight_kg=None,
        fulfilment="pickup",
        mode="car",
        distance_km=3.5,
    )
    b = figure.breakdown
    assert f"Buying this second-hand avoids about {kg(figure.central)} CO2e" in text
    assert f"Central {factor(b.displacement.central)} × {exact(b.new_item.central)} = " in text
    assert "Round trip 2 × 3.5 km = 7 km, by car" in text
    assert f"7 km × 0.142 kg CO2e per km = {exact(b.transport.central)}" in text
    result = (
        f"Central: {exact(b.avoided_production.central)} − {exact(b.transport.central)} − 0 "
        f"= {exact(figure.central)}."
    )
    assert result in text
    assert f"= {exact(figure.low)}." in text and f"= {exact(figure.high)}." in text
    assert 'value="3.5"' in page.text and '<option value="men-jeans" selected>' in page.text
    assert "/api/v1/carbon/estimate?category=men-jeans" in page.text


def test_work_it_out_traces_a_parcel_and_a_price(client: TestClient) -> None:
    query = {
        "category": "men-suits",
        "price": "120,00",
        "currency": "GBP",
        "weight": "1.5",
        "fulfilment": "shipping",
    }
    page = client.get("/carbon/methodology", params=query)
    assert page.status_code == 200
    text = _text(page.text)
    figure = estimate(
        category="men-suits",
        price_cents=12000,
        currency="GBP",
        weight_kg=1.5,
        fulfilment="shipping",
    )
    spend = figure.factors["spend"]
    assert f"= {spend['price_usd']:.2f} US dollars (2022)" in text
    assert "between the published 1 kg and 2 kg figures" in text
    transport = figure.factors["transport"]
    assert f"= {exact(transport['home_delivery'])}" in text
    assert "Cardboard box for a parcel of 1.5 kg" in text
    assert f"= {exact(figure.central)}." in text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"weight": "-1"}, "weight", "Cannot be negative"),
        ({"weight": "heavy"}, "weight", "Enter a number"),
        ({"price": "12.345"}, "price", "at most two decimals"),
        ({"distance_km": "far"}, "distance_km", "Enter a number"),
        ({"distance_km": "-3"}, "distance_km", "Cannot be negative"),
        ({"category": ""}, "category", "Choose a category"),
        ({"category": "men-suits", "price": ""}, "price", "a price is needed"),
        ({"mode": "rocket"}, "mode", "Must be one of"),
        ({"currency": "XYZ"}, "currency", "Must be one of"),
    ],
)
def test_work_it_out_shows_errors_beside_their_field_and_keeps_the_input(
    client: TestClient, change: dict[str, str], field: str, message: str
) -> None:
    query = {
        "category": "men-jeans",
        "price": "25",
        "currency": "EUR",
        "weight": "0.8",
        "fulfilment": "pickup",
        "mode": "",
        "distance_km": "2",
        **change,
    }
    page = client.get("/carbon/methodology", params=query)
    assert page.status_code == 422
    error = re.search(rf'<p class="field__error" id="{field}-error">([^<]+)</p>', page.text)
    assert error is not None and message in html.unescape(error.group(1))
    assert page.text.count('class="field__error"') == 1
    assert "csteps" not in page.text  # no result for a form with an error
    for name in ("price", "weight", "distance_km"):
        assert f'value="{html.escape(query[name])}"' in page.text
    if query["category"]:
        assert f'<option value="{query["category"]}" selected>' in page.text


def test_work_it_out_shows_every_error_at_once(client: TestClient) -> None:
    query = {
        "category": "men-jeans",
        "price": "abc",
        "currency": "EUR",
        "weight": "-1",
        "fulfilment": "pickup",
        "mode": "rocket",
        "distance_km": "far",
    }
    page = client.get("/carbon/methodology", params=query)
    assert page.status_code == 422
    shown = dict(re.findall(r'<p class="field__error" id="([a-z_]+)-error">([^<]+)</p>', page.text))
    assert set(shown) == {"price", "weight", "mode", "distance_km"}
    assert "Cannot be negative" in shown["weight"]


def test_the_methodology_page_without_a_question_shows_no_result(client: TestClient) -> None:
    page = client.get("/carbon/methodology")
    assert page.status_code == 200
    assert "field__error" not in page.text and "csteps" not in page.text
    assert '<input type="radio" name="fulfilment" value="pickup" checked>' in page.text
