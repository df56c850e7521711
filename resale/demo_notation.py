"""The compact notation of the demo catalogues (``resale.demo_catalog`` and its Chinese
words, ``resale.demo_catalog_zh``): ``|``-separated lists, and models written
``"Brand: * name @kg"`` (see ``resale.demo_catalog``'s docstring)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Model:
    """Something people sell in a category, named as a title would name it."""

    name: str
    brand: str | None = None  # set when the model belongs to one brand
    weight_kg: float | None = None


def split_list(spec: str) -> tuple[str, ...]:
    """``"a|b| c"`` -> ``("a", "b", "c")``."""
    return tuple(part.strip() for part in spec.split("|") if part.strip())


def parse_models(spec: str) -> tuple[Model, ...]:
    """Models from ``"IKEA: * Billy bookcase|treadmill @30|..."``: ``*`` stands for the
    brand before the colon, ``@`` gives a typical weight in kg."""
    models = []
    for text in split_list(spec):
        weight = None
        if " @" in text:
            text, _, kg = text.rpartition(" @")
            weight = float(kg)
        brand = None
        if ": " in text:
            brand, _, text = text.partition(": ")
            text = text.replace("*", brand)
        models.append(Model(text.strip(), brand, weight))
    return tuple(models)
