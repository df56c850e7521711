"""The two-level category taxonomy. Listings are filed under a leaf (a subcategory).

Kept in code rather than a table: it changes with the code that depends on it
(carbon factors per category, seed data, search), and a test checks that every
area covers every leaf.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Category:
    slug: str
    name: str
    parent: str | None = None

    @property
    def is_leaf(self) -> bool:
        return self.parent is not None


_TREE: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("electronics", "Electronics"): [
        ("phones", "Mobile phones"),
        ("tablets", "Tablets & e-readers"),
        ("laptops", "Laptops"),
        ("desktop-computers", "Desktop computers"),
        ("monitors", "Monitors"),
        ("tvs", "TVs"),
        ("audio", "Headphones & speakers"),
        ("cameras", "Cameras"),
        ("game-consoles", "Game consoles"),
        ("smartwatches", "Smartwatches"),
        ("computer-accessories", "Computer accessories"),
    ],
    ("women", "Women's clothing"): [
        ("women-dresses", "Dresses"),
        ("women-tops", "Tops & T-shirts"),
        ("women-jeans", "Jeans"),
        ("women-trousers-skirts", "Trousers & skirts"),
        ("women-jumpers", "Jumpers & cardigans"),
        ("women-coats", "Coats & jackets"),
        ("women-sportswear", "Sportswear"),
    ],
    ("men", "Men's clothing"): [
        ("men-shirts", "T-shirts & shirts"),
        ("men-jeans", "Jeans"),
        ("men-trousers", "Trousers & shorts"),
        ("men-jumpers", "Jumpers & hoodies"),
        ("men-coats", "Coats & jackets"),
        ("men-suits", "Suits & blazers"),
        ("men-sportswear", "Sportswear"),
    ],
    ("kids", "Kids' clothing"): [
        ("baby-clothes", "Baby clothes (0-2 years)"),
        ("kids-clothes", "Children's clothes"),
        ("kids-shoes", "Children's shoes"),
    ],
    ("shoes", "Shoes"): [
        ("sneakers", "Sneakers"),
        ("boots", "Boots"),
        ("dress-shoes", "Dress shoes & heels"),
        ("sandals", "Sandals"),
    ],
    ("accessories", "Bags & accessories"): [
        ("handbags", "Handbags"),
        ("backpacks", "Backpacks & luggage"),
        ("watches", "Watches"),
        ("jewellery", "Jewellery"),
    ],
    ("furniture", "Furniture"): [
        ("sofas", "Sofas & armchairs"),
        ("tables", "Tables"),
        ("chairs", "Chairs"),
        ("beds", "Beds & mattresses"),
        ("wardrobes", "Wardrobes & storage"),
        ("desks", "Desks"),
        ("shelves", "Shelves & bookcases"),
    ],
    ("home", "Home & garden"): [
        ("lighting", "Lamps & lighting"),
        ("kitchenware", "Kitchenware"),
        ("decor", "Decoration"),
        ("textiles", "Bedding & textiles"),
        ("garden", "Garden & outdoor"),
        ("tools", "Tools & DIY"),
    ],
    ("appliances", "Appliances"): [
        ("washing-machines", "Washing machines & dryers"),
        ("fridges", "Fridges & freezers"),
        ("dishwashers", "Dishwashers"),
        ("cookers", "Ovens & cookers"),
        ("microwaves", "Microwaves"),
        ("vacuum-cleaners", "Vacuum cleaners"),
        ("coffee-machines", "Coffee machines"),
        ("small-kitchen-appliances", "Small kitchen appliances"),
    ],
    ("bikes", "Bikes & mobility"): [
        ("city-bikes", "City bikes"),
        ("road-bikes", "Road bikes"),
        ("mountain-bikes", "Mountain bikes"),
        ("e-bikes", "E-bikes"),
        ("kids-bikes", "Kids' bikes"),
        ("scooters", "Scooters"),
    ],
    ("baby", "Baby gear"): [
        ("strollers", "Prams & strollers"),
        ("car-seats", "Car seats"),
        ("cots", "Cots & baby furniture"),
        ("high-chairs", "High chairs"),
    ],
    ("media", "Books, music & films"): [
        ("books", "Books"),
        ("textbooks", "Textbooks"),
        ("comics", "Comics & manga"),
        ("records", "Records & CDs"),
        ("films", "DVDs & Blu-ray"),
    ],
    ("toys-games", "Toys & games"): [
        ("toys", "Toys"),
        ("board-games", "Board games & puzzles"),
        ("building-sets", "LEGO & building sets"),
        ("video-games", "Video games"),
    ],
    ("leisure", "Sports & leisure"): [
        ("fitness", "Fitness equipment"),
        ("camping", "Camping & hiking"),
        ("winter-sports", "Ski & snowboard"),
        ("racket-sports", "Racket sports"),
        ("instruments", "Musical instruments"),
    ],
}

PARENTS: tuple[Category, ...] = tuple(Category(slug, name) for (slug, name) in _TREE)
LEAVES: tuple[Category, ...] = tuple(
    Category(slug, name, parent_slug)
    for (parent_slug, _), children in _TREE.items()
    for slug, name in children
)
BY_SLUG: dict[str, Category] = {c.slug: c for c in (*PARENTS, *LEAVES)}
if len(BY_SLUG) != len(PARENTS) + len(LEAVES):
    raise RuntimeError("category slugs must be unique across both levels")


def get(slug: str) -> Category | None:
    return BY_SLUG.get(slug)


def leaf(slug: str) -> Category | None:
    """The leaf category with this slug; listings are filed under leaves only."""
    category = BY_SLUG.get(slug)
    return category if category is not None and category.is_leaf else None


def parent_of(category: Category) -> Category | None:
    return BY_SLUG.get(category.parent) if category.parent else None


def children(parent_slug: str) -> tuple[Category, ...]:
    return tuple(c for c in LEAVES if c.parent == parent_slug)


def leaf_slugs_under(slug: str) -> tuple[str, ...]:
    """Every leaf a filter on ``slug`` covers: a parent covers its children."""
    category = BY_SLUG.get(slug)
    if category is None:
        return ()
    return (slug,) if category.is_leaf else tuple(c.slug for c in children(slug))


def label(slug: str) -> str:
    """``Furniture › Sofas & armchairs`` for a leaf, the name for a parent."""
    category = BY_SLUG.get(slug)
    if category is None:
        return slug
    parent = parent_of(category)
    return f"{parent.name} › {category.name}" if parent else category.name
