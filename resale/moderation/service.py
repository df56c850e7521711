"""Reports and the moderation desk: anyone signed in reports a listing, a person or a
message (once per reporter and subject); admins see the open subjects ordered by how many
people reported them and act on them (dismiss, hide a listing, suspend a person, restore,
approve or reject a listing held for review at publishing). Every action is written to the
append-only moderation log, and each reporter is told the outcome once.

Other areas are reached only through their services: listings (hide, held listings),
users (suspend), conversations (who may read a message), orders (a suspended person's open
orders are cancelled, and refunded when paid, by ``orders_service.cancel``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from listings import service as listings_service
from listings.models import Listing
from resale.conversations import service as conversations_service
from resale.conversations.models import Message
from resale.core.db import insert_unless_present, lock_for_write, utcnow
from resale.core.errors import Conflict, InvalidInput, NotFound
from resale.core.i18n import N_
from resale.core.i18n import gettext as _
from resale.core.notifications import service as notifications
from resale.moderation.models import Action, ModerationEntry, Reason, Report, SubjectKind
from resale.trade.orders import service as orders_service
from resale.trade.orders.models import OrderStatus
from resale.trade.payments.gateway import PaymentGateway
from resale.users import service as users_service
from resale.users.models import User

MAX_NOTE = 1000
OUTCOME = "moderation.outcome"  # the notification kind: a report's outcome

# What each reporter is told (worded when read, in their language).
TOLD = {
    Action.DISMISS: N_(
        "Thank you for your report about “%(subject)s”. A moderator looked at it and "
        "found nothing against the rules."
    ),
    Action.HIDE: N_(
        "Thank you for your report about “%(subject)s”. A moderator has taken it down."
    ),
    Action.SUSPEND: N_(
        "Thank you for your report about “%(subject)s”. A moderator has suspended the "
        "account responsible."
    ),
}
HELD_APPROVED = N_("A moderator approved your listing “%(subject)s”: it is on sale now.")
HELD_REJECTED = N_(
    "A moderator did not approve your listing “%(subject)s”: it cannot be sold here."
)


class SubjectNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__(_("There is nothing to report with this id."), field="id")


class NotApplicable(Conflict):
    def __init__(self) -> None:
        super().__init__(_("This action does not apply here."), field="action")


# --- Reports ---------------------------------------------------------------------------


def _check_subject(session: Session, reporter: User, kind: SubjectKind, subject_id: int) -> None:
    """The subject exists and the reporter may see it; their own things cannot be reported."""
    if kind is SubjectKind.LISTING:
        try:
            listing = listings_service.get_visible_listing(
                session=session, listing_id=subject_id, viewer=reporter
            )
        except NotFound as exc:
            raise SubjectNotFound() from exc
        own = listing.seller_id == reporter.id
    elif kind is SubjectKind.USER:
        if users_service.get_user(session=session, user_id=subject_id) is None:
            raise SubjectNotFound()
        own = subject_id == reporter.id
    else:
        try:
            message = conversations_service.readable_message(
                session=session, message_id=subject_id, viewer=reporter
            )
        except NotFound as exc:
            raise SubjectNotFound() from exc
        own = message.sender_id == reporter.id
    if own:
        raise InvalidInput(_("You cannot report yourself or what is yours."), field="id")


def describe(*, session: Session, reporter: User, kind: SubjectKind, subject_id: int) -> str:
    """What the reporter is about to report, in a few words (checked as report() does)."""
    _check_subject(session, reporter, kind, subject_id)
    return _subject_name(session, kind, subject_id)


def report(
    *,
    session: Session,
    reporter: User,
    kind: SubjectKind,
    subject_id: int,
    reason: Reason,
    note: str = "",
) -> tuple[Report, bool]:
    """Report something; reporting it again answers the first report (False: not new)."""
    _check_subject(session, reporter, kind, subject_id)
    created = insert_unless_present(
        session,
        Report,
        {
            "reporter_id": reporter.id,
            "subject_kind": kind,
            "subject_id": subject_id,
            "reason": reason,
            "note": note.strip()[:MAX_NOTE],
            "created_at": utcnow(),
        },
    )
    found = session.exec(
        select(Report).where(
            Report.reporter_id == reporter.id,
            Report.subject_kind == kind,
            Report.subject_id == subject_id,
        )
    ).one()
    return found, created


def reported_by(
    *, session: Session, reporter: User, kind: SubjectKind, subject_id: int
) -> Report | None:
    return session.exec(
        select(Report).where(
            Report.reporter_id == reporter.id,
            Report.subject_kind == kind,
            Report.subject_id == subject_id,
        )
    ).first()


# --- The desk --------------------------------------------------------------------------


@dataclass
class Case:
    """One open subject on the desk, with what it is in context."""

    kind: SubjectKind
    subject_id: int
    reporters: int
    first_at: datetime
    reasons: list[Reason] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    title: str = ""  # the listing's title, the person's name, the message's text
    link: str | None = None
    photo_key: str | None = None
    person_id: int | None = None  # the seller, the person, the sender
    person_name: str = ""
    hidden: bool = False
    suspended: bool = False
    gone: bool = False  # the subject no longer exists


def queue(*, session: Session, limit: int = 100) -> list[Case]:
    """The open subjects, most distinct reporters first (then the longest waiting)."""
    reporters = sa.func.count(sa.distinct(col(Report.reporter_id)))
    first = sa.func.min(col(Report.created_at))
    rows = session.execute(
        sa.select(col(Report.subject_kind), col(Report.subject_id), reporters, first)
        .where(col(Report.resolved_at).is_(None))
        .group_by(col(Report.subject_kind), col(Report.subject_id))
        .order_by(reporters.desc(), first, col(Report.subject_id))
        .limit(limit)
    ).all()
    cases = [
        Case(kind=SubjectKind(kind), subject_id=sid, reporters=n, first_at=at)
        for kind, sid, n, at in rows
    ]
    _add_reports(session, cases)
    _add_context(session, cases)
    return cases


def _add_reports(session: Session, cases: Sequence[Case]) -> None:
    by_key = {(case.kind, case.subject_id): case for case in cases}
    if not by_key:
        return
    reports = session.exec(
        select(Report)
        .where(
            col(Report.resolved_at).is_(None),
            col(Report.subject_id).in_({case.subject_id for case in cases}),
        )
        .order_by(col(Report.id))
    ).all()
    for found in reports:
        case = by_key.get((found.subject_kind, found.subject_id))
        if case is None:
            continue
        if found.reason not in case.reasons:
            case.reasons.append(found.reason)
        if found.note:
            case.notes.append(found.note)


def _add_context(session: Session, cases: Sequence[Case]) -> None:
    """What each subject is, in one query per kind."""
    listing_ids = [c.subject_id for c in cases if c.kind is SubjectKind.LISTING]
    message_ids = [c.subject_id for c in cases if c.kind is SubjectKind.MESSAGE]
    listings = listings_service.get_listings(session=session, listing_ids=listing_ids)
    messages = (
        {
            m.id: m
            for m in session.exec(select(Message).where(col(Message.id).in_(message_ids))).all()
        }
        if message_ids
        else {}
    )
    people_ids = [c.subject_id for c in cases if c.kind is SubjectKind.USER] + [
        m.sender_id for m in messages.values()
    ]
    people = users_service.users_by_id(session=session, user_ids=people_ids)
    for case in cases:
        if case.kind is SubjectKind.LISTING:
            listing = listings.get(case.subject_id)
            if listing is None:
                case.gone = True
                continue
            case.title = listing.title
            case.link = f"/listings/{listing.id}"
            case.photo_key = listing.photos[0].key if listing.photos else None
            case.person_id = listing.seller_id
            case.person_name = listing.seller.display_name
            case.hidden = listing.hidden_at is not None
            case.suspended = listing.seller.suspended_at is not None
        elif case.kind is SubjectKind.USER:
            person = people.get(case.subject_id)
            if person is None:
                case.gone = True
                continue
            case.title = case.person_name = person.display_name
            case.person_id = person.id
            case.suspended = person.suspended_at is not None
        else:
            message = messages.get(case.subject_id)
            if message is None:
                case.gone = True
                continue
            case.title = message.body
            case.link = f"/messages/{message.conversation_id}#m{message.id}"
            case.person_id = message.sender_id
            sender = people.get(message.sender_id)
            case.person_name = sender.display_name if sender else ""
            case.suspended = bool(sender and sender.suspended_at is not None)


def held(*, session: Session) -> list[Listing]:
    """Listings held for review at publishing, oldest first."""
    return listings_service.held_listings(session=session)


def log(*, session: Session, limit: int = 50) -> list[ModerationEntry]:
    """The latest moderation actions, newest first."""
    return list(
        session.exec(
            select(ModerationEntry).order_by(col(ModerationEntry.id).desc()).limit(limit)
        ).all()
    )


# --- Acting ----------------------------------------------------------------------------


def _write(
    session: Session, moderator: User, action: Action, kind: SubjectKind, subject_id: int, why: str
) -> ModerationEntry:
    assert moderator.id is not None
    entry = ModerationEntry(
        moderator_id=moderator.id,
        action=action,
        subject_kind=kind,
        subject_id=subject_id,
        reason=why.strip()[:MAX_NOTE],
    )
    session.add(entry)
    session.flush()
    return entry


def _resolve(
    session: Session, action: Action, kind: SubjectKind, subject_id: int, subject: str
) -> int:
    """Close the subject's open reports with this outcome and tell each reporter once."""
    open_reports = session.exec(
        select(Report)
        .where(
            Report.subject_kind == kind,
            Report.subject_id == subject_id,
            col(Report.resolved_at).is_(None),
        )
        .with_for_update()
    ).all()
    now = utcnow()
    for found in open_reports:
        found.resolved_at = now
        found.outcome = action
        session.add(found)
        notifications.tell(
            session,
            found.reporter_id,
            OUTCOME,
            TOLD.get(action, TOLD[Action.DISMISS]),
            "/me/notifications",
            key=f"moderation.report.{found.id}",
            params={"subject": subject},
        )
    session.flush()
    return len(open_reports)


