from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from resale.core.db import UTCDateTime, str_enum, utcnow


class UserBase(SQLModel):
    display_name: str = Field(max_length=50)
    place_name: str | None = Field(default=None, max_length=80)


class User(UserBase, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    # Stored lower-cased, so the unique constraint makes email case-insensitive.
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=255)
    lat: float | None = Field(default=None)
    lon: float | None = Field(default=None)
    is_admin: bool = Field(default=False)
    # The interface language they chose (resale.core.i18n.LANGUAGES); None: their browser's.
    language: str | None = Field(default=None, max_length=8)
    # Notifications also by e-mail (when the site sends e-mail); they always stay in-app.
    email_notifications: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set by the moderation desk: no login, no session or token works, no messages.
    suspended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None


class TokenKind(enum.StrEnum):
    SESSION = "session"  # browser cookie
    API = "api"  # OAuth2 bearer token


class AuthToken(SQLModel, table=True):
    """A login: the browser's session or an API bearer token. Only a hash of the token is kept."""

    __tablename__ = "auth_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    kind: TokenKind = Field(sa_type=str_enum(TokenKind, "token_kind"))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
