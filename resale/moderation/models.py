# No `from __future__ import annotations`: SQLModel resolves column types at runtime.
"""What is stored of moderation: reports (one per reporter and subject) and the
moderation log, which is append-only (the ORM refuses an edit, and so do the database's
triggers from migration 0017)."""

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from resale.core.db import UTCDateTime, str_enum, utcnow
from resale.core.i18n import N_, gettext


class SubjectKind(enum.StrEnum):
    LISTING = "listing"
    USER = "user"
    MESSAGE = "message"


class Reason(enum.StrEnum):
    SCAM = "scam"
    PROHIBITED = "prohibited"
    COUNTERFEIT = "counterfeit"
    OFFENSIVE = "offensive"
    WRONG_CATEGORY = "wrong_category"
    OTHER = "other"

    @property
    def label(self) -> str:
        return gettext(REASON_LABELS[self])


REASON_LABELS = {
    Reason.SCAM: N_("Scam or fraud"),
    Reason.PROHIBITED: N_("Prohibited item"),
    Reason.COUNTERFEIT: N_("Counterfeit"),
    Reason.OFFENSIVE: N_("Offensive"),
    Reason.WRONG_CATEGORY: N_("Wrong category"),
    Reason.OTHER: N_("Something else"),
}


class Action(enum.StrEnum):
    DISMISS = "dismiss"
    HIDE = "hide"
    SUSPEND = "suspend"
    RESTORE = "restore"
    APPROVE = "approve"
    REJECT = "reject"


class Report(SQLModel, table=True):
    """One person's report of one thing; reporting it again answers this one."""

    __tablename__ = "reports"
    __table_args__ = (
        sa.UniqueConstraint("reporter_id", "subject_kind", "subject_id"),
        sa.Index("ix_reports_subject_kind_subject_id", "subject_kind", "subject_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reporter_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    subject_kind: SubjectKind = Field(sa_type=str_enum(SubjectKind, "report_subject"))
    subject_id: int
    reason: Reason = Field(sa_type=str_enum(Reason, "report_reason"))
    note: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set when a moderator acts on its subject; the action taken is the outcome.
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: Action | None = Field(
        default=None, sa_type=str_enum(Action, "report_outcome"), nullable=True
    )


class ModerationEntry(SQLModel, table=True):
    """One moderator action: who, when, what, on which subject, and why. Never changed."""

    __tablename__ = "moderation_log"
    __table_args__ = (sa.Index("ix_moderation_log_subject", "subject_kind", "subject_id"),)

    id: int | None = Field(default=None, primary_key=True)
    moderator_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("users.id", ondelete="RESTRICT"), nullable=False)
    )
    action: Action = Field(sa_type=str_enum(Action, "moderation_action"))
    subject_kind: SubjectKind = Field(sa_type=str_enum(SubjectKind, "moderation_subject"))
    subject_id: int
    reason: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LogIsAppendOnly(RuntimeError):
    """Raised when code tries to edit or delete a moderation log entry."""


@sa.event.listens_for(ModerationEntry, "before_update")
def _no_update(_mapper: Any, _connection: Any, target: ModerationEntry) -> None:
    raise LogIsAppendOnly(f"moderation entry {target.id} cannot be changed")


@sa.event.listens_for(ModerationEntry, "before_delete")
def _no_delete(_mapper: Any, _connection: Any, target: ModerationEntry) -> None:
    raise LogIsAppendOnly(f"moderation entry {target.id} cannot be deleted")
