"""JSON API: reporting (anyone signed in) and the moderation desk (admins, under
/api/v1/admin; anyone else is answered 404)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlmodel import Session

from resale.core.db import SessionDep
from resale.core.fields import Id
from resale.moderation import service
from resale.moderation.dependencies import Admin
from resale.moderation.models import ModerationEntry, Report, SubjectKind
from resale.moderation.schemas import (
    ActionIn,
    CaseOut,
    EntryOut,
    HeldOut,
    ReportIn,
    ReportOut,
)
from resale.trade.payments.dependencies import GatewayDep
from resale.users.dependencies import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["moderation"])


def report_out(found: Report) -> ReportOut:
    assert found.id is not None
    return ReportOut(
        id=found.id,
        subject=found.subject_kind,
        subject_id=found.subject_id,
        reason=found.reason,
        note=found.note,
        created_at=found.created_at,
        resolved_at=found.resolved_at,
        outcome=found.outcome,
    )


def entry_out(entry: ModerationEntry) -> EntryOut:
    assert entry.id is not None
    return EntryOut(
        id=entry.id,
        moderator_id=entry.moderator_id,
        action=entry.action,
        subject=entry.subject_kind,
        subject_id=entry.subject_id,
        reason=entry.reason,
        created_at=entry.created_at,
    )


@router.post(
    "/reports",
    status_code=201,
    response_model=ReportOut,
    responses={200: {"model": ReportOut, "description": "Reported before: that report"}},
)
def report(body: ReportIn, user: CurrentUser, session: SessionDep, response: Response) -> ReportOut:
    """Report a listing, a person or a message (one you can read). Reporting the same thing
    again answers the first report, 200."""
    found, created = service.report(
        session=session,
        reporter=user,
        kind=body.subject,
        subject_id=body.id,
        reason=body.reason,
        note=body.note,
    )
    if not created:
        response.status_code = 200
    return report_out(found)


def _cases(session: Session) -> list[CaseOut]:
    return [
        CaseOut(
            subject=case.kind,
            id=case.subject_id,
            reporters=case.reporters,
            reasons=case.reasons,
            notes=case.notes,
            title=case.title,
            link=case.link,
            person_id=case.person_id,
            person_name=case.person_name,
            hidden=case.hidden,
            suspended=case.suspended,
        )
        for case in service.queue(session=session)
    ]


@router.get("/admin/reports", response_model=list[CaseOut])
def desk(_admin: Admin, session: SessionDep) -> list[CaseOut]:
    """The open subjects, the most distinct reporters first."""
    return _cases(session)


@router.get("/admin/held-listings", response_model=list[HeldOut])
def held(_admin: Admin, session: SessionDep) -> list[HeldOut]:
    """Listings held for review at publishing (they named a prohibited item)."""
    return [
        HeldOut(
            id=listing.id or 0,
            title=listing.title,
            seller_id=listing.seller_id,
            held_at=listing.held_at,
            held_reason=listing.held_reason,
        )
        for listing in service.held(session=session)
        if listing.held_at is not None
    ]


@router.get("/admin/moderation-log", response_model=list[EntryOut])
def moderation_log(_admin: Admin, session: SessionDep) -> list[EntryOut]:
    """The latest moderation actions, newest first."""
    return [entry_out(entry) for entry in service.log(session=session)]


@router.post("/admin/{subject}/{subject_id}/actions", status_code=201, response_model=EntryOut)
def act(
    subject: SubjectKind,
    subject_id: Id,
    body: ActionIn,
    admin: Admin,
    session: SessionDep,
    gateway: GatewayDep,
) -> EntryOut:
    """Act on a subject: dismiss its reports, hide a listing, suspend a person (or the
    seller or sender of what is reported), restore, approve or reject a held listing."""
    entry = service.act(
        session=session,
        moderator=admin,
        kind=subject,
        subject_id=subject_id,
        action=body.action,
        reason=body.reason,
        gateway=gateway,
    )
    return entry_out(entry)
