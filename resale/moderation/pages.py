"""HTML pages: the report form (from a listing page or a conversation's message), the
moderation desk for admins (/admin/reports; anyone else: 404), and the report link this
area adds to listing pages."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from sqlmodel import Session

from listings import photos as photo_store
from listings.models import Listing
from resale.core import security, web
from resale.core.db import SessionDep
from resale.core.errors import NotFound, ResaleError
from resale.core.fields import Id
from resale.core.i18n import N_
from resale.core.i18n import gettext as _
from resale.core.web import FormDep
from resale.moderation import service
from resale.moderation.dependencies import Admin
from resale.moderation.models import Action, Reason, SubjectKind
from resale.trade.payments.dependencies import GatewayDep
from resale.users.dependencies import CurrentUser, page_router
from resale.users.models import User

router = page_router()

# What the moderation log on the desk calls each action and subject.
ACTION_LABELS = {
    Action.DISMISS: N_("Dismissed"),
    Action.HIDE: N_("Hidden"),
    Action.SUSPEND: N_("Suspended"),
    Action.RESTORE: N_("Restored"),
    Action.APPROVE: N_("Approved"),
    Action.REJECT: N_("Rejected"),
}
KIND_LABELS = {
    SubjectKind.LISTING: N_("listing"),
    SubjectKind.USER: N_("person"),
    SubjectKind.MESSAGE: N_("message"),
}


def _done_message(action: Action) -> str:
    return {
        Action.DISMISS: _("The reports are dismissed."),
        Action.HIDE: _("The listing is hidden."),
        Action.SUSPEND: _("The account is suspended."),
        Action.RESTORE: _("Restored."),
        Action.APPROVE: _("The listing is approved and on sale."),
        Action.REJECT: _("The listing is rejected."),
    }[action]


def _subject(value: str | None) -> SubjectKind:
    try:
        return SubjectKind(value or "")
    except ValueError as exc:
        raise NotFound(_("Not found")) from exc


def _back(kind: SubjectKind, subject_id: int, next_path: str | None) -> str:
    if next_path:
        return web.safe_next(next_path)
    return f"/listings/{subject_id}" if kind is SubjectKind.LISTING else "/"


def _form(
    *,
    kind: SubjectKind,
    subject_id: int,
    title: str,
    values: dict[str, str],
    errors: dict[str, str],
    done: bool = False,
) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "subject_id": subject_id,
        "title": title,
        "reasons": [(reason.value, reason.label) for reason in Reason],
        "values": values,
        "errors": errors,
        "done": done,
    }


@router.get("/report")
def report_page(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    subject: str | None = None,
    id: Id | None = None,
    next: str | None = None,
) -> Response:
    kind = _subject(subject)
    if id is None:
        raise NotFound(_("Not found"))
    title = service.describe(session=session, reporter=user, kind=kind, subject_id=id)
    already = service.reported_by(session=session, reporter=user, kind=kind, subject_id=id)
    values = {"next": web.safe_next(next) if next else ""}
    if already is not None:
        values |= {"reason": already.reason.value, "note": already.note}
    return web.render(
        request,
        "moderation/report.html",
        _form(
            kind=kind,
            subject_id=id,
            title=title,
            values=values,
            errors={},
            done=already is not None,
        ),
    )


@router.post("/report")
def report_submit(
    request: Request, user: CurrentUser, session: SessionDep, form: FormDep
) -> Response:
    values = web.form_values(form)
    kind = _subject(values.get("subject"))
    try:
        subject_id = int(values.get("id", ""))
    except ValueError as exc:
        raise NotFound(_("Not found")) from exc
    if not 1 <= subject_id < 2**31:
        raise NotFound(_("Not found"))
    title = service.describe(session=session, reporter=user, kind=kind, subject_id=subject_id)

    def context(errors: dict[str, str]) -> dict[str, Any]:
        return _form(kind=kind, subject_id=subject_id, title=title, values=values, errors=errors)

    try:
        reason = Reason(values.get("reason", ""))
    except ValueError:
        return web.form_failed(
            request, "moderation/report.html", context, {"reason": _("Choose a reason.")}
        )
    note = values.get("note", "").strip()
    if len(note) > service.MAX_NOTE:
        return web.form_failed(
            request,
            "moderation/report.html",
            context,
            {"note": _("Keep the note to %(count)s characters.") % {"count": service.MAX_NOTE}},
        )
    try:
        service.report(
            session=session,
            reporter=user,
            kind=kind,
            subject_id=subject_id,
            reason=reason,
            note=note,
        )
    except ResaleError as exc:
        return web.form_failed(request, "moderation/report.html", context, exc, session=session)
    return web.redirect(
        _back(kind, subject_id, values.get("next")),
        flash=_("Thank you. A moderator will look at your report; you will be told the outcome."),
    )


@router.get("/admin/reports")
def desk_page(request: Request, admin: Admin, session: SessionDep) -> Response:
    return web.render(
        request,
        "moderation/desk.html",
        {
            "cases": service.queue(session=session),
            "held": service.held(session=session),
            "entries": service.log(session=session, limit=20),
            "photo_url": photo_store.url,
            "admin": admin,
            "action_labels": {action.value: _(label) for action, label in ACTION_LABELS.items()},
            "kind_labels": {kind.value: _(label) for kind, label in KIND_LABELS.items()},
        },
    )


@router.post("/admin/reports/{subject}/{subject_id}")
def act_submit(
    subject: str,
    subject_id: Id,
    admin: Admin,
    session: SessionDep,
    form: FormDep,
    gateway: GatewayDep,
) -> Response:
    kind = _subject(subject)
    values = web.form_values(form)
    try:
        action = Action(values.get("action", ""))
    except ValueError:
        return web.redirect("/admin/reports", flash=_("Choose an action."), kind="error")
    reason = values.get("reason", "").strip()[: service.MAX_NOTE]
    try:
        service.act(
            session=session,
            moderator=admin,
            kind=kind,
            subject_id=subject_id,
            action=action,
            reason=reason,
            gateway=gateway,
        )
    except ResaleError as exc:
        return web.refused(session, exc, "/admin/reports")
    return web.redirect("/admin/reports", flash=_done_message(action))


def listing_report(
    *, request: Request, session: Session, viewer: User | None, listing: Listing
) -> str | None:
    """On a listing page: a link to report it, for anyone signed in but its seller."""
    if viewer is None or viewer.id == listing.seller_id or listing.hidden_at is not None:
        return None
    template = web.templates.env.get_template("moderation/_listing_report.html")
    return template.render(listing=listing, csrf_token=security.csrf_token(request))


def register() -> None:
    """What moderation adds to other areas' pages (called by the app)."""
    web.add_section("listing", listing_report)
