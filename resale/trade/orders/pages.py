"""Pages for buying: choose pickup or shipping, pay, the order page and its actions,
my purchases and my sales. Plain forms; every action redirects back with a message."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Literal

from fastapi import Request, Response
from pydantic import ValidationError
from sqlmodel import Session

from carbon.estimate import Fulfilment, TravelMode
from listings import photos as photo_store
from listings import service as listings_service
from listings.models import Listing, ListingStatus
from listings.schemas import ListingCard
from listings.search import load_cards
from resale.core import web
from resale.core.config import settings
from resale.core.db import SessionDep, utcnow
from resale.core.errors import ResaleError
from resale.core.fields import Id
from resale.core.geo import NO_POSTCODE, PLACES, country_name, home_country, shipping_countries
from resale.core.i18n import N_, current, ngettext
from resale.core.i18n import gettext as _
from resale.trade.orders import service, wording
from resale.trade.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from resale.trade.orders.routes import VisibleOrder
from resale.trade.orders.schemas import DeliveryAddressIn
from resale.trade.payments import service as payments_service
from resale.trade.payments.dependencies import GatewayDep
from resale.trade.payments.gateway import Payment, PaymentGateway, PaymentStatus
from resale.users.dependencies import CurrentUser, page_router
from resale.users.models import User

router = page_router()

S = OrderStatus
Viewer = Literal["buyer", "seller", "admin"]


@dataclass(frozen=True)
class HistoryLine:
    label: str
    actor: str
    note: str | None
    at: datetime


def _viewer(order: Order, user: User) -> Viewer:
    return service.role_of(order, user) or "admin"


def _history(order: Order, events: list[OrderEvent], user: User) -> list[HistoryLine]:
    def who(actor_id: int | None) -> str:
        if actor_id is None:
            return "system"
        if actor_id == user.id:
            return "you"
        if actor_id == order.buyer_id:
            return "buyer"
        if actor_id == order.seller_id:
            return "seller"
        return "team"

    return [
        HistoryLine(
            label=wording.event_label(event.kind),
            actor=wording.actor_words(who(event.actor_id)),
            note=wording.event_note(event, order),
            at=event.created_at,
        )
        for event in reversed(events)  # newest first
    ]


def _minutes_left(until: datetime) -> int:
    return max(0, int((until - utcnow()).total_seconds() // 60))


def _order_context(
    session: Session,
    order: Order,
    user: User,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    role = _viewer(order, user)
    listing = listings_service.get_listing(session=session, listing_id=order.listing_id)
    events = service.events_of(session=session, order=order)
    other_id = order.seller_id if role == "buyer" else order.buyer_id
    other = listing.seller if other_id == listing.seller_id else session.get(User, other_id)
    pending = order.status is S.PENDING_PAYMENT
    pickup = order.fulfilment is Fulfilment.PICKUP
    actions = service.allowed_actions(order, user)
    return {
        "order": order,
        "listing": listing,
        "photo_url": photo_store.url,
        "role": role,
        "other": other,
        "next_step": service.next_step(order, role),
        "history": _history(order, events, user),
        "pickup": pickup,
        "place": _place(listing),
        "carbon": service.trade_estimate(session=session, order=order),
        "carbon_share_grams": service.carbon_share(session=session, order=order, user=user),
        # Where to post it: the seller's alone; the buyer is reminded of the city only.
        "address": service.delivery_address(session=session, order=order, viewer=user),
        "delivery_city": service.delivery_city(session=session, order=order, viewer=user),
        "country_name": country_name,
        # What other areas add (conversations: the meeting agreed, the way to talk).
        "sections": web.sections("order", session=session, viewer=user, order=order),
        "errors": errors or {},
        "values": values or {},
        # Who may do what now: the service checks again, these only choose the buttons.
        "can_pay": actions.can_pay,
        "reservation_over": pending and order.expires_at <= utcnow(),
        "minutes_left": _minutes_left(order.expires_at),
        "declined": pending and bool(events) and events[-1].kind is OrderEventKind.PAYMENT_FAILED,
        "show_code": actions.show_code,
        "enter_code": actions.can_hand_over,
        "code_locked": actions.code_locked,
        "handed_over_without_code": actions.can_hand_over_without_code,
        "enter_tracking": actions.can_ship,
        "confirm_or_dispute": actions.can_confirm,
        "buyer_cancels": actions.buyer_can_cancel,
        "seller_cancels": actions.seller_can_cancel,
        "resolve": actions.can_resolve,
        "sees_share": actions.sees_share,
        "back": ("/me/purchases", _("Your purchases"))
        if role == "buyer"
        else ("/me/sales", _("Your sales"))
        if role == "seller"
        else None,
    }


def _act(
    request: Request,
    session: Session,
    order: Order,
    user: User,
    action: Callable[[], str],
    *,
    values: Mapping[str, str] | None = None,
    fields: tuple[str, ...] = (),
) -> Response:
    """Run one order action; a form field's error is shown beside it, any other as a message."""
    order_id = order.id or 0

    def context(errors: dict[str, str]) -> dict[str, Any]:
        fresh = service.get_order(session=session, order_id=order_id, viewer=user)
        return _order_context(session, fresh, user, errors=errors, values=values)

    try:
        done = action()
    except ResaleError as exc:
        if exc.field in fields:
            return web.form_failed(request, "orders/order.html", context, exc, session=session)
        return web.refused(session, exc, f"/orders/{order_id}")
    return web.redirect(f"/orders/{order_id}", flash=done)


