"""Accounts: registration, login tokens, profile."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from resale.core import security
from resale.core.config import settings
from resale.core.db import pause, utcnow
from resale.core.errors import Conflict, NotAuthenticated, PermissionDenied
from resale.core.geo import bounding_box, haversine_km, place_name_for
from resale.core.i18n import N_, gettext
from resale.users.models import AuthToken, TokenKind, User
from resale.users.schemas import HomeLocation, Language, ProfileUpdate, UserCreate
from resale.users.throttle import LoginThrottle

_USERS = User.__table__  # type: ignore[attr-defined]

WRONG_CREDENTIALS = N_("Wrong email or password.")


class Home(NamedTuple):
    """Where a person lives, as they set it: their point and its place name."""

    lat: float
    lon: float
    place_name: str | None

    @property
    def point(self) -> tuple[float, float]:
        return self.lat, self.lon


def home_of(user: User | None) -> Home | None:
    """The user's home (what "near me" and "My home" mean for them), if they set one."""
    if user is None or user.lat is None or user.lon is None:
        return None
    return Home(user.lat, user.lon, user.place_name)


def home_point(user: User | None) -> tuple[float, float] | None:
    """Just the point of ``home_of(user)``, for distances."""
    home = home_of(user)
    return home.point if home is not None else None


def homes_of(*, session: Session, user_ids: Sequence[int]) -> dict[int, Home]:
    """The homes of these people, for those who set one."""
    if not user_ids:
        return {}
    rows = session.execute(
        sa.select(_USERS.c.id, _USERS.c.lat, _USERS.c.lon, _USERS.c.place_name).where(
            _USERS.c.id.in_(list(user_ids)), _USERS.c.lat.is_not(None), _USERS.c.lon.is_not(None)
        )
    )
    return {int(i): Home(lat, lon, place) for i, lat, lon, place in rows}


def every_home(*, session: Session) -> list[tuple[int, float | None, float | None]]:
    """Every account's home point, (id, lat, lon), None where not set: one read of the
    table, for batch work (training the recommendation model)."""
    rows = session.execute(sa.select(_USERS.c.id, _USERS.c.lat, _USERS.c.lon))
    return [(int(i), lat, lon) for i, lat, lon in rows]


