"""What can go wrong with an order, and who may act on one."""

from __future__ import annotations

from typing import Literal

from resale.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from resale.core.i18n import gettext as _

Role = Literal["buyer", "seller"]
DisputeOutcome = Literal["refund", "release"]


class OrderNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__(_("No such order."))


class NotYourPart(PermissionDenied):
    pass


class WrongState(Conflict):
    pass


class PaymentProblem(Conflict):
    """The payment provider refused or could not be reached; nothing was changed."""

    status_code = 502


class WrongHandoverCode(InvalidInput):
    # The attempt itself is worth keeping (it counts towards the lock), so the request
    # commits what was recorded before this error instead of rolling it back.
    keep_changes = True