def _order_url(request: Request, order: Order) -> str:
    return str(request.base_url).rstrip("/") + f"/orders/{order.id}"


def _start_payment(
    request: Request, session: Session, order: Order, user: User, gateway: PaymentGateway
) -> Response:
    """Start (or find again) the payment of an open order, then send the buyer on."""
    try:
        order, payment = service.start_payment(
            session=session,
            order=order,
            buyer=user,
            gateway=gateway,
            return_url=_order_url(request, order),
        )
    except ResaleError as exc:  # the order (and its hold) stays as it was
        return web.refused(session, exc, f"/orders/{order.id}")
    return _after_payment(order, payment)


def _after_payment(order: Order, payment: Payment) -> Response:
    """Where the buyer goes once a payment is started: the provider's step, or the order."""
    order_url = f"/orders/{order.id}"
    if payment.next_action_url:
        return web.redirect(payment.next_action_url)
    if payment.status is PaymentStatus.SUCCEEDED:
        return web.redirect(
            order_url, flash=_("Payment received. We hold it until you have the item.")
        )
    if payment.status is PaymentStatus.FAILED:
        return web.redirect(order_url, flash=_("Your card was declined — try again."), kind="error")
    return web.redirect(order_url, flash=_("Your order is placed."))


# --- Buying ----------------------------------------------------------------------------


def _not_buyable(session: Session, listing: Listing, user: User) -> Response | None:
    """Where to send someone who cannot buy this listing now, with a word why."""
    listing_url = f"/listings/{listing.id}"
    if listing.seller_id == user.id:
        return web.redirect(listing_url, flash=_("This is your own listing."), kind="info")
    assert listing.id is not None
    open_order = service.open_order_for_listing(session=session, listing_id=listing.id)
    if open_order is not None and open_order.buyer_id == user.id:
        return web.redirect(
            f"/orders/{open_order.id}", flash=_("You are already buying this item."), kind="info"
        )
    if listing.status is not ListingStatus.ACTIVE and _agreed_price(session, listing, user) is None:
        return web.redirect(
            listing_url, flash=_("Sorry, this item is no longer available."), kind="error"
        )
    return None


def _agreed_price(session: Session, listing: Listing, user: User) -> int | None:
    """The price the seller agreed with ``user`` if the item is kept for them (an accepted
    offer); what they will pay is the service's to decide, this only shows it."""
    assert listing.id is not None
    reservation = listings_service.reservation_of(session=session, listing_id=listing.id)
    if reservation is None or reservation.buyer_id != user.id or reservation.until <= utcnow():
        return None
    return reservation.price_cents


def _buy_context(
    session: Session,
    listing: Listing,
    user: User,
    values: Mapping[str, str],
    errors: Mapping[str, str],
) -> dict[str, Any]:
    can_pickup = listing.has_point
    can_ship = listing.shipping_cents is not None
    agreed = _agreed_price(session, listing, user)
    return {
        "listing": listing,
        "item_cents": listing.price_cents if agreed is None else agreed,
        "agreed": agreed is not None,
        "photo_url": photo_store.url,
        "values": values,
        "errors": errors,
        "can_pickup": can_pickup,
        "can_ship": can_ship,
        "distance_km": listings_service.distance_km(listing, user),
        "carbon": listings_service.listing_carbon(listing, user),
        "travel_modes": [(mode, _(label)) for mode, label in TRAVEL_MODES],
        "shipping_cents": listing.shipping_cents or 0,
        "hold_minutes": settings.reservation_minutes,
        "protection_days_count": _plural_count(settings.protection_days),
        "protection_days_text": f"{settings.protection_days:g}",
        "place": _place(listing),
        "countries": shipping_countries(),
        "no_postcode": " ".join(sorted(NO_POSTCODE)),
    }


# The delivery address's form fields: DeliveryAddressIn's, so its errors name them.
ADDRESS_FIELDS = ("full_name", "line1", "line2", "postcode", "city", "country", "phone")


