"""Two languages: which one a request speaks, its translations, and locale formatting.

The interface is written in English in the code and the templates; every string a
person sees goes through ``gettext`` (``_`` in Python, ``_()`` / ``{% trans %}`` in the
templates), and ``resale/locale/<locale>/LC_MESSAGES/messages.po`` translates it
(``make catalogs`` compiles them, ``make i18n`` extracts and updates them).

A request's language is, in this order: the signed-in user's setting, the ``resale_lang``
cookie (set by the switch in every page's footer), the browser's ``Accept-Language``, and
English. The URL of a page never changes with it. Outside a request (the CLI, jobs) the
language is English unless ``speaking(tag)`` says otherwise.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.support import NullTranslations, Translations
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"
COOKIE = "resale_lang"

# A language's tag (as in <html lang> and the cookie) -> its catalog folder.
LANGUAGES: dict[str, str] = {"en": "en", "zh-CN": "zh_CN"}
DEFAULT = "en"
# What the switch says, each in its own language (never translated).
NATIVE_NAMES: dict[str, str] = {"en": "English", "zh-CN": "中文"}


def N_(message: str) -> str:  # the gettext convention, found by `pybabel extract`
    """Marks a string for the catalogs where it is defined; ``gettext`` it where it is shown."""
    return message


@dataclass
class _Choice:
    """A request's language: the middleware sets it, the user's setting may override it
    (a dependency running in a worker thread changes this object, not the context)."""

    tag: str = DEFAULT


_choice: ContextVar[_Choice | None] = ContextVar("resale_language", default=None)


def current() -> str:
    """The tag of the language being spoken: "en" or "zh-CN"."""
    choice = _choice.get()
    return DEFAULT if choice is None else choice.tag


def babel_locale() -> Locale:
    return _locale(current())


@functools.cache
def _locale(tag: str) -> Locale:
    return Locale.parse(LANGUAGES[tag])


@functools.cache
def translations(tag: str) -> NullTranslations:
    """The compiled catalog of a language (English is the source: nothing to look up)."""
    if tag == DEFAULT:
        return NullTranslations()
    found = Translations.load(str(LOCALE_DIR), [LANGUAGES[tag]], DOMAIN)
    if not isinstance(found, Translations):  # no compiled catalog: `make catalogs`
        raise RuntimeError(
            f"the {tag} catalog is not compiled ({LOCALE_DIR}/{LANGUAGES[tag]}); run `make catalogs`"
        )
    return found


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


_ = gettext


def speak(tag: str) -> None:
    """From here on, this request speaks ``tag`` (the signed-in user's setting)."""
    choice = _choice.get()
    if choice is not None and tag in LANGUAGES:
        choice.tag = tag


@contextmanager
def speaking(tag: str) -> Iterator[None]:
    """Everything inside speaks ``tag`` (tests, e-mails, the CLI)."""
    token = _choice.set(_Choice(tag if tag in LANGUAGES else DEFAULT))
    try:
        yield
    finally:
        _choice.reset(token)


def supported(tag: str | None) -> str | None:
    """The language a tag names ("zh", "zh-Hans-CN", "zh_TW", "en-GB"...), or None.

    Chinese in any script or region reads the Simplified Chinese interface."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return {"zh": "zh-CN", "en": "en"}.get(primary)


def from_accept_language(header: str | None) -> str | None:
    """The first language of ``Accept-Language`` (by its q values) that we speak."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag))
    for _q, _pos, tag in sorted(ranked):
        found = supported(tag)
        if found:
            return found
    return None


def choose(*, setting: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The user's setting, else the cookie, else the browser's languages, else English."""
    for tag in (setting, cookie):
        if tag in LANGUAGES:
            return tag
    return from_accept_language(accept_language) or DEFAULT


class LocaleMiddleware:
    """Chooses each request's language from its cookie and ``Accept-Language`` (the user's
    setting overrides it once they are known, see ``speak``), and says which it answered in
    (``Content-Language``; ``Vary`` so that caches keep each language apart)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        choice = _Choice(
            choose(
                setting=None,
                cookie=_cookie(headers.get("cookie", ""), COOKIE),
                accept_language=headers.get("accept-language"),
            )
        )
        token = _choice.set(choice)

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"content-language", choice.tag.encode()),
                    (b"vary", b"Accept-Language, Cookie"),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_language)
        finally:
            _choice.reset(token)


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _sep, value = part.strip().partition("=")
        if key == name:
            return value.strip('"')
    return None


# --- Formatting for the locale ------------------------------------------------------------


def money(cents: int, currency: str) -> str:
    """``1250, "EUR"`` -> ``€12.50``; ``129900, "CNY"`` in zh-CN -> ``¥1,299.00``."""
    return babel_numbers.format_currency(
        Decimal(cents) / 100, currency, locale=babel_locale(), currency_digits=True
    )


def number(value: float | int, *, digits: int = 0) -> str:
    """A number with the locale's separators, rounded to ``digits`` decimals."""
    return babel_numbers.format_decimal(
        round(value, digits),
        format="#,##0" + ("." + "0" * digits if digits else ""),
        locale=babel_locale(),
    )


def day(when: date | datetime | None, *, form: str = "long") -> str:
    """``2026-12-01`` -> ``December 1, 2026`` / ``2026年12月1日``."""
    if when is None:
        return ""
    return babel_dates.format_date(when, format=form, locale=babel_locale())


def moment(when: datetime | None, *, form: str = "medium") -> str:
    """A date and time of day in the locale's words (UTC, as stored)."""
    if when is None:
        return ""
    return babel_dates.format_datetime(when, format=form, locale=babel_locale())


def ago(delta: timedelta) -> str:
    """``3 days ago`` / ``3天前``; under a minute it is "just now"."""
    if delta < timedelta(minutes=1):
        return gettext("just now")
    return babel_dates.format_timedelta(-delta, add_direction=True, locale=babel_locale())


def jinja_globals() -> Mapping[str, Any]:
    """What every template may call: the language spoken, and the switch's choices."""
    return {"current_language": current, "languages": NATIVE_NAMES}