def living_near(
    *, session: Session, lat: float, lon: float, radius_km: float, except_id: int | None = None
) -> dict[int, float]:
    """Who lives within ``radius_km`` of a point: user id -> km from it."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_km)
    rows = session.execute(
        sa.select(_USERS.c.id, _USERS.c.lat, _USERS.c.lon).where(
            _USERS.c.id != (except_id if except_id is not None else -1),
            _USERS.c.lat.between(min_lat, max_lat),
            _USERS.c.lon.between(min_lon, max_lon),
        )
    )
    near = {}
    for user_id, home_lat, home_lon in rows:
        km = haversine_km(lat, lon, home_lat, home_lon)
        if km <= radius_km:
            near[int(user_id)] = km
    return near


class EmailTaken(Conflict):
    def __init__(self) -> None:
        super().__init__(gettext("An account with this email already exists."), field="email")


class WrongCredentials(NotAuthenticated):
    def __init__(self) -> None:
        super().__init__(gettext(WRONG_CREDENTIALS))


class AccountSuspended(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(
            gettext("This account is suspended by a moderator; it cannot be used to sign in.")
        )


def normalize_email(email: str) -> str:
    return email.strip().lower()


def get_by_email(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalize_email(email))).first()


def _apply_location(user: User, location: HomeLocation) -> None:
    if location.lat is None or location.lon is None:
        user.place_name, user.lat, user.lon = None, None, None
        return
    user.lat, user.lon = location.lat, location.lon
    user.place_name = location.place or place_name_for(location.lat, location.lon)


def register(*, session: Session, data: UserCreate) -> User:
    """Create an account; the email must not be taken (in any letter case)."""
    email = normalize_email(str(data.email))
    # Hashed before the first query: on SQLite a write transaction holds the write lock
    # from its first statement, and argon2 is slow on purpose.
    password_hash = security.hash_password(data.password)
    if get_by_email(session=session, email=email) is not None:
        raise EmailTaken()
    user = User(
        email=email,
        password_hash=password_hash,
        display_name=data.display_name,
    )
    _apply_location(user, data)
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except sa.exc.IntegrityError as exc:  # a concurrent registration won the race
        raise EmailTaken() from exc
    return user


def authenticate(
    *, session: Session, email: str, password: str, throttle: LoginThrottle, address: str | None
) -> User:
    """The user with these credentials; the error never says which of the two was wrong.

    A throttled attempt (too many failures for the account or from ``address``) is refused
    with TooManyAttempts before argon2 runs. No transaction is open while the throttle counts
    (its own short transactions) or while argon2 runs: on SQLite this session is a writer
    holding the write lock from its first statement.
    """
    pause(session)
    attempt = throttle.begin(normalize_email(email), address)
    try:
        user = get_by_email(session=session, email=email)
        pause(session)
        right = security.verify_password(password, user.password_hash if user else None)
    except BaseException:
        attempt.give_back()
        raise
    if not right or user is None:
        raise WrongCredentials()  # the attempt's hits stay: they count this failure
    attempt.succeeded()
    if user.suspended_at is not None:
        raise AccountSuspended()
    if security.password_needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
        session.add(user)
    return user


def issue_token(*, session: Session, user: User, kind: TokenKind) -> tuple[str, int]:
    """A new login token for ``user`` and its lifetime in seconds; only its digest is stored."""
    days = settings.session_days if kind is TokenKind.SESSION else settings.api_token_days
    token = security.new_token()
    lifetime = timedelta(days=days)
    assert user.id is not None
    session.add(
        AuthToken(
            token_hash=security.token_digest(token),
            user_id=user.id,
            kind=kind,
            expires_at=utcnow() + lifetime,
        )
    )
    session.flush()
    return token, int(lifetime.total_seconds())


def user_for_token(*, session: Session, token: str, kind: TokenKind) -> User | None:
    """The user a live token of this kind belongs to, or None."""
    row = session.exec(
        select(User)
        .join(AuthToken, col(AuthToken.user_id) == col(User.id))
        .where(
            AuthToken.token_hash == security.token_digest(token),
            AuthToken.kind == kind,
            col(AuthToken.expires_at) > utcnow(),
            col(User.suspended_at).is_(None),  # a suspension ends every session and token
        )
    ).first()
    return row


def revoke_token(*, session: Session, token: str) -> None:
    """Log out: the token stops working at once."""
    session.execute(
        sa.delete(AuthToken).where(col(AuthToken.token_hash) == security.token_digest(token))
    )


def get_user(*, session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def users_by_id(*, session: Session, user_ids: Sequence[int]) -> dict[int, User]:
    """Several people by id, in one query (for list pages)."""
    if not user_ids:
        return {}
    rows = session.exec(select(User).where(col(User.id).in_(set(user_ids)))).all()
    return {row.id: row for row in rows if row.id is not None}


def suspend(*, session: Session, user: User) -> bool:
    """Suspend an account (the moderation desk): its logins end and no new one is allowed;
    False if it is suspended already."""
    now = utcnow()
    # One conditional UPDATE: of two moderators at once, one suspends.
    done = session.execute(
        sa.update(User)
        .where(col(User.id) == user.id, col(User.suspended_at).is_(None))
        .values(suspended_at=now)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        session.refresh(user)
        return False
    user.suspended_at = now
    session.execute(sa.delete(AuthToken).where(col(AuthToken.user_id) == user.id))
    session.flush()
    return True


def unsuspend(*, session: Session, user: User) -> bool:
    """Lift a suspension; False if there was none."""
    done = session.execute(
        sa.update(User)
        .where(col(User.id) == user.id, col(User.suspended_at).is_not(None))
        .values(suspended_at=None)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        session.refresh(user)
        return False
    user.suspended_at = None
    return True


def set_language(*, session: Session, user: User, language: Language | None) -> None:
    """The interface language ``user`` chose (None: their browser's)."""
    user.language = language
    session.add(user)
    session.flush()


def remove_expired_tokens(*, session: Session) -> int:
    """Forget logins past their end: they no longer work, and only clutter the table."""
    result = session.execute(sa.delete(AuthToken).where(col(AuthToken.expires_at) <= utcnow()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def update_profile(*, session: Session, user: User, data: ProfileUpdate) -> User:
    """Change the display name, the interface language, the home location and, when
    given, whether notifications also come by e-mail."""
    user.display_name = data.display_name
    user.language = data.language
    if data.email_notifications is not None:
        user.email_notifications = data.email_notifications
    _apply_location(user, data)
    session.add(user)
    session.flush()
    return user


def email_recipients() -> sa.Select[tuple[int, str, str, str | None]]:
    """Who takes notifications by e-mail too: (id, email, name, language) of each, as a
    query for the e-mail job (resale.core.notifications.jobs) to join."""
    return sa.select(
        _USERS.c.id.label("id"),
        _USERS.c.email.label("email"),
        _USERS.c.display_name.label("name"),
        _USERS.c.language.label("language"),
    ).where(_USERS.c.email_notifications)
