"""API input and output for reports and the moderation desk."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from resale.core.fields import BoundedText, Id
from resale.moderation.models import Action, Reason, SubjectKind
from resale.moderation.service import MAX_NOTE

Note = Annotated[str, BoundedText(0, MAX_NOTE, one_line=False)]


class ReportIn(BaseModel):
    subject: Annotated[SubjectKind, Field(description="What is reported")]
    id: Annotated[Id, Field(description="The listing's, the person's or the message's id")]
    reason: Reason
    note: Annotated[Note, Field(description="What is wrong, in a few words (optional)")] = ""


class ReportOut(BaseModel):
    id: int
    subject: SubjectKind
    subject_id: int
    reason: Reason
    note: str
    created_at: datetime
    resolved_at: datetime | None
    outcome: Action | None


class CaseOut(BaseModel):
    subject: SubjectKind
    id: int
    reporters: int = Field(description="How many different people reported it")
    reasons: list[Reason]
    notes: list[str]
    title: str = Field(description="The listing's title, the person's name or the message")
    link: str | None
    person_id: int | None = Field(description="The seller, the person, or the sender")
    person_name: str
    hidden: bool
    suspended: bool


class HeldOut(BaseModel):
    id: int
    title: str
    seller_id: int
    held_at: datetime
    held_reason: str | None


class ActionIn(BaseModel):
    action: Action
    reason: Annotated[Note, Field(description="Why, for the moderation log")] = ""


class EntryOut(BaseModel):
    id: int
    moderator_id: int
    action: Action
    subject: SubjectKind
    subject_id: int
    reason: str
    created_at: datetime
