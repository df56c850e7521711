"""Jinja2 templates, people-friendly formats, flash messages and the page render helper."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlmodel import Session
from starlette.datastructures import FormData

from resale.core import i18n, security
from resale.core.config import settings
from resale.core.db import settle_refused, utcnow
from resale.core.errors import ResaleError
from resale.core.geo import PLACES_BY_SLUG, format_distance

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
FLASH_COOKIE = "resale_flash"


def format_money(cents: int, currency: str) -> str:
    """``1250, "EUR"`` -> ``€12.50``, ``129900, "CNY"`` -> ``¥1,299.00`` (zh-CN), for the
    language spoken (Babel's currency signs and separators)."""
    return i18n.money(cents, currency)


def time_ago(when: datetime | None) -> str:
    """``3 days ago`` / ``3天前``."""
    return "" if when is None else i18n.ago(utcnow() - when)


def format_co2(kg: float | None) -> str:
    """``8.43`` -> ``8.4 kg``, ``0.37`` -> ``370 g``, ``12840`` -> ``12.8 t`` (always CO2e)."""
    if kg is None:
        return ""
    sign, size = ("−" if kg < 0 else ""), abs(kg)
    if size < 0.995:  # from 995 g on it reads 1.0 kg, never "1000 g"
        text = f"{i18n.number(round(size * 1000, -1 if size >= 0.1 else 0))} g"
    elif size < 10:
        text = f"{i18n.number(size, digits=1)} kg"
    elif size < 10_000:
        text = f"{i18n.number(size)} kg"
    else:
        text = f"{i18n.number(size / 1000, digits=1)} t"
    return f"{sign}{text}"


templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.filters["money"] = format_money
templates.env.filters["co2"] = format_co2
templates.env.filters["distance"] = format_distance
templates.env.filters["ago"] = time_ago
templates.env.filters["day"] = i18n.day
templates.env.filters["moment"] = i18n.moment
templates.env.filters["appointment"] = i18n.appointment
templates.env.filters["number"] = i18n.number
templates.env.globals["site_name"] = "resale"
templates.env.globals.update(i18n.jinja_globals())
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True
)


def _flash_encode(messages: list[dict[str, str]]) -> str:
    raw = base64.urlsafe_b64encode(json.dumps(messages).encode()).decode()
    return security.sign(raw, secret=settings.secret_key, purpose="flash")


def _flash_decode(cookie: str | None) -> list[dict[str, str]]:
    if not cookie:
        return []
    raw = security.unsign(cookie, secret=settings.secret_key, purpose="flash")
    if raw is None:
        return []
    try:
        data = json.loads(base64.urlsafe_b64decode(raw))
    except ValueError:
        return []
    return [m for m in data if isinstance(m, dict)] if isinstance(data, list) else []


def set_cookie(response: Response, name: str, value: str, *, max_age: int | None = None) -> None:
    """Every cookie of ours: out of scripts' reach, not sent on cross-site posts, and
    ``Secure`` as ``settings.cookies_secure`` says (by default in production)."""
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="lax", secure=settings.cookies_secure
    )


