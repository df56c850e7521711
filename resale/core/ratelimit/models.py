from __future__ import annotations

from sqlmodel import Field, SQLModel


class RateLimitCounter(SQLModel, table=True):
    """One fixed window of one `limits` key: its hits and when the window ends."""

    __tablename__ = "rate_limit_counters"

    key: str = Field(primary_key=True, max_length=255)
    hits: int
    # Seconds since the epoch, as `limits` counts time; indexed for removing ended windows.
    expires_at: float = Field(index=True)