def _address_defaults(user: User) -> dict[str, str]:
    """What the address form starts with: the country (and city) of the buyer's home."""
    place = home_country(user.lat, user.lon)
    if place is None:
        return {"country": "CN" if current() == "zh-CN" else ""}
    # A district of the city ("Paris, Le Marais"), not a town near it ("Versailles").
    in_city = (user.place_name or "").startswith(f"{place.city},")
    return {"country": place.country, "city": _(place.city) if in_city else ""}


def _plural_count(days: float) -> int:
    """The count a plural form is chosen by: a whole number of days, or "many" (2)."""
    return int(days) if days == int(days) else 2


def _place(listing: Listing) -> str | None:
    """Where the item is, in the language spoken (place names are in the catalogs)."""
    return _(listing.place_name) if listing.place_name else None


TRAVEL_MODES = [
    (TravelMode.WALK_BIKE, N_("On foot or by bike")),
    (TravelMode.PUBLIC_TRANSPORT, N_("Public transport")),
    (TravelMode.CAR, N_("Car")),
]


def _default_fulfilment(listing: Listing) -> str:
    return (Fulfilment.PICKUP if listing.has_point else Fulfilment.SHIPPING).value


@router.get("/listings/{listing_id}/buy")
def buy_page(listing_id: Id, request: Request, user: CurrentUser, session: SessionDep) -> Response:
    listing = listings_service.get_visible_listing(
        session=session, listing_id=listing_id, viewer=user
    )
    refused = _not_buyable(session, listing, user)
    if refused is not None:
        return refused
    values = {"fulfilment": _default_fulfilment(listing), **_address_defaults(user)}
    return web.render(request, "orders/buy.html", _buy_context(session, listing, user, values, {}))


@router.post("/listings/{listing_id}/buy")
def buy_submit(
    listing_id: Id,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    gateway: GatewayDep,
    form: web.FormDep,
) -> Response:
    values = web.form_values(form)
    listing = listings_service.get_visible_listing(  # 404 unless this buyer may see it
        session=session, listing_id=listing_id, viewer=user
    )
    errors: dict[str, str] = {}
    fulfilment = Fulfilment.PICKUP
    try:
        fulfilment = Fulfilment(values.get("fulfilment", ""))
    except ValueError:
        errors["fulfilment"] = _("Choose pickup or shipping.")
    travel_mode = None
    if values.get("travel_mode") and values.get("fulfilment") == Fulfilment.PICKUP.value:
        try:
            travel_mode = TravelMode(values["travel_mode"])
        except ValueError:
            errors["travel_mode"] = _("Choose on foot or by bike, public transport or car.")
    # Asked of a parcel only: without JavaScript the address fields are there for a pickup
    # too, and whatever they hold is then left alone. (An item not shipped is refused as
    # such by the order service.)
    address = None
    ships = listing.shipping_cents is not None
    if fulfilment is Fulfilment.SHIPPING and ships and "fulfilment" not in errors:
        try:
            address = DeliveryAddressIn.model_validate(
                {name: values.get(name, "") for name in ADDRESS_FIELDS}
            )
        except ValidationError as exc:
            errors.update(web.field_errors(exc))

    def context(errors: dict[str, str]) -> dict[str, Any]:
        # Read again: a refused attempt's rollback has expired what was loaded.
        fresh = listings_service.get_listing(session=session, listing_id=listing_id)
        return _buy_context(session, fresh, user, values, errors)

    if errors:
        return web.form_failed(request, "orders/buy.html", context, errors)
    try:
        order, _created, payment = service.buy(
            session=session,
            buyer=user,
            listing_id=listing_id,
            fulfilment=fulfilment,
            gateway=gateway,
            travel_mode=travel_mode,
            delivery_address=address,
            return_url=partial(_order_url, request),
        )
    except ResaleError as exc:  # no order, no hold: the item stays on sale
        if exc.field in ("fulfilment", "delivery_address"):
            return web.form_failed(request, "orders/buy.html", context, exc, session=session)
        return web.refused(session, exc, f"/listings/{listing_id}")
    return _after_payment(order, payment)


# --- The order page and its actions ----------------------------------------------------


@router.get("/orders/{order_id}")
def order_page(
    request: Request, order: VisibleOrder, user: CurrentUser, session: SessionDep
) -> Response:
    return web.render(request, "orders/order.html", _order_context(session, order, user))


@router.post("/orders/{order_id}/pay")
def pay_submit(
    request: Request,
    order: VisibleOrder,
    user: CurrentUser,
    session: SessionDep,
    gateway: GatewayDep,
) -> Response:
    return _start_payment(request, session, order, user, gateway)


@router.post("/orders/{order_id}/cancel")
def cancel_submit(
    request: Request,
    order: VisibleOrder,
    user: CurrentUser,
    session: SessionDep,
    gateway: GatewayDep,
) -> Response:
    def run() -> str:
        done = service.cancel(session=session, order=order, actor=user, gateway=gateway)
        if done.refund_ref:
            return _("The order is cancelled and the buyer is refunded in full.")
        return _("The order is cancelled; nothing was paid.")

    return _act(request, session, order, user, run)


