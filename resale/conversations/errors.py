"""What goes wrong in a conversation, said to the person who caused it."""

from __future__ import annotations

from resale.core.errors import Conflict, NotFound, PermissionDenied, ResaleError
from resale.core.i18n import gettext as _


class ConversationNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__(_("No such conversation."), field="conversation_id")


class Blocked(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(
            _("You cannot message this person: one of you has blocked the other."),
            field="conversation_id",
        )


class TooManyMessages(ResaleError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OfferClosed(Conflict):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="offer_id")


class SenderSuspended(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(_("Your account is suspended by a moderator: you cannot send messages."))


class MessageNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__(_("No such message."), field="id")
