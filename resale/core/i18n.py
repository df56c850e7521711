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
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.lists import format_list
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


def currency_symbol(currency: str) -> str:
    """``"EUR"`` -> ``€``; ``"CNY"`` -> ``¥`` in zh-CN and ``CN¥`` in English."""
    return babel_numbers.get_currency_symbol(currency, locale=babel_locale())


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


def moment(when: datetime | None, *, form: str = "medium", tz: str | None = None) -> str:
    """A date and time of day in the locale's words: in UTC, as stored, or on the clocks of
    the time zone ``tz`` (an IANA name such as "Europe/Paris")."""
    if when is None:
        return ""
    return babel_dates.format_datetime(
        when, format=form, tzinfo=ZoneInfo(tz) if tz else None, locale=babel_locale()
    )


def appointment(when: datetime | None, *, tz: str) -> str:
    """A time to meet, on the clocks of ``tz``: ``Tue, Dec 8, 18:30`` / ``12月8日周二 18:30``."""
    if when is None:
        return ""
    locale, zone = babel_locale(), ZoneInfo(tz)
    on = babel_dates.format_skeleton("MMMEd", when, tzinfo=zone, locale=locale)
    at = babel_dates.format_skeleton("Hm", when, tzinfo=zone, locale=locale)
    return str(locale.datetime_formats["medium"]).replace("{1}", on).replace("{0}", at)


def zone_name(tz: str) -> str:
    """``"Europe/Paris"`` -> ``France Time`` / ``法国时间``: whose clocks a time is on."""
    return str(babel_dates.get_timezone_location(ZoneInfo(tz), locale=babel_locale()))


def ago(delta: timedelta) -> str:
    """``3 days ago`` / ``3天前``; under a minute it is "just now"."""
    if delta < timedelta(minutes=1):
        return gettext("just now")
    return babel_dates.format_timedelta(-delta, add_direction=True, locale=babel_locale())


def jinja_globals() -> Mapping[str, Any]:
    """What every template may call: the language spoken, and the switch's choices."""
    return {"current_language": current, "languages": NATIVE_NAMES}


# --- Validation errors in the language spoken ----------------------------------------------
# Pydantic words its errors in English; the API's ``detail`` (and the messages beside form
# fields) say them in the language of the request, chosen by the error's ``type`` and filled
# from its ``ctx``. ``loc`` and ``type`` never change; in English ``msg`` is pydantic's own.

