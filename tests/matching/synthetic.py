"""Tiny data sets with structure, written in both evaluation formats.

People live in one of a few neighbourhoods and mostly visit (or buy from) places
in theirs, so a model that uses location and co-occurrence must beat random.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Three neighbourhoods about 10 km apart.
CENTRES = [(1.30, 103.80), (1.39, 103.80), (1.30, 103.89)]


def _jitter(rng: random.Random, centre: tuple[float, float], spread: float) -> tuple[float, float]:
    return centre[0] + rng.uniform(-spread, spread), centre[1] + rng.uniform(-spread, spread)


def write_foursquare(
    directory: Path, *, n_users: int = 60, places_per_area: int = 15, seed: int = 0
) -> tuple[Path, Path]:
    """``locations.txt`` and ``train.txt`` in ``directory`` plus a ``test.txt`` beside them."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    places: list[tuple[str, int, float, float]] = []
    for area, centre in enumerate(CENTRES):
        for n in range(places_per_area):
            lat, lon = _jitter(rng, centre, 0.01)
            places.append((f"LOC_{area}_{n}", area, lat, lon))
    with (directory / "locations.txt").open("w") as f:
        for loc, _, lat, lon in places:
            f.write(f"{loc} {lat} {lon}\n")
    train_lines: list[str] = []
    test_lines: list[str] = []
    for u in range(n_users):
        area = u % len(CENTRES)
        local = [p for p in places if p[1] == area]
        # a few favourite places everyone in the area shares, then some random local ones
        visits = local[:4] + rng.sample(local[4:], 5)
        if rng.random() < 0.3:
            visits.append(rng.choice([p for p in places if p[1] != area]))
        rng.shuffle(visits)
        for n, (loc, _, _, _) in enumerate(visits):
            line = f"USER_{u} {loc} {float(rng.randint(1, 3))}\n"
            (test_lines if n < 2 else train_lines).append(line)
    (directory / "train.txt").write_text("".join(train_lines))
    test = directory.parent / f"{directory.name}-test.txt"
    test.write_text("".join(test_lines))
    return directory, test


ZIPS = {"01001": CENTRES[0], "02002": CENTRES[1], "03003": CENTRES[2]}
CATEGORIES = [("cama_mesa_banho", "bed_bath_table"), ("esporte_lazer", "sports_leisure"), ("", "")]


def write_olist(
    directory: Path,
    *,
    n_orders: int = 150,
    start: datetime = datetime(2017, 1, 1, tzinfo=UTC),
    seed: int = 0,
    order_prefix: str = "o",
) -> Path:
    """The Olist CSV files: sellers in each zip, buyers who mostly buy from the busiest seller of a category."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    sellers = [(f"s{n}", list(ZIPS)[n % 3]) for n in range(9)]
    products = [(f"p{n}", CATEGORIES[n % 3][0]) for n in range(12)]

    def write(name: str, header: list[str], rows: Sequence[Sequence[object]]) -> None:
        with (directory / name).open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)

    write(
        "sellers.csv",
        ["seller_id", "seller_zip_code_prefix", "seller_city", "seller_state"],
        [[s, z, "city", "SP"] for s, z in sellers],
    )
    write(
        "zip_locations.csv",
        ["zip_code_prefix", "lat", "lng", "city", "state"],
        [[z, lat, lon, "city", "SP"] for z, (lat, lon) in ZIPS.items()],
    )
    write(
        "products.csv",
        ["product_id", "product_category_name", "product_weight_g"],
        [[p, c, 500] for p, c in products],
    )
    write(
        "category_translation.csv",
        ["product_category_name", "product_category_name_english"],
        [[pt, en] for pt, en in CATEGORIES if pt],
    )
    orders, customers, items = [], [], []
    for n in range(n_orders):
        order = f"{order_prefix}{n}"
        customer = f"c{order_prefix}{n}"
        buyer = f"b{rng.randint(0, n_orders)}"
        zip_code = rng.choice(list(ZIPS))
        when = start + timedelta(days=n, hours=rng.randint(0, 20))
        product, category = rng.choice(products)
        # the category's top seller gets most sales, the rest are spread over the others
        seller = (
            sellers[products.index((product, category)) % 3][0]
            if rng.random() < 0.6
            else rng.choice(sellers)[0]
        )
        orders.append(
            [order, customer, "delivered", when.strftime("%Y-%m-%d %H:%M:%S"), "", "", "", ""]
        )
        customers.append([customer, buyer, zip_code, "city", "SP"])
        items.append([order, 1, product, seller, "", f"{rng.uniform(10, 90):.2f}", "5.00"])
    write(
        "orders.csv",
        [
            "order_id",
            "customer_id",
            "order_status",
            "order_purchase_timestamp",
            "order_approved_at",
            "order_delivered_carrier_date",
            "order_delivered_customer_date",
            "order_estimated_delivery_date",
        ],
        orders,
    )
    write(
        "customers.csv",
        [
            "customer_id",
            "customer_unique_id",
            "customer_zip_code_prefix",
            "customer_city",
            "customer_state",
        ],
        customers,
    )
    write(
        "order_items.csv",
        [
            "order_id",
            "order_item_id",
            "product_id",
            "seller_id",
            "shipping_limit_date",
            "price",
            "freight_value",
        ],
        items,
    )
    return directory
