"""The order state machine: claim, pay, hand over or ship, confirm, complete, cancel, refund.

The area's public face for pages, routes and other areas (``from resale.trade.orders import
service as orders_service``). The work is done in modules of one job each: reading, actions (who may do what now),
state (the lock/record/move primitives), transitions, payment_events, sweep, wording and
trade_carbon; this module only names what others may call.
"""

from resale.trade.orders.actions import Actions, allowed_actions
from resale.trade.orders.errors import (
    DisputeOutcome,
    NotYourPart,
    OrderNotFound,
    PaymentProblem,
    Role,
    WrongHandoverCode,
    WrongState,
)
from resale.trade.orders.payment_events import (
    payment_failed,
    payment_refunded,
    payment_succeeded,
    start_payment,
)
from resale.trade.orders.reading import (
    Purchase,
    TradeCounts,
    TradeFacts,
    TradeLine,
    completed_counts,
    delivery_address,
    delivery_city,
    events_of,
    get_order,
    last_order_id,
    latest_order_between,
    listings_for,
    open_order_for_listing,
    order_for_payment,
    orders_of,
    purchases,
    role_of,
    trade_facts,
    trade_lines,
)
from resale.trade.orders.sweep import SweepReport, sweep
from resale.trade.orders.trade_carbon import carbon_share, credit_carbon, trade_estimate
from resale.trade.orders.transitions import (
    buy,
    cancel,
    confirm,
    dispute,
    hand_over,
    place_order,
    resolve_dispute,
    ship,
)
from resale.trade.orders.wording import next_step

__all__ = [
    "Actions",
    "DisputeOutcome",
    "NotYourPart",
    "OrderNotFound",
    "PaymentProblem",
    "Purchase",
    "Role",
    "SweepReport",
    "TradeCounts",
    "TradeFacts",
    "TradeLine",
    "WrongHandoverCode",
    "WrongState",
    "allowed_actions",
    "buy",
    "cancel",
    "carbon_share",
    "completed_counts",
    "confirm",
    "credit_carbon",
    "delivery_address",
    "delivery_city",
    "dispute",
    "events_of",
    "get_order",
    "hand_over",
    "last_order_id",
    "latest_order_between",
    "listings_for",
    "next_step",
    "open_order_for_listing",
    "order_for_payment",
    "orders_of",
    "payment_failed",
    "payment_refunded",
    "payment_succeeded",
    "place_order",
    "purchases",
    "resolve_dispute",
    "role_of",
    "ship",
    "start_payment",
    "sweep",
    "trade_estimate",
    "trade_facts",
    "trade_lines",
]
