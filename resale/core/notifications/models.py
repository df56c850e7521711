# No `from __future__ import annotations`: SQLModel resolves column types at runtime.
"""What is stored of a notification: its kind, who it is for, a link, the text, when seen."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from resale.core.db import UTCDateTime, utcnow


class Notification(SQLModel, table=True):
    """Something one person is told: "listing.match" (a new listing for a buyer), and so on.

    Core knows no area: the subject is a link (a URL path such as /listings/12) and the
    area that tells chooses the kind, the text and the dedupe key.
    """

    __tablename__ = "notices"
    __table_args__ = (
        # a key is told once per recipient: a re-run adds nothing (NULL keys never clash)
        sa.UniqueConstraint("recipient_id", "key"),
        sa.Index("ix_notices_recipient_id_created_at", "recipient_id", "created_at"),
        # the e-mail job reads the recent ones (notifications.jobs)
        sa.Index("ix_notices_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # "users.id" by name: core does not import the users area.
    recipient_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=50)
    link: str = Field(max_length=300)
    # The message in English with %(name)s placeholders, translated when it is read
    # (service.wording), and the values that fill it.
    text: str = Field(max_length=300)
    params: dict[str, str] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    key: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # E-mail (notifications.mail): when it was handed to the SMTP server (set as the job
    # claims it, so no other run sends it too), how often that was tried, and when a failed
    # try may be made again.
    emailed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    email_attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    email_retry_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
