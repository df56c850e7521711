"""The carbon area's words for people, in the language of the request.

The data files of ``carbon/data/`` hold text people read (notes, labels, the version
history): ``HUMAN_COLUMNS`` names those columns, ``extract_csv`` hands their values to
``pybabel extract`` (babel.cfg lists it), and ``said`` / ``shown`` translate a value where
it is shown. A translation may mark names that stay in their own language (a publisher,
a dataset) with ``<span lang="en">``: ``shown`` keeps that markup for a page, ``said``
drops it for plain text (JSON, sentences built in Python).

As everywhere in the catalogs, a literal percent sign is ``%%`` in a msgid ("39%%"): the
extractor writes the data's "%" so, and the lookup does the same, so that a note such as
"50% lifetime" is never read as a format string.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any, Protocol

from babel import numbers as babel_numbers
from markupsafe import Markup, escape

from resale.core import i18n, taxonomy
from resale.core.i18n import N_, gettext

# The columns of each data file that people read (everything else is a figure, an id or
# a date). Source titles and publishers are citations: they stay as published.
HUMAN_COLUMNS: dict[str, tuple[str, ...]] = {
    "item_factors.csv": ("weight_note", "note"),
    "displacement.csv": ("note",),
    "spend_factors.csv": ("note",),
    "currencies.csv": ("note",),
    "trip_modes.csv": ("label", "note"),
    "parcels.csv": ("note",),
    "parameters.csv": ("note",),
    "sources.csv": ("note",),
    "versions.csv": ("changes",),
}

# The displacement groups of displacement.csv (ids named by item_factors.csv).
GROUPS: dict[str, str] = {"fashion": N_("fashion"), "general": N_("general goods")}

_TAG = re.compile(r"<[^>]+>")


def extract_csv(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """A Babel extractor: the human columns of a ``carbon/data`` table, one msgid per cell.

    Read as ``carbon.methodology`` reads the tables: ``#`` lines and blank lines skipped,
    one row per line, cells stripped."""
    name = Path(str(getattr(fileobj, "name", ""))).name
    columns = HUMAN_COLUMNS.get(name, ())
    lines = [
        (number, line)
        for number, line in enumerate(fileobj.read().decode("utf-8").splitlines(), start=1)
        if line.strip() and not line.startswith("#")
    ]
    if not columns or not lines:
        return
    rows = list(csv.reader(line for _, line in lines))
    header = rows[0]
    for (number, _line), cells in zip(lines[1:], rows[1:], strict=True):
        row = dict(zip(header, cells, strict=False))
        for column in columns:
            value = (row.get(column) or "").strip()
            if value:
                yield number, None, msgid(value), [f"{name}, column {column}"]


def msgid(text: str) -> str:
    """A data file's text as the catalogs hold it (a literal "%" written "%%")."""
    return text.replace("%", "%%")


def _translated(text: str, data: bool) -> str | None:
    """The catalog's translation of a data text (or, ``data=False``, of a msgid of the
    code), or None when there is none (English)."""
    key = msgid(text) if data else text
    translated = gettext(key)
    if translated == key:
        return None
    return translated.replace("%%", "%") if data else translated


def said(text: str, *, data: bool = True) -> str:
    """The translation of a data file's text (``data=False``: a msgid of the code), as
    plain text."""
    translated = _translated(text, data) if text else None
    if translated is None:
        return text
    return html.unescape(_TAG.sub("", translated))


def shown(text: str, *, data: bool = True) -> Markup:
    """The translation of a data file's text (``data=False``: a msgid of the code), for a
    page: the catalog's markup kept (names marked ``lang="en"``), the English escaped."""
    translated = _translated(text, data) if text else None
    if translated is None:
        return escape(text)
    return Markup(translated)  # noqa: S704  (our catalog's translation)


class Words(Protocol):
    """``said`` or ``shown``."""

    def __call__(self, text: str, *, data: bool = True) -> str: ...


def group_label(group: str) -> str:
    return gettext(GROUPS[group]) if group in GROUPS else group


def category_name(slug: str) -> str:
    """A category's name in the request's language (the slug when the taxonomy lacks it)."""
    category = taxonomy.get(slug)
    return gettext(category.name) if category else slug


def category_label(slug: str) -> str:
    """``Furniture › Sofas & armchairs`` for a leaf, the name for a parent, translated."""
    category = taxonomy.get(slug)
    if category is None:
        return slug
    parent = taxonomy.parent_of(category)
    name = gettext(category.name)
    return f"{gettext(parent.name)} › {name}" if parent else name


def parents_named(slugs: str) -> str:
    """``women, men, kids`` (parent slugs, as displacement.csv lists them) as names."""
    names = [category_name(s.strip()) for s in slugs.split(",") if s.strip()]
    return gettext(", ").join(names)


def number(value: float) -> str:
    """A figure in a sentence: whole above 10, one decimal above 1, else two at most."""
    size = abs(value)
    pattern = "#,##0" if size >= 10 else "#,##0.0" if size >= 1 else "#,##0.##"
    return babel_numbers.format_decimal(
        round(value, 0 if size >= 10 else 1 if size >= 1 else 2),
        format=pattern,
        locale=i18n.babel_locale(),
    )


def kg(value: float) -> str:
    return f"{number(value)} kg"


def km(value: float) -> str:
    return f"{number(value)} km"


def data_date(text: str, *, form: str = "medium") -> str:
    """A data file's date (``2026-11-22``) in the locale's words; a bare year stays."""
    try:
        return i18n.day(date.fromisoformat(text), form=form)
    except ValueError:
        return text