@router.post("/orders/{order_id}/ship")
def ship_submit(
    request: Request, order: VisibleOrder, user: CurrentUser, session: SessionDep, form: web.FormDep
) -> Response:
    values = web.form_values(form)

    def run() -> str:
        service.ship(session=session, order=order, seller=user, tracking=values.get("tracking", ""))
        return _("Marked as shipped. The buyer can follow the parcel from their order.")

    return _act(request, session, order, user, run, values=values, fields=("tracking",))


@router.post("/orders/{order_id}/handover")
def handover_submit(
    request: Request,
    order: VisibleOrder,
    user: CurrentUser,
    session: SessionDep,
    gateway: GatewayDep,
    form: web.FormDep,
) -> Response:
    values = web.form_values(form)
    without_code = values.get("mode") == "without_code"
    code = None if without_code else values.get("code", "")
    if code is not None and not "".join(code.split()):
        return web.form_failed(
            request,
            "orders/order.html",
            lambda errors: _order_context(session, order, user, errors=errors),
            {"code": _("Enter the 6-digit code the buyer shows you.")},
        )

    def run() -> str:
        done = service.hand_over(
            session=session, order=order, seller=user, code=code, gateway=gateway
        )
        if done.status is S.COMPLETED:
            return _("Code accepted: the order is complete and your share is on its way.")
        days = settings.protection_days
        return ngettext(
            "Marked as handed over. The buyer now confirms receipt; "
            "without a problem reported you are paid in %(num)s day.",
            "Marked as handed over. The buyer now confirms receipt; "
            "without a problem reported you are paid in %(num)s days.",
            _plural_count(days),
        ) % {"num": f"{days:g}"}

    return _act(request, session, order, user, run, values=values, fields=("code",))


@router.post("/orders/{order_id}/confirm")
def confirm_submit(
    request: Request, order: VisibleOrder, user: CurrentUser, session: SessionDep
) -> Response:
    def run() -> str:
        service.confirm(session=session, order=order, buyer=user)
        return _("Thank you! The order is complete and the seller is paid.")

    return _act(request, session, order, user, run)


@router.post("/orders/{order_id}/dispute")
def dispute_submit(
    request: Request, order: VisibleOrder, user: CurrentUser, session: SessionDep, form: web.FormDep
) -> Response:
    values = web.form_values(form)

    def run() -> str:
        service.dispute(session=session, order=order, buyer=user, reason=values.get("reason", ""))
        return _("Problem reported. Our team will look at it and get back to you both.")

    return _act(request, session, order, user, run, values=values, fields=("reason",))


@router.post("/orders/{order_id}/resolve")
def resolve_submit(
    request: Request,
    order: VisibleOrder,
    user: CurrentUser,
    session: SessionDep,
    gateway: GatewayDep,
    form: web.FormDep,
) -> Response:
    values = web.form_values(form)
    choice = values.get("outcome")
    outcome: service.DisputeOutcome = "refund" if choice == "refund" else "release"
    if choice not in ("refund", "release"):
        return web.redirect(
            f"/orders/{order.id}", flash=_("Choose to refund or to release."), kind="error"
        )

    def run() -> str:
        service.resolve_dispute(
            session=session,
            order=order,
            admin=user,
            outcome=outcome,
            gateway=gateway,
            note=values.get("note") or None,
        )
        if outcome == "refund":
            return _("Dispute decided: the buyer is refunded and the listing withdrawn.")
        return _("Dispute decided: the money is released to the seller.")

    return _act(request, session, order, user, run)


# --- My purchases, my sales ------------------------------------------------------------


@dataclass(frozen=True)
class OrderRow:
    order: Order
    card: ListingCard | None


def _rows(session: Session, orders: list[Order]) -> list[OrderRow]:
    # One query for every row's title and first photo (no query per row).
    cards = load_cards(session=session, ids=[o.listing_id for o in orders])
    return [OrderRow(order=o, card=cards.get(o.listing_id)) for o in orders]


@router.get("/me/purchases")
def purchases_page(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    orders = service.orders_of(session=session, user=user, role="buyer")
    return web.render(
        request,
        "orders/list.html",
        {"rows": _rows(session, orders), "role": "buyer", "balances": []},
    )


@router.get("/me/sales")
def sales_page(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    orders = service.orders_of(session=session, user=user, role="seller")
    return web.render(
        request,
        "orders/list.html",
        {
            "rows": _rows(session, orders),
            "role": "seller",
            "balances": payments_service.seller_balances(session=session, seller=user),
            # What an empty balance is shown in: where the seller lives prices in it.
            "currency": next((p.currency for p in PLACES if p.name == user.place_name), "EUR"),
        },
    )
