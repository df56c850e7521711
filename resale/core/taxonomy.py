"""The two-level category taxonomy. Listings are filed under a leaf (a subcategory).

Kept in code rather than a table: it changes with the code that depends on it
(carbon factors per category, seed data, search), and a test checks that every
area covers every leaf.
"""

from __future__ import annotations

from dataclasses import dataclass

from resale.core.i18n import N_, gettext


@dataclass(frozen=True, slots=True)
class Category:
    slug: str
    name: str  # in English, as search documents and stored data have it
    parent: str | None = None

    @property
    def is_leaf(self) -> bool:
        return self.parent is not None

    @property
    def label(self) -> str:
        """The name in the language spoken (``沙发、扶手椅`` for ``Sofas & armchairs``)."""
        return gettext(self.name)


_TREE: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("electronics", N_("Electronics")): [
        ("phones", N_("Mobile phones")),
        ("tablets", N_("Tablets & e-readers")),
        ("laptops", N_("Laptops")),
        ("desktop-computers", N_("Desktop computers")),
        ("monitors", N_("Monitors")),
        ("tvs", N_("TVs")),
        ("audio", N_("Headphones & speakers")),
        ("cameras", N_("Cameras")),
        ("game-consoles", N_("Game consoles")),
        ("smartwatches", N_("Smartwatches")),
        ("computer-accessories", N_("Computer accessories")),
    ],
    ("women", N_("Women's clothing")): [
        ("women-dresses", N_("Dresses")),
        ("women-tops", N_("Tops & T-shirts")),
        ("women-jeans", N_("Jeans")),
        ("women-trousers-skirts", N_("Trousers & skirts")),
        ("women-jumpers", N_("Jumpers & cardigans")),
        ("women-coats", N_("Coats & jackets")),
        ("women-sportswear", N_("Sportswear")),
    ],
    ("men", N_("Men's clothing")): [
        ("men-shirts", N_("T-shirts & shirts")),
        ("men-jeans", N_("Jeans")),
        ("men-trousers", N_("Trousers & shorts")),
        ("men-jumpers", N_("Jumpers & hoodies")),
        ("men-coats", N_("Coats & jackets")),
        ("men-suits", N_("Suits & blazers")),
        ("men-sportswear", N_("Sportswear")),
    ],
    ("kids", N_("Kids' clothing")): [
        ("baby-clothes", N_("Baby clothes (0-2 years)")),
        ("kids-clothes", N_("Children's clothes")),
        ("kids-shoes", N_("Children's shoes")),
    ],
    ("shoes", N_("Shoes")): [
        ("sneakers", N_("Sneakers")),
        ("boots", N_("Boots")),
        ("dress-shoes", N_("Dress shoes & heels")),
        ("sandals", N_("Sandals")),
    ],
    ("accessories", N_("Bags & accessories")): [
        ("handbags", N_("Handbags")),
        ("backpacks", N_("Backpacks & luggage")),
        ("watches", N_("Watches")),
        ("jewellery", N_("Jewellery")),
    ],
    ("furniture", N_("Furniture")): [
        ("sofas", N_("Sofas & armchairs")),
        ("tables", N_("Tables")),
        ("chairs", N_("Chairs")),
        ("beds", N_("Beds & mattresses")),
        ("wardrobes", N_("Wardrobes & storage")),
        ("desks", N_("Desks")),
        ("shelves", N_("Shelves & bookcases")),
    ],
    ("home", N_("Home & garden")): [
        ("lighting", N_("Lamps & lighting")),
        ("kitchenware", N_("Kitchenware")),
        ("decor", N_("Decoration")),
        ("textiles", N_("Bedding & textiles")),
        ("garden", N_("Garden & outdoor")),
        ("tools", N_("Tools & DIY")),
    ],
    ("appliances", N_("Appliances")): [
        ("washing-machines", N_("Washing machines & dryers")),
        ("fridges", N_("Fridges & freezers")),
        ("dishwashers", N_("Dishwashers")),
        ("cookers", N_("Ovens & cookers")),
        ("microwaves", N_("Microwaves")),
        ("vacuum-cleaners", N_("Vacuum cleaners")),
        ("coffee-machines", N_("Coffee machines")),
        ("small-kitchen-appliances", N_("Small kitchen appliances")),
    ],
    ("bikes", N_("Bikes & mobility")): [
        ("city-bikes", N_("City bikes")),
        ("road-bikes", N_("Road bikes")),
        ("mountain-bikes", N_("Mountain bikes")),
        ("e-bikes", N_("E-bikes")),
        ("kids-bikes", N_("Kids' bikes")),
        ("scooters", N_("Scooters")),
    ],
    ("baby", N_("Baby gear")): [
        ("strollers", N_("Prams & strollers")),
        ("car-seats", N_("Car seats")),
        ("cots", N_("Cots & baby furniture")),
        ("high-chairs", N_("High chairs")),
    ],
    ("media", N_("Books, music & films")): [
        ("books", N_("Books")),
        ("textbooks", N_("Textbooks")),
        ("comics", N_("Comics & manga")),
        ("records", N_("Records & CDs")),
        ("films", N_("DVDs & Blu-ray")),
    ],
    ("toys-games", N_("Toys & games")): [
        ("toys", N_("Toys")),
        ("board-games", N_("Board games & puzzles")),
        ("building-sets", N_("LEGO & building sets")),
        ("video-games", N_("Video games")),
    ],
    ("leisure", N_("Sports & leisure")): [
        ("fitness", N_("Fitness equipment")),
        ("camping", N_("Camping & hiking")),
        ("winter-sports", N_("Ski & snowboard")),
        ("racket-sports", N_("Racket sports")),
        ("instruments", N_("Musical instruments")),
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
    """``Furniture › Sofas & armchairs`` for a leaf, the name for a parent, in the language
    spoken (``家具 › 沙发、扶手椅``)."""
    category = BY_SLUG.get(slug)
    if category is None:
        return slug
    parent = parent_of(category)
    return f"{parent.label} › {category.label}" if parent else category.label
