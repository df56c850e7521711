"""What goes wrong with a review, said to the person who caused it."""

from __future__ import annotations

from resale.core.errors import Conflict, NotFound, PermissionDenied
from resale.core.i18n import gettext as _


class OrderNotReviewable(NotFound):
    """Not an order of yours (or no such order): told it does not exist."""

    def __init__(self) -> None:
        super().__init__(_("No such order."), field="order_id")


class NotAParty(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(
            _("Only the buyer and the seller of an order review each other."), field="order_id"
        )


class NotCompleted(Conflict):
    def __init__(self, *, refunded: bool) -> None:
        super().__init__(
            _("A refunded order was no sale: it cannot be reviewed.")
            if refunded
            else _("You can review this trade once the order is completed."),
            field="order_id",
        )


class ReviewWindowClosed(Conflict):
    def __init__(self, days: int) -> None:
        super().__init__(
            _("The %(days)s days to review this trade are over.") % {"days": days},
            field="order_id",
        )


class AlreadyReviewed(Conflict):
    def __init__(self) -> None:
        super().__init__(_("You have already reviewed this trade."), field="order_id")


class ReviewNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__(_("No such review."), field="review_id")


class NotYourReview(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(_("Only the person a review is about may answer it."), field="review_id")


class AlreadyAnswered(Conflict):
    def __init__(self) -> None:
        super().__init__(_("You have already answered this review."), field="review_id")


class AdminsOnly(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(_("Only an admin may hide a review."), field="review_id")


class AlreadyHidden(Conflict):
    def __init__(self) -> None:
        super().__init__(_("This review is already hidden."), field="review_id")


class ProfileNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__(_("No such member."), field="user_id")
