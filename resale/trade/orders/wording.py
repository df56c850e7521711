"""Words for people: what happens next on an order, for each side, and its history.

An order's history notes are stored in English (the API gives them so); the notes the
system writes are ``Note`` messages, worded again in the reader's language when shown.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from markupsafe import Markup

from carbon.estimate import Fulfilment
from resale.core.i18n import N_, money
from resale.core.i18n import gettext as _
from resale.trade.orders.errors import Role
from resale.trade.orders.models import (
    Order,
    OrderEvent,
    OrderEventKind,
    OrderStatus,
)
from resale.trade.orders.state import _DELIVERED

S = OrderStatus


# --- What happens next -----------------------------------------------------------------


def next_step(order: Order, role: Role | Literal["admin"]) -> str:
    """What this person should do next on this order, in one sentence."""
    pickup = order.fulfilment is Fulfilment.PICKUP
    status = order.status
    if status is S.PENDING_PAYMENT:
        return (
            _("Pay to secure the item: it is held for you until the reservation ends.")
            if role == "buyer"
            else _("Waiting for the buyer to pay. The item is held until the reservation ends.")
        )
    if status is S.PAID:
        if role == "buyer":
            return (
                _("Meet the seller and show them your hand-over code when you have the item.")
                if pickup
                else _("The seller is preparing your parcel; you will see the tracking here.")
            )
        if role == "seller":
            return (
                _("Meet the buyer and enter the code they show you: you are paid at once.")
                if pickup
                else _("Post the item and enter the tracking reference.")
            )
        return _("Paid; waiting for hand-over or shipping.")
    if status in _DELIVERED:
        return (
            _(
                "Check the item, then confirm you received it, or open a dispute if something is wrong."
            )
            if role == "buyer"
            else _(
                "Waiting for the buyer to confirm; without a dispute you are paid when protection ends."
            )
        )
    if status is S.DISPUTED:
        return (
            _("Decide the dispute: refund the buyer or release the money to the seller.")
            if role == "admin"
            else _("The dispute is with our team; we will decide and let you both know.")
        )
    if status is S.COMPLETED:
        return (
            _("Done. Enjoy your item!")
            if role == "buyer"
            else _("Done. Your share has been paid out or added to your balance.")
        )
    if status is S.REFUNDED:
        return _("The buyer was refunded.")
    return _("This order was cancelled; no money was taken, or it was refunded.")


# --- The history -----------------------------------------------------------------------

EVENT_LABELS = {
    OrderEventKind.CREATED: N_("Order placed"),
    OrderEventKind.PAYMENT_STARTED: N_("Payment started"),
    OrderEventKind.PAID: N_("Payment received and held by resale"),
    OrderEventKind.PAYMENT_FAILED: N_("Card declined"),
    OrderEventKind.EXPIRED: N_("Reservation ended"),
    OrderEventKind.CANCELLED: N_("Order cancelled"),
    OrderEventKind.SHIPPED: N_("Shipped"),
    OrderEventKind.HANDED_OVER: N_("Handed over"),
    OrderEventKind.WRONG_CODE: N_("A wrong hand-over code was entered"),
    OrderEventKind.CONFIRMED: N_("Receipt confirmed"),
    OrderEventKind.DISPUTED: N_("Problem reported"),
    OrderEventKind.DISPUTE_RESOLVED: N_("Dispute decided"),
    OrderEventKind.COMPLETED: N_("Order completed"),
    OrderEventKind.REFUNDED: N_("Refunded"),
    OrderEventKind.PAYOUT: N_("Seller's share"),
}

# Who did it, as the history line says it.
ACTORS = {
    "system": N_("by resale"),
    "you": N_("by you"),
    "buyer": N_("by the buyer"),
    "seller": N_("by the seller"),
    "team": N_("by our team"),
}

# Their notes name the payment provider, which tells a person nothing.
_QUIET_NOTES = {OrderEventKind.PAYMENT_STARTED, OrderEventKind.PAID}
# Their notes are what a person typed (a tracking reference, a dispute's reason).
_TYPED_NOTES = {OrderEventKind.SHIPPED, OrderEventKind.DISPUTED}


def event_label(kind: OrderEventKind) -> str:
    found = EVENT_LABELS.get(kind)
    return _(found) if found else kind.value.replace("_", " ").capitalize()


def actor_words(who: str) -> str:
    """``"buyer"`` -> "by the buyer", in the language spoken."""
    return _(ACTORS[who])


@dataclass(frozen=True)
class Note:
    """A history note the system writes: stored in English with its values filled in,
    worded in the reader's language when shown (``read`` finds the values again)."""

    message: str  # marked with N_ where defined; %(name)s placeholders
    # How a value is shown, from its stored text and the order (amounts in cents -> money).
    shown: Mapping[str, Callable[[str, Order], str]] = field(default_factory=dict)

    def english(self, **values: object) -> str:
        """The note to store."""
        return self.message % values if values else self.message

    def read(self, note: str, order: Order) -> str | None:
        """The note in the language spoken, if it is this message (else None); HTML, its
        values escaped (a provider's reference is marked as not to be translated)."""
        found = _pattern(self.message).fullmatch(note)
        if found is None:
            return None
        values: dict[str, str] = found.groupdict()
        for name, show in {**_SHOWN, **self.shown}.items():
            if name in values:
                try:
                    values[name] = show(values[name], order)
                except ValueError:
                    return None
        return Markup(_(self.message)) % values  # noqa: S704  (our message; values escaped)


