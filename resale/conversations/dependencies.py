"""The conversation a path names, as its viewer may see it (404 for anyone else)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from resale.conversations import service
from resale.conversations.models import Conversation
from resale.core.db import SessionDep
from resale.core.fields import Id
from resale.users.dependencies import CurrentUser


def visible_conversation(
    conversation_id: Id, user: CurrentUser, session: SessionDep
) -> Conversation:
    return service.get_conversation(session=session, conversation_id=conversation_id, viewer=user)


VisibleConversation = Annotated[Conversation, Depends(visible_conversation)]
