"""Signed-in sessions: they live on the server and end by themselves.

The browser's cookie carries only a random token whose hash is stored (LoginSession), so
signing out, a password change, a reset or closing the account ends a session on the server.
A session also ends after it has not been used for a while and, however much it is used, some
time after signing in (programme settings): members' after 30 days unused and 180 days at most,
staff and admins' after 30 minutes unused and 12 hours at most. Its last use is written at most
once a minute, so reading pages does not write on every request.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.exc import OperationalError

from portal.clock import utcnow
from portal.database import changed_rows
from portal.extensions import db
from portal.models import LoginSession, Member, Notification
from portal.services.messaging.audit import record_audit
from portal.services.programme.settings import note_version, programme_settings, version_column

logger = logging.getLogger(__name__)

LAST_USE_PRECISION = timedelta(minutes=1)
# Ended sessions stay listed for the audit of a member's account this long, then go.
ENDED_SESSIONS_KEPT = timedelta(days=30)


@dataclass(frozen=True)
class SessionLifetime:
    idle: timedelta
    absolute: timedelta


def session_lifetime(member: Member) -> SessionLifetime:
    settings = programme_settings()
    if member.is_staff:
        return SessionLifetime(
            idle=timedelta(minutes=settings.staff_session_idle_minutes),
            absolute=timedelta(hours=settings.staff_session_max_hours),
        )
    return SessionLifetime(
        idle=timedelta(days=settings.member_session_idle_days),
        absolute=timedelta(days=settings.member_session_max_days),
    )


def ends_at(login_session: LoginSession) -> datetime:
    """When the session ends if it is not used again."""
    lifetime = session_lifetime(login_session.member)
    return min(
        login_session.last_seen_at + lifetime.idle, login_session.created_at + lifetime.absolute
    )


def is_live(login_session: LoginSession, *, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        login_session.revoked_at is None
        and login_session.member.is_active
        and not login_session.member.is_blocked
        and now < ends_at(login_session)
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    member: Member,
    *,
    user_agent: str | None,
    address: str | None = None,
    method: str = "password",
) -> str:
    """Record a signed-in browser and return the token its cookie will carry."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        LoginSession(
            token_hash=token_hash(token),
            member_id=member.id,
            user_agent=(user_agent or "")[:200] or None,
            ip_address=(address or "")[:45] or None,
            sign_in_method=method,
            created_at=now,
            last_seen_at=now,
        )
    )
    db.session.flush()
    record_audit("auth.sign_in", actor=member, target=member, details={"method": method})
    logger.info("session started for %r by %s", member, method)
    return token


def session_for_token(token: str | None) -> LoginSession | None:
    """The live session of this token, or None when it is unknown, ended or expired."""
    if not token:
        return None
    login_session = db.session.scalar(
        select(LoginSession).where(
            LoginSession.token_hash == token_hash(token), LoginSession.revoked_at.is_(None)
        )
    )
    if login_session is None or not is_live(login_session):
        return None
    return login_session


@dataclass(frozen=True)
class SignedIn:
    member: Member
    unread_notifications: int


# Built once: the live session by its token's hash, with the member, their tier (joined), their
# unread notifications (partial index ix_notifications_unread) and the settings' version.
_SIGNED_IN = select(
    LoginSession,
    select(func.count(Notification.id))
    .where(Notification.member_id == LoginSession.member_id, Notification.read_at.is_(None))
    .scalar_subquery(),
    version_column(),
).where(LoginSession.token_hash == bindparam("token_hash"), LoginSession.revoked_at.is_(None))


def signed_in(token: str | None, *, address: str | None = None) -> SignedIn | None:
    """The member signed in with this token and their unread notifications, noting the
    session's use (at most once a minute). One statement brings the session, the member, their
    tier, the unread count and the programme settings' version (see programme_settings())."""
    if not token:
        return None
    row = db.session.execute(_SIGNED_IN, {"token_hash": token_hash(token)}).first()
    if row is None:
        return None
    login_session, unread_count, version = row
    note_version(version)
    if not is_live(login_session):
        return None
    _note_use(login_session, address)
    return SignedIn(member=login_session.member, unread_notifications=int(unread_count))


def member_for_session(token: str | None, *, address: str | None = None) -> Member | None:
    """The member signed in with this token, noting the session's use (at most once a
    minute)."""
    found = signed_in(token, address=address)
    return found.member if found is not None else None


def _note_use(login_session: LoginSession, address: str | None) -> None:
    now = utcnow()
    if now - login_session.last_seen_at < LAST_USE_PRECISION:
        return
    try:
        # Best effort: on SQLite a page read may meet a concurrent writer; the next request
        # notes the use instead.
        with db.session.begin_nested():
            db.session.execute(
                update(LoginSession)
                .where(
                    LoginSession.id == login_session.id,
                    LoginSession.last_seen_at < now - LAST_USE_PRECISION,
                )
                .values(last_seen_at=now, ip_address=(address or "")[:45] or None)
                .execution_options(synchronize_session=False)
            )
    except OperationalError:
        logger.info("last use of session %d not noted this time", login_session.id)
        return
    login_session.last_seen_at = now
    if address:
        login_session.ip_address = address[:45]
    db.session.flush()


def live_sessions(member: Member) -> list[LoginSession]:
    """The member's sessions that have not ended, the latest used first."""
    rows = db.session.scalars(
        select(LoginSession)
        .where(LoginSession.member_id == member.id, LoginSession.revoked_at.is_(None))
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    ).all()
    now = utcnow()
    return [row for row in rows if is_live(row, now=now)]


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == token_hash(token), LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def end_login_session(login_session: LoginSession) -> None:
    """End one of the member's sessions (signing out a lost phone from the account page)."""
    if login_session.revoked_at is None:
        login_session.revoked_at = utcnow()
        db.session.flush()
        logger.info("session %d of %r ended by the member", login_session.id, login_session.member)


def end_all_sessions(member: Member, *, except_token: str | None = None) -> int:
    """End every session of the member (but the one of `except_token`); returns how many."""
    statement = (
        update(LoginSession)
        .where(LoginSession.member_id == member.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if except_token:
        statement = statement.where(LoginSession.token_hash != token_hash(except_token))
    return changed_rows(db.session.execute(statement))


def forget_ended_sessions(*, now: datetime | None = None) -> int:
    """`run-jobs`: delete sessions that ended (or were last used) more than 30 days ago; no
    lifetime is that long unused, so none of them could still be live."""
    now = now or utcnow()
    settings = programme_settings()
    unused_for = max(timedelta(days=settings.member_session_idle_days), ENDED_SESSIONS_KEPT)
    result = db.session.execute(
        delete(LoginSession).where(
            or_(
                LoginSession.revoked_at < now - ENDED_SESSIONS_KEPT,
                LoginSession.last_seen_at < now - unused_for - ENDED_SESSIONS_KEPT,
            )
        )
    )
    return changed_rows(result)