_ERROR_MESSAGES: dict[str, str] = {
    "missing": N_("Field required"),
    "missing_argument": N_("Missing required argument"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "string_type": N_("Input should be a valid string"),
    "string_unicode": N_("Input should be a valid string"),
    "string_too_short": N_("String should have at least %(min_length)s characters"),
    "string_too_long": N_("String should have at most %(max_length)s characters"),
    "string_pattern_mismatch": N_("String should match pattern '%(pattern)s'"),
    "too_short": N_("Should have at least %(min_length)s items, not %(actual_length)s"),
    "too_long": N_("Should have at most %(max_length)s items, not %(actual_length)s"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_parsing_size": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "finite_number": N_("Input should be a finite number"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "greater_than": N_("Input should be greater than %(gt)s"),
    "greater_than_equal": N_("Input should be greater than or equal to %(ge)s"),
    "less_than": N_("Input should be less than %(lt)s"),
    "less_than_equal": N_("Input should be less than or equal to %(le)s"),
    "multiple_of": N_("Input should be a multiple of %(multiple_of)s"),
    "enum": N_("Input should be %(expected)s"),
    "literal_error": N_("Input should be %(expected)s"),
    "none_required": N_("Input should be null"),
    "json_invalid": N_("Invalid JSON"),
    "json_type": N_("JSON input should be string, bytes or bytearray"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary or object"),
    "model_attributes_type": N_("Input should be a valid dictionary or object"),
    "list_type": N_("Input should be a valid list"),
    "tuple_type": N_("Input should be a valid list"),
    "set_type": N_("Input should be a valid list"),
    "url_type": N_("URL input should be a string or URL"),
    "url_parsing": N_("Input should be a valid URL"),
    "url_too_long": N_("URL should have at most %(max_length)s characters"),
    "url_scheme": N_("URL scheme should be %(expected_schemes)s"),
    "datetime_type": N_("Input should be a valid datetime"),
    "datetime_parsing": N_("Input should be a valid datetime"),
    "datetime_from_date_parsing": N_("Input should be a valid datetime"),
    "date_type": N_("Input should be a valid date"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("Input should be a valid date in the format YYYY-MM-DD"),
    "time_type": N_("Input should be a valid time"),
    "time_parsing": N_("Input should be a valid time"),
    "timezone_aware": N_("Input should have timezone info"),
    "uuid_type": N_("Input should be a valid UUID"),
    "uuid_parsing": N_("Input should be a valid UUID"),
    "decimal_type": N_("Input should be a valid decimal"),
    "decimal_parsing": N_("Input should be a valid decimal"),
    "decimal_max_digits": N_("Decimal input should have no more than %(max_digits)s digits"),
    "decimal_max_places": N_(
        "Decimal input should have no more than %(decimal_places)s decimal places"
    ),
    "union_tag_invalid": N_(
        "Input tag '%(tag)s' found using %(discriminator)s does not match any of the expected"
        " tags: %(expected_tags)s"
    ),
    "union_tag_not_found": N_("Unable to extract tag using discriminator %(discriminator)s"),
    "assertion_error": N_("Assertion failed, %(error)s"),
}
EMAIL_INVALID = N_("This is not a valid e-mail address.")
_VALUE_ERROR_PREFIX = "Value error, "
# Errors whose message is ours, raised as ValueError(_("...")) and so already translated:
# pydantic's own and the app-wide text check's (resale.core.inputs).
_OWN_MESSAGE_TYPES = frozenset({"value_error", "text_invalid"})


def error_message(error: Mapping[str, Any]) -> str:
    """A pydantic error's ``msg`` in the language spoken: pydantic's own in English;
    otherwise the catalog's words for its ``type``, filled from its ``ctx`` (an unknown
    type keeps pydantic's words). Our validators' messages are translated when raised:
    they only lose pydantic's English "Value error, " before them."""
    msg = str(error.get("msg", ""))
    if current() == DEFAULT:
        return msg
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind in _OWN_MESSAGE_TYPES:
        if "reason" in ctx and "error" not in ctx:  # email-validator's, in English
            return gettext(EMAIL_INVALID)
        return msg.removeprefix(_VALUE_ERROR_PREFIX)
    template = _ERROR_MESSAGES.get(kind)
    if template is None:
        return msg
    values = {key: _ctx_text(key, value) for key, value in ctx.items()}
    try:
        return gettext(template) % values
    except (KeyError, ValueError, TypeError):  # a ctx without what the words need
        return msg


def _ctx_text(key: str, value: Any) -> str:
    """A ``ctx`` value as the message shows it: "'a', 'b' or 'c'" as a list of the locale."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # as pydantic says it: "less than 1", not "1.0"
    text = str(value)
    if key in ("expected", "expected_tags", "expected_schemes"):
        items = [item for item in re.split(r", | or ", text) if item]
        if len(items) > 1:
            return format_list(items, style="or", locale=babel_locale())
    return text


def request_language(request: Any) -> str:
    """The language of a request, chosen again where the middleware's choice is gone (the
    500 page, answered from outside every middleware): the signed-in user's setting when
    it is known, else the cookie, else ``Accept-Language``."""
    setting: str | None = None
    try:
        setting = getattr(getattr(request.state, "user", None), "language", None)
    except Exception:
        setting = None
    return choose(
        setting=setting,
        cookie=request.cookies.get(COOKIE),
        accept_language=request.headers.get("accept-language"),
    )