def redirect(url: str, *, flash: str | None = None, kind: str = "success") -> RedirectResponse:
    """A 303 redirect after a form post, optionally carrying a one-time message."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        set_cookie(
            response, FLASH_COOKIE, _flash_encode([{"kind": kind, "text": flash}]), max_age=60
        )
    return response


def client_address(request: Request) -> str | None:
    """The address the request came from (the socket's peer)."""
    return request.client.host if request.client else None


def login_url(next_path: str) -> str:
    return f"/login?next={quote(next_path, safe='/')}"


def safe_next(next_path: str | None) -> str:
    """Only follow local paths after login, never another site."""
    if next_path and next_path.startswith("/") and not next_path.startswith("//"):
        return next_path
    return "/"


# --- Page sections ---------------------------------------------------------------------
# A package above listings (matching) adds blocks to listings' pages through these slots,
# so listings never imports it: "home" gets request, session, viewer; "listing" also listing.

SectionProvider = Callable[..., str | None]
_SECTIONS: dict[str, list[SectionProvider]] = {}
_log = logging.getLogger(__name__)


def add_section(slot: str, provider: SectionProvider) -> None:
    """Register a provider returning HTML (or None) for a page slot; added once per app."""
    providers = _SECTIONS.setdefault(slot, [])
    if provider not in providers:
        providers.append(provider)


# --- Header counts ---------------------------------------------------------------------
# A number beside a link in every page's header (unread messages), given by the area that
# owns it: ``provider(session, user_id)``; users.dependencies fills them for each page.

CountProvider = Callable[[Any, int], int]
_COUNTS: dict[str, CountProvider] = {}


def add_count(name: str, provider: CountProvider) -> None:
    _COUNTS[name] = provider


def header_counts(session: Any, user_id: int) -> dict[str, int]:
    return {name: provider(session, user_id) for name, provider in _COUNTS.items()}


def sections(slot: str, **context: Any) -> list[Markup]:
    """The HTML blocks registered for a slot; a failing block is logged and left out."""
    blocks: list[Markup] = []
    for provider in _SECTIONS.get(slot, []):
        try:
            html = provider(**context)
        except Exception:  # an extra block must never take its page down
            _log.exception("page section %s from %s failed", slot, provider)
            continue
        if html:
            blocks.append(Markup(html))  # noqa: S704  (providers render with autoescaping templates)
    return blocks


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    """Render a page with what every page needs: the viewer, the CSRF token, flash messages."""
    flashes = _flash_decode(request.cookies.get(FLASH_COOKIE))
    ctx: dict[str, Any] = {
        "user": getattr(request.state, "user", None),
        "unseen_notifications": getattr(request.state, "unseen_notifications", 0),
        "header_counts": getattr(request.state, "header_counts", {}),
        "csrf_token": security.csrf_token(request),
        "flashes": flashes,
        "is_development": settings.is_development,
        "test_payments": settings.shows_test_payments,
        "search_q": request.query_params.get("q", ""),
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    new_visitor = getattr(request.state, "new_csrf_visitor", None)
    if new_visitor:
        set_cookie(response, security.CSRF_COOKIE, new_visitor)
    if flashes:
        response.delete_cookie(FLASH_COOKIE)
    return response


# API field -> form field, where a form asks differently (a place from a list, a price
# in euros); errors are shown beside the form field the person actually used.
FORM_FIELD_FOR = {
    "lat": "place_slug",
    "lon": "place_slug",
    "place": "place_slug",
    "price_cents": "price",
    "shipping_cents": "shipping",
}
LOCATION_UNREADABLE = i18n.N_("We could not read that location; choose a place from the list.")


def field_errors(exc: Exception) -> dict[str, str]:
    """Pydantic errors as ``{form field: message}`` for showing beside form fields, in the
    language spoken (``i18n.error_message``)."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return {"__all__": str(exc)}
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(part) for part in err["loc"]]
        field = FORM_FIELD_FOR.get(loc[0], loc[0]) if loc else "__all__"
        message = i18n.error_message(err).removeprefix("Value error, ")
        if field == "place_slug":
            message = i18n.gettext(LOCATION_UNREADABLE)
        errors.setdefault(field, message[:1].upper() + message[1:])
    return errors


# Fields a form never shows again, whatever else was typed.
SECRET_FIELDS = frozenset({"password"})


def form_failed(
    request: Request,
    name: str,
    context: Callable[[dict[str, str]], Mapping[str, Any]],
    refusal: Exception | Mapping[str, str],
    *,
    session: Session | None = None,
    status_code: int | None = None,
) -> Response:
    """The form again after a refused submit, the one way every page does it.

    ``refusal`` is the error (a pydantic ValidationError or a domain ResaleError) or the
    page's own ``{field: message}``. What the attempt wrote is undone first (see
    settle_refused), then ``context(errors)`` is built, so what it shows is what is stored;
    everything typed comes back in its ``values`` except secrets, each message beside its
    field, with the error's status (422 for the page's own checks) unless ``status_code``
    says otherwise.
    """
    status = 422
    if isinstance(refusal, ResaleError):
        status = refusal.status_code
        errors = {error_field(refusal.field): refusal.message}
    elif isinstance(refusal, Exception):
        errors = field_errors(refusal)
    else:
        errors = dict(refusal)
    if session is not None and isinstance(refusal, Exception):
        settle_refused(session, refusal)
    ctx = dict(context(errors))
    if "values" in ctx:
        ctx["values"] = {k: v for k, v in ctx["values"].items() if k not in SECRET_FIELDS}
    response = render(request, name, ctx, status_code=status_code or status)
    if isinstance(refusal, ResaleError):
        response.headers.update(refusal.headers())
    return response


def refused(session: Session, exc: ResaleError, url: str) -> RedirectResponse:
    """Back to ``url`` with the error's message, once what the attempt wrote is undone."""
    settle_refused(session, exc)
    return redirect(url, flash=exc.message, kind="error")


def error_field(field: str | None) -> str:
    """The form field a domain error belongs beside (``__all__`` for the whole form)."""
    return FORM_FIELD_FOR.get(field or "", field or "__all__")


def location_from_form(values: Mapping[str, str]) -> dict[str, Any]:
    """The place chosen in a location picker: a listed place, or the browser's geolocation."""
    choice = values.get("place_slug", "")
    if choice == "geolocation":
        return {"lat": values.get("geo_lat") or None, "lon": values.get("geo_lon") or None}
    place = PLACES_BY_SLUG.get(choice)
    return {"place": place.name, "lat": place.lat, "lon": place.lon} if place else {}


def form_values(form: Mapping[str, Any]) -> dict[str, str]:
    """The text fields of a submitted form, to fill the form again after an error."""
    return {k: v.strip() for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


async def submitted_form(request: Request) -> FormData:
    """The submitted form, read in the event loop: the page itself can then be a plain
    ``def``, run in a worker thread, instead of an ``async def`` that blocks the loop with
    database work."""
    return await request.form()


FormDep = Annotated[FormData, Depends(submitted_form)]
