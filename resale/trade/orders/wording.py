"""Words for people: what happens next on an order, for each side."""

from __future__ import annotations

from typing import Literal

from carbon.estimate import Fulfilment
from resale.trade.orders.errors import Role
from resale.trade.orders.models import (
    Order,
    OrderStatus,
)
from resale.trade.orders.state import _DELIVERED

S = OrderStatus


# --- Words for people ------------------------------------------------------------------


def next_step(order: Order, role: Role | Literal["admin"]) -> str:
    """What this person should do next on this order, in one sentence."""
    pickup = order.fulfilment is Fulfilment.PICKUP
    status = order.status
    if status is S.PENDING_PAYMENT:
        return (
            "Pay to secure the item: it is held for you until the reservation ends."
            if role == "buyer"
            else "Waiting for the buyer to pay. The item is held until the reservation ends."
        )
    if status is S.PAID:
        if role == "buyer":
            return (
                "Meet the seller and show them your hand-over code when you have the item."
                if pickup
                else "The seller is preparing your parcel; you will see the tracking here."
            )
        if role == "seller":
            return (
                "Meet the buyer and enter the code they show you: you are paid at once."
                if pickup
                else "Post the item and enter the tracking reference."
            )
        return "Paid; waiting for hand-over or shipping."
    if status in _DELIVERED:
        return (
            "Check the item, then confirm you received it, or open a dispute if something is wrong."
            if role == "buyer"
            else "Waiting for the buyer to confirm; without a dispute you are paid when protection ends."
        )
    if status is S.DISPUTED:
        return (
            "Decide the dispute: refund the buyer or release the money to the seller."
            if role == "admin"
            else "The dispute is with our team; we will decide and let you both know."
        )
    if status is S.COMPLETED:
        return (
            "Done. Enjoy your item!"
            if role == "buyer"
            else "Done. Your share has been paid out or added to your balance."
        )
    if status is S.REFUNDED:
        return "The buyer was refunded."
    return "This order was cancelled; no money was taken, or it was refunded."
