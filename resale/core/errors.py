"""Domain errors carry their HTTP status; one handler renders them for the API and for pages."""

from __future__ import annotations

from typing import Any

from resale.core.i18n import gettext as _


class ResaleError(Exception):
    """An expected failure with a message meant for the person who caused it."""

    status_code = 400
    location = "body"  # where ``field`` was sent: "body" or "query"
    # True for the rare error whose request must still commit what it recorded
    # (a wrong hand-over code counts towards locking the code).
    keep_changes = False
    # Seconds to wait before trying again, sent as Retry-After (429, 503).
    retry_after: int | None = None

    def __init__(self, message: str, *, field: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if status_code is not None:
            self.status_code = status_code

    def detail(self) -> Any:
        """The JSON ``detail``: shaped like FastAPI's validation errors when a field is named."""
        if self.field is None:
            return self.message
        return [
            {"loc": [self.location, self.field], "msg": self.message, "type": type(self).__name__}
        ]

    def headers(self) -> dict[str, str]:
        """The response headers this error asks for."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


class InvalidInput(ResaleError):
    status_code = 422


class NotAuthenticated(ResaleError):
    status_code = 401

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message if message is not None else _("Please log in to continue."))


class PermissionDenied(ResaleError):
    status_code = 403


class NotFound(ResaleError):
    status_code = 404


class Conflict(ResaleError):
    status_code = 409


class CsrfFailed(ResaleError):
    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            _(
                "This form had expired or came from somewhere else. Please reload the page and"
                " try again."
            )
        )


def is_api_request(path: str) -> bool:
    return path.startswith("/api/")