@functools.cache
def _pattern(message: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", message)
    text = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.*?)" for i, part in enumerate(parts)
    )
    return re.compile(text, re.DOTALL)


def _cents(value: str, order: Order) -> str:
    return money(int(value), order.currency)


def _reference(value: str, order: Order) -> str:
    return Markup('<span translate="no">%s</span>') % value


_SHOWN: Mapping[str, Callable[[str, Order], str]] = {"ref": _reference}


BUYER_REFUNDED = Note(N_("The buyer was refunded (%(ref)s)."))
CODE_ENTERED = Note(N_("The buyer's code was entered."))
BY_CODE = Note(N_("Hand-over code"))
FOR_BUYER = Note(N_("Resolved for the buyer: refunded (%(ref)s)."))
FOR_SELLER = Note(N_("Resolved for the seller."))
TRANSFER_QUEUED = Note(N_("Transfer to the seller's account queued."))
ADDED_TO_BALANCE = Note(N_("Added to the seller's payable balance."))
DECLINED = Note(N_("The payment was declined."))
LATE_PAYMENT_REFUNDED = Note(
    N_("A payment made after the reservation had ended was refunded automatically (%(ref)s).")
)
WRONG_AMOUNT_REFUNDED = Note(
    N_("A payment of %(paid)s instead of %(expected)s was refunded automatically (%(ref)s)."),
    {"paid": _cents, "expected": _cents},
)
PARTLY_REFUNDED = Note(
    N_("The provider refunded %(amount)s of %(total)s (%(ref)s)."),
    {"amount": _cents, "total": _cents},
)
PROVIDER_REFUNDED = Note(N_("Refunded by the payment provider."))
NOT_PAID_IN_TIME = Note(N_("Not paid within %(minutes)s minutes; the item is free again."))
PROTECTION_ENDED = Note(N_("The protection window ended without a dispute."))

_NOTES = (
    BUYER_REFUNDED,
    CODE_ENTERED,
    BY_CODE,
    FOR_BUYER,
    FOR_SELLER,
    TRANSFER_QUEUED,
    ADDED_TO_BALANCE,
    DECLINED,
    LATE_PAYMENT_REFUNDED,
    WRONG_AMOUNT_REFUNDED,
    PARTLY_REFUNDED,
    PROVIDER_REFUNDED,
    NOT_PAID_IN_TIME,
    PROTECTION_ENDED,
)


def event_note(event: OrderEvent, order: Order) -> str | None:
    """An event's note as a person reads it: the system's in their language, a person's as
    typed, none where it would only name the payment provider."""
    note = event.note
    if not note or event.kind in _QUIET_NOTES:
        return None
    if event.kind in _TYPED_NOTES:
        return note
    for known in _NOTES:
        worded = known.read(note, order)
        if worded is not None:
            return worded
    # An order's way of delivery (its label), a gateway's decline, an admin's own words:
    # translated when the catalogs know them, else as they are.
    return _(note)
