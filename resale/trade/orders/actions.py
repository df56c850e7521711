"""Who may do what on an order now: one answer for the order page and the API.

The transitions check again when asked; these only choose what to offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from carbon.estimate import Fulfilment
from resale.core.config import settings
from resale.core.db import utcnow
from resale.trade.orders.models import Order, OrderStatus
from resale.trade.orders.reading import role_of
from resale.users.models import User

S = OrderStatus

# What the API lets a person do: POST /api/v1/orders/{id}/{action}.
OrderAction = Literal["pay", "cancel", "handover", "ship", "confirm", "dispute", "resolve"]


@dataclass(frozen=True)
class Actions:
    can_pay: bool
    buyer_can_cancel: bool
    seller_can_cancel: bool
    show_code: bool  # the buyer sees the hand-over code
    can_hand_over: bool  # the seller may enter the code
    code_locked: bool  # too many wrong codes: the seller can no longer enter one
    can_hand_over_without_code: bool
    can_ship: bool
    can_confirm: bool
    can_dispute: bool
    can_resolve: bool
    sees_share: bool  # the seller's share of the total

    def names(self) -> list[OrderAction]:
        """The API's names for what is offered now, in the order a trade goes."""
        offered: list[tuple[OrderAction, bool]] = [
            ("pay", self.can_pay),
            ("cancel", self.buyer_can_cancel or self.seller_can_cancel),
            ("handover", self.can_hand_over or self.can_hand_over_without_code),
            ("ship", self.can_ship),
            ("confirm", self.can_confirm),
            ("dispute", self.can_dispute),
            ("resolve", self.can_resolve),
        ]
        return [name for name, allowed in offered if allowed]


def allowed_actions(order: Order, user: User) -> Actions:
    role = role_of(order, user) or "admin"
    buyer, seller = role == "buyer", role == "seller"
    pending = order.status is S.PENDING_PAYMENT
    pickup = order.fulfilment is Fulfilment.PICKUP
    delivered = order.status in (S.HANDED_OVER, S.SHIPPED)
    code_locked = order.handover_failures >= settings.handover_max_attempts
    code_time = pickup and order.status in (S.PAID, S.HANDED_OVER)
    return Actions(
        can_pay=buyer and pending and order.expires_at > utcnow(),
        buyer_can_cancel=buyer and pending,
        seller_can_cancel=seller and order.status in (S.PENDING_PAYMENT, S.PAID),
        show_code=buyer and code_time,
        can_hand_over=seller and code_time and not code_locked,
        code_locked=seller and pickup and code_locked,
        can_hand_over_without_code=seller and pickup and order.status is S.PAID,
        can_ship=seller and not pickup and order.status is S.PAID,
        can_confirm=buyer and delivered,
        can_dispute=buyer and delivered,
        can_resolve=role == "admin" and user.is_admin and order.status is S.DISPUTED,
        sees_share=not buyer,
    )