def _listing(session: Session, listing_id: int) -> Listing:
    try:
        return listings_service.get_listing(session=session, listing_id=listing_id)
    except NotFound as exc:
        raise SubjectNotFound() from exc


def _person(session: Session, user_id: int) -> User:
    person = users_service.get_user(session=session, user_id=user_id)
    if person is None:
        raise SubjectNotFound()
    return person


def _subject_name(session: Session, kind: SubjectKind, subject_id: int) -> str:
    if kind is SubjectKind.LISTING:
        return _listing(session, subject_id).title
    if kind is SubjectKind.USER:
        return _person(session, subject_id).display_name
    message = session.get(Message, subject_id)
    if message is None:
        raise SubjectNotFound()
    return message.body[:60]


def _owner_of(session: Session, kind: SubjectKind, subject_id: int) -> int:
    """Whose it is: the seller of a listing, the sender of a message, the person."""
    if kind is SubjectKind.LISTING:
        return _listing(session, subject_id).seller_id
    if kind is SubjectKind.MESSAGE:
        message = session.get(Message, subject_id)
        if message is None:
            raise SubjectNotFound()
        return message.sender_id
    return subject_id


def act(
    *,
    session: Session,
    moderator: User,
    kind: SubjectKind,
    subject_id: int,
    action: Action,
    reason: str = "",
    gateway: PaymentGateway,
) -> ModerationEntry:
    """One moderator action on a subject, logged; the subject's reporters are told."""
    lock_for_write(session)
    subject = _subject_name(session, kind, subject_id)
    if action is Action.DISMISS:
        entry = _write(session, moderator, action, kind, subject_id, reason)
        _resolve(session, action, kind, subject_id, subject)
    elif action is Action.HIDE:
        if kind is SubjectKind.LISTING:
            listings_service.hide(session=session, listing_id=subject_id)
        elif kind is not SubjectKind.MESSAGE:  # a message is not hidden: it stays evidence
            raise NotApplicable()
        entry = _write(session, moderator, action, kind, subject_id, reason)
        _resolve(session, action, kind, subject_id, subject)
    elif action is Action.SUSPEND:
        person = _person(session, _owner_of(session, kind, subject_id))
        if person.is_admin:
            raise NotApplicable()
        if not _suspend(session, person, gateway):
            raise NotApplicable()  # suspended already
        assert person.id is not None
        entry = _write(session, moderator, action, SubjectKind.USER, person.id, reason)
        _resolve(session, action, kind, subject_id, subject)
        if kind is not SubjectKind.USER:
            _resolve(session, action, SubjectKind.USER, person.id, person.display_name)
    elif action is Action.RESTORE:
        entry = _restore(session, moderator, kind, subject_id, reason)
    elif action in {Action.APPROVE, Action.REJECT}:
        entry = _review(session, moderator, kind, subject_id, action, reason, subject)
    else:  # pragma: no cover - every action is handled above
        raise NotApplicable()
    return entry


