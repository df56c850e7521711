"""The two-level category taxonomy."""

from __future__ import annotations

import pytest

from resale.core import taxonomy


def test_two_levels_only() -> None:
    assert taxonomy.PARENTS and taxonomy.LEAVES
    parent_slugs = {p.slug for p in taxonomy.PARENTS}
    for parent in taxonomy.PARENTS:
        assert parent.parent is None
        assert not parent.is_leaf
        assert taxonomy.children(parent.slug), f"{parent.slug} has no subcategories"
    for leaf in taxonomy.LEAVES:
        assert leaf.is_leaf
        assert leaf.parent in parent_slugs  # a leaf's parent is a top-level category
        assert taxonomy.children(leaf.slug) == ()


def test_slugs_are_unique_across_both_levels() -> None:
    slugs = [c.slug for c in (*taxonomy.PARENTS, *taxonomy.LEAVES)]
    assert len(slugs) == len(set(slugs))
    assert set(taxonomy.BY_SLUG) == set(slugs)


def test_slugs_fit_the_column_and_look_like_slugs() -> None:
    for category in (*taxonomy.PARENTS, *taxonomy.LEAVES):
        assert len(category.slug) <= 40  # listings.category is VARCHAR(40)
        assert category.slug == category.slug.lower()
        assert " " not in category.slug
        assert category.name.strip() == category.name and category.name


def test_every_leaf_is_a_child_of_exactly_one_parent() -> None:
    seen = [c.slug for p in taxonomy.PARENTS for c in taxonomy.children(p.slug)]
    assert sorted(seen) == sorted(c.slug for c in taxonomy.LEAVES)


def test_leaf_and_get() -> None:
    assert taxonomy.leaf("sofas") == taxonomy.Category("sofas", "Sofas & armchairs", "furniture")
    assert taxonomy.leaf("furniture") is None  # a group, not a leaf
    assert taxonomy.get("furniture") is not None
    assert taxonomy.leaf("no-such-thing") is None
    assert taxonomy.get("no-such-thing") is None


def test_leaf_slugs_under_a_parent_are_its_children() -> None:
    under = taxonomy.leaf_slugs_under("furniture")
    assert set(under) == {c.slug for c in taxonomy.children("furniture")}
    assert "sofas" in under and "tables" in under
    assert "phones" not in under


def test_leaf_slugs_under_a_leaf_is_itself() -> None:
    assert taxonomy.leaf_slugs_under("sofas") == ("sofas",)


def test_leaf_slugs_under_unknown_is_empty() -> None:
    assert taxonomy.leaf_slugs_under("nope") == ()


def test_labels() -> None:
    assert taxonomy.label("sofas") == "Furniture › Sofas & armchairs"
    assert taxonomy.label("furniture") == "Furniture"
    assert taxonomy.label("unknown-slug") == "unknown-slug"


@pytest.mark.parametrize(
    ("parent", "leaves"),
    [
        ("electronics", {"phones", "laptops", "tablets", "tvs"}),
        ("women", {"women-dresses", "women-tops", "women-jeans", "women-coats"}),
        ("men", {"men-shirts", "men-jeans", "men-coats"}),
        ("kids", {"baby-clothes", "kids-clothes"}),
        ("shoes", {"sneakers", "boots"}),
        ("furniture", {"sofas", "tables", "chairs", "beds", "wardrobes", "desks", "shelves"}),
        ("appliances", {"washing-machines", "fridges", "vacuum-cleaners"}),
        ("bikes", {"city-bikes", "road-bikes", "e-bikes", "kids-bikes"}),
        ("baby", {"strollers", "car-seats", "cots"}),
        ("media", {"books"}),
        ("toys-games", {"toys", "board-games"}),
    ],
)
def test_usual_second_hand_categories_are_present(parent: str, leaves: set[str]) -> None:
    assert taxonomy.get(parent) is not None
    assert taxonomy.get(parent).parent is None  # type: ignore[union-attr]
    assert leaves <= set(taxonomy.leaf_slugs_under(parent))


def test_clothing_is_split_by_type() -> None:
    # "Clothing" as one bucket would be useless for search and for carbon factors.
    for parent in ("women", "men"):
        assert len(taxonomy.children(parent)) >= 5
