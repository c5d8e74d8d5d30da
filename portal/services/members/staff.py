"""Staff and admin accounts, run by admins: invite by mail, change the role, deactivate and
reactivate. Each change is written to the audit log with its value before and after.

An invited account has no usable password until its holder follows the invitation link, which
works once (it names the password it replaces) and for STAFF_INVITE_MAX_AGE seconds (3 days).
The programme always keeps one active admin: the last one cannot be deactivated or made staff,
and nobody deactivates or re-roles themselves (another admin does it).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import LoginSession, Member
from portal.services.members import accounts
from portal.services.members.sessions import end_all_sessions
from portal.services.messaging.audit import record_audit
from portal.services.messaging.mail import queue_mail
from portal.services.programme.refusals import Conflict

logger = logging.getLogger(__name__)

STAFF_ROLES = ("staff", "admin")
# Stored instead of a hash: argon2 cannot read it, so no password signs in with it.
NO_PASSWORD_PREFIX = "!invited:"  # noqa: S105 - marks a missing password, not a secret


class EmailInUse(Conflict):
    code = "email_in_use"


class OwnAccount(Conflict):
    """An admin may not deactivate their own account or change their own role."""

    code = "own_account"


class LastAdmin(Conflict):
    """The programme would be left without an active admin."""

    code = "last_admin"


class NotStaff(Conflict):
    code = "not_staff"


@dataclass
class StaffAccount:
    member: Member
    last_sign_in_at: datetime | None

    @property
    def invited(self) -> bool:
        """Invited, and the link not followed yet."""
        return self.member.password_hash.startswith(NO_PASSWORD_PREFIX)


def staff_accounts() -> list[StaffAccount]:
    """Every staff and admin account, admins first, with its last sign-in (one query)."""
    last_sign_in = (
        select(LoginSession.member_id, func.max(LoginSession.created_at).label("at"))
        .group_by(LoginSession.member_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Member, last_sign_in.c.at)
        .outerjoin(last_sign_in, last_sign_in.c.member_id == Member.id)
        .where(Member.role.in_(STAFF_ROLES))
        .order_by(Member.role, Member.name, Member.id)
    ).all()
    return [StaffAccount(member=member, last_sign_in_at=at) for member, at in rows]


def _active_admins() -> int:
    return (
        db.session.scalar(
            select(func.count(Member.id)).where(
                Member.role == "admin", Member.deactivated_at.is_(None)
            )
        )
        or 0
    )


def _invitation_token(member: Member) -> str:
    return accounts.signed_link("staff-invite", member)


def invite_staff(*, name: str, email: str, role: str, admin: Member) -> Member:
    """Create a staff (or admin) account without a usable password and mail its holder a link
    to choose one."""
    if role not in STAFF_ROLES:
        raise ValueError(f"role is one of {STAFF_ROLES}")
    email = accounts.normalise_email(email)
    if accounts.find_member_by_email(email) is not None or db.session.scalar(
        select(Member.id).where(Member.email == email)
    ):
        raise EmailInUse(errors={"email": "in_use"})
    member = Member(
        name=name.strip(),
        email=email,
        password_hash=NO_PASSWORD_PREFIX + secrets.token_urlsafe(24),
        role=role,
        card_number=accounts.cards.new_card_number(),
        referral_code=accounts.cards.new_referral_code(),
        created_at=utcnow(),
    )
    db.session.add(member)
    db.session.flush()
    queue_mail(
        member.email,
        "staff_invitation",
        member=member,
        inviter=admin,
        token=_invitation_token(member),
        valid_days=current_app.config["STAFF_INVITE_MAX_AGE"] // 86400,
    )
    record_audit(
        "staff.invite",
        actor=admin,
        target=member,
        summary=f"{member.email} invited as {role}",
        details={"email": member.email, "before": None, "after": role},
    )
    logger.info("%r invited as %s by %r", member, role, admin)
    return member


def member_for_invitation(token: str) -> Member:
    """The invited account of a link; TokenInvalid when the link is tampered with, too old or
    already used (a password has been chosen since)."""
    return accounts.member_for_signed_link(
        "staff-invite", token, max_age_setting="STAFF_INVITE_MAX_AGE"
    )


def accept_invitation(token: str, password: str) -> Member:
    """Set the password chosen through an invitation link; the link then stops working."""
    member = member_for_invitation(token)
    if member.deactivated_at is not None:
        raise accounts.TokenInvalid
    accounts.set_password(member, password)
    member.email_verified_at = member.email_verified_at or utcnow()
    db.session.flush()
    record_audit("staff.accept", actor=member, target=member, summary=member.email)
    return member


def _check_can_change(member: Member, *, admin: Member) -> None:
    if member.role not in STAFF_ROLES:
        raise NotStaff
    if member.id == admin.id:
        raise OwnAccount


def change_staff_role(member: Member, role: str, *, admin: Member) -> bool:
    """Make a staff account an admin or an admin staff; False when it already had the role."""
    if role not in STAFF_ROLES:
        raise ValueError(f"role is one of {STAFF_ROLES}")
    _check_can_change(member, admin=admin)
    before = member.role
    if before == role:
        return False
    if before == "admin" and member.deactivated_at is None and _active_admins() <= 1:
        raise LastAdmin
    member.role = role
    db.session.flush()
    record_audit(
        "staff.role_change",
        actor=admin,
        target=member,
        summary=f"{before} → {role}",
        details={"before": before, "after": role},
    )
    logger.info("role of %r changed from %s to %s by %r", member, before, role, admin)
    return True


def deactivate_staff(member: Member, *, admin: Member) -> int:
    """Stop the account signing in and end its sessions at once; returns how many ended."""
    _check_can_change(member, admin=admin)
    if member.deactivated_at is not None:
        return 0
    if member.role == "admin" and _active_admins() <= 1:
        raise LastAdmin
    member.deactivated_at = utcnow()
    ended = end_all_sessions(member)
    db.session.flush()
    record_audit(
        "staff.deactivate",
        actor=admin,
        target=member,
        summary=f"{ended} sessions ended",
        details={"before": "active", "after": "deactivated", "sessions_ended": ended},
    )
    logger.info("%r deactivated by %r (%d sessions ended)", member, admin, ended)
    return ended


def reactivate_staff(member: Member, *, admin: Member) -> None:
    _check_can_change(member, admin=admin)
    if member.deactivated_at is None:
        return
    member.deactivated_at = None
    db.session.flush()
    record_audit(
        "staff.reactivate",
        actor=admin,
        target=member,
        summary=member.email,
        details={"before": "deactivated", "after": "active"},
    )
    logger.info("%r reactivated by %r", member, admin)
