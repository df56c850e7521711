"""The desk's viewer: an admin; anyone else is told the page does not exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from resale.core.errors import NotFound
from resale.core.i18n import gettext as _
from resale.users.dependencies import OptionalUser
from resale.users.models import User


def admin_user(user: OptionalUser) -> User:
    if user is None or not user.is_admin:
        raise NotFound(_("Not found"))
    return user


Admin = Annotated[User, Depends(admin_user)]