def _suspend(session: Session, person: User, gateway: PaymentGateway) -> bool:
    """No login, no message, nothing on sale, and open orders cancelled (refunded if paid);
    False if the person is suspended already."""
    if not users_service.suspend(session=session, user=person):
        return False
    assert person.id is not None and person.suspended_at is not None
    listings_service.hide_seller_listings(
        session=session, seller_id=person.id, at=person.suspended_at
    )
    cancellable = {OrderStatus.PENDING_PAYMENT, OrderStatus.PAID}
    for role in ("seller", "buyer"):
        for order in orders_service.orders_of(session=session, user=person, role=role):
            if order.status not in cancellable:
                continue
            # A buyer cancels only before paying; a paid order is called off by its seller,
            # which refunds the buyer.
            if role == "buyer" and order.status is OrderStatus.PAID:
                actor = _person(session, order.seller_id)
            else:
                actor = person
            orders_service.cancel(session=session, order=order, actor=actor, gateway=gateway)
    return True


def _restore(
    session: Session, moderator: User, kind: SubjectKind, subject_id: int, reason: str
) -> ModerationEntry:
    if kind is SubjectKind.LISTING:
        if not listings_service.unhide(session=session, listing_id=subject_id):
            raise NotApplicable()
    elif kind is SubjectKind.USER:
        person = _person(session, subject_id)
        at = person.suspended_at
        if at is None or not users_service.unsuspend(session=session, user=person):
            raise NotApplicable()
        listings_service.unhide_seller_listings(session=session, seller_id=subject_id, at=at)
    else:
        raise NotApplicable()
    return _write(session, moderator, Action.RESTORE, kind, subject_id, reason)


def _review(
    session: Session,
    moderator: User,
    kind: SubjectKind,
    subject_id: int,
    action: Action,
    reason: str,
    subject: str,
) -> ModerationEntry:
    if kind is not SubjectKind.LISTING:
        raise NotApplicable()
    listing = _listing(session, subject_id)
    if action is Action.APPROVE:
        done = listings_service.approve_held(session=session, listing_id=subject_id) is not None
    else:
        done = listings_service.reject_held(session=session, listing_id=subject_id)
    if not done:
        raise NotApplicable()
    entry = _write(session, moderator, action, kind, subject_id, reason)
    notifications.tell(
        session,
        listing.seller_id,
        OUTCOME,
        HELD_APPROVED if action is Action.APPROVE else HELD_REJECTED,
        f"/listings/{subject_id}",
        key=f"moderation.held.{entry.id}",
        params={"subject": subject},
    )
    return entry
