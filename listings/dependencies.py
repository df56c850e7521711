"""Dependencies that load a listing and check who may touch it, so no route repeats the check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from listings import service
from listings.models import Listing
from resale.core.db import SessionDep
from resale.core.fields import Id
from resale.users.dependencies import CurrentUser


def owned_listing(listing_id: Id, user: CurrentUser, session: SessionDep) -> Listing:
    """The listing, if the signed-in user is its seller (404 for others' drafts, else 403)."""
    return service.get_owned_listing(session=session, listing_id=listing_id, owner=user)


OwnedListing = Annotated[Listing, Depends(owned_listing)]
