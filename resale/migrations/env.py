"""Alembic environment: runs migrations against the configured (or given) database."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlmodel import SQLModel

import carbon.models  # noqa: F401  (register the tables on SQLModel.metadata)
import listings.models  # noqa: F401
import resale.conversations.models
import resale.core.notifications.models
import resale.core.ratelimit.models
import resale.moderation.models
import resale.trade.orders.models
import resale.trade.payments.models
import resale.trust.models
import resale.users.models  # noqa: F401
from resale.core.db import UTCDateTime, make_engine
from resale.migrations import include_object

config = context.config
target_metadata = SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Our UTC type is plain TIMESTAMP WITH TIME ZONE in the database.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and type(obj).__name__ == "AutoString":  # SQLModel's str column
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=config.attributes.get("url") or str(make_engine().url),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(config.attributes.get("url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=render_item,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
