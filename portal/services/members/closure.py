"""Closing an account at the member's request: the person is forgotten, the programme's
records stay.

In one transaction the account stops signing in (deactivated, every session revoked, its
passkeys deleted), the personal details are replaced, issued vouchers are cancelled without a
refund, and a positive balance is forfeited with one ledger entry. Ledger entries, purchases and
returns remain: they are the programme's accounts, now tied to an anonymous member.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Notification, Passkey
from portal.services.events.answers import cancel_answers_of_closed_account
from portal.services.members.accounts import confirm_password
from portal.services.members.passwords import hash_password
from portal.services.members.sessions import end_all_sessions
from portal.services.messaging.audit import record_audit
from portal.services.points.ledger import debit_points, lock_member
from portal.services.programme.refusals import Forbidden
from portal.services.rewards.vouchers import cancel_vouchers_of_closed_account

logger = logging.getLogger(__name__)

CLOSED_NAME = "Closed account"


class StaffAccountRefused(Forbidden):
    """Staff accounts are closed by an administrator, not from the member page."""


@dataclass
class Closure:
    points_forfeited: int
    vouchers_cancelled: int


def closed_email(member: Member) -> str:
    """Unique (by the member id) and undeliverable (the .invalid domain is reserved)."""
    return f"closed-{member.id}@invalid"


def close_account(member: Member, password: str, *, now: datetime | None = None) -> Closure:
    """Close and anonymise the member's own account, once their password is confirmed.
    Refuses staff and admin accounts."""
    if member.is_staff:
        raise StaffAccountRefused
    confirm_password(member, password)
    now = now or utcnow()
    # Events first: their places go to the waitlist (each event locked before the member, the
    # order every events rule takes).
    answers = cancel_answers_of_closed_account(member, now=now)
    lock_member(member)

    vouchers = cancel_vouchers_of_closed_account(member, now=now)
    forfeited = max(member.points_balance, 0)
    if forfeited:
        debit_points(member, "adjust_debit", forfeited, reason="Account closed", actor=member)

    end_all_sessions(member)
    db.session.execute(delete(Passkey).where(Passkey.member_id == member.id))
    # Notices may greet the member by name or mention their dates: they go with the account.
    db.session.execute(delete(Notification).where(Notification.member_id == member.id))

    member.deactivated_at = now
    member.name = CLOSED_NAME
    member.email = closed_email(member)
    member.pending_email = None
    member.phone = None
    member.birthday = None
    member.delivery_address = None
    member.marketing_opt_in = False
    # Nobody knows this password, so no password can sign in, even if the account were
    # reactivated by mistake.
    member.password_hash = hash_password(secrets.token_urlsafe(32))
    member.password_changed_at = now
    db.session.flush()

    record_audit(
        "account.close",
        actor=member,
        target=member,
        summary=f"Member {member.id} closed their account",
        details={
            "points_forfeited": forfeited,
            "vouchers_cancelled": vouchers,
            "event_answers_cancelled": answers,
        },
    )
    logger.info(
        "%r closed: %d points forfeited, %d vouchers cancelled", member, forfeited, vouchers
    )
    return Closure(points_forfeited=forfeited, vouchers_cancelled=vouchers)
