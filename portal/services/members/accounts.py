"""Accounts: registration, signing in and out, email verification, password reset and change.

Nothing here tells a stranger whether an email has an account: registering an address that is
taken and asking a reset for an unknown one look the same from outside (the owner of a taken
address gets a mail instead).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member
from portal.services.members import cards, preferences
from portal.services.members.passwords import hash_password, needs_rehash, verify_password
from portal.services.members.sessions import end_all_sessions
from portal.services.members.throttle import (
    check_reauthentication_allowed,
    note_failed_reauthentication,
)
from portal.services.messaging.audit import record_audit
from portal.services.messaging.mail import queue_mail, write_and_discard_mail
from portal.services.programme.refusals import Conflict, Forbidden, Invalid
from portal.services.referrals.attribution import Visitor, attribute_friend
from portal.services.referrals.codes import find_referrer

logger = logging.getLogger(__name__)


class WrongPassword(Invalid):
    """The current password given to confirm a change is not the member's."""

    code = "wrong_password"


class SameEmail(Invalid):
    """The new email address asked for is already the member's."""

    code = "same_email"


def confirm_password(member: Member, password: str | None) -> None:
    """Raise WrongPassword unless `password` is the member's current password (changing the
    password or the email, adding a passkey, closing the account). Wrong ones are counted:
    after RATELIMIT_REAUTH of them, TooManyAttempts is raised before the password is even
    checked."""
    check_reauthentication_allowed(member)
    if not verify_password(member.password_hash, password or ""):
        note_failed_reauthentication(member)
        raise WrongPassword


class TokenInvalid(Invalid):
    """A link that is tampered with, expired or already used."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_member_by_email(email: str) -> Member | None:
    return db.session.scalar(select(Member).where(Member.email == normalise_email(email)))


def find_member_by_card(card_number: str) -> Member | None:
    """The active member holding this card (a valid, normalised number), else None."""
    number = cards.normalise_card_number(card_number)
    if not cards.is_valid_card_number(number):
        return None
    member = db.session.scalar(select(Member).where(Member.card_number == number))
    return member if member is not None and member.is_active else None


def find_member_by_referral_code(code: str) -> Member | None:
    """The open account whose referral code this is, typed in any case and with spaces."""
    return find_referrer(code)


# -- creating accounts -----------------------------------------------------------------------


def create_member(
    *,
    name: str,
    email: str,
    password: str | None = None,
    password_hash: str | None = None,
    role: str = "member",
    phone: str | None = None,
    birthday: date | None = None,
    locale: str | None = None,
    marketing_opt_in: bool = False,
    marketing_consent_wording: str | None = None,
    referred_by: Member | None = None,
    verified: bool = False,
) -> Member:
    """Insert a member with a fresh card number and referral code (retried on the rare clash).
    Give the `password`, or its `password_hash` computed once for many accounts (the demo's
    generated members share one: argon2 is slow on purpose)."""
    if (password is None) == (password_hash is None):
        raise ValueError("give a password or its hash")
    password_hash = password_hash or hash_password(password or "")
    now = utcnow()
    for _attempt in range(5):
        member = Member(
            name=name.strip(),
            email=normalise_email(email),
            password_hash=password_hash,
            role=role,
            phone=phone or None,
            birthday=birthday,
            locale=locale,
            marketing_opt_in=marketing_opt_in,
            # An opt-in at registration keeps its moment and the sentence beside the box.
            marketing_consent_at=now if marketing_opt_in else None,
            marketing_consent_wording=marketing_consent_wording if marketing_opt_in else None,
            referred_by_id=referred_by.id if referred_by else None,
            terms_accepted_at=now,
            email_verified_at=now if verified else None,
            card_number=cards.new_card_number(),
            referral_code=cards.new_referral_code(),
            created_at=now,
            password_changed_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(member)
        except IntegrityError:
            if find_member_by_email(email) is not None:
                raise
            continue
        logger.info("member %r created", member)
        return member
    raise RuntimeError("could not allocate a card number")


@dataclass
class Registration:
    member: Member | None  # None when the email was already taken


def register_member(
    *,
    name: str,
    email: str,
    password: str,
    phone: str | None = None,
    birthday: date | None = None,
    referral_code: str | None = None,
    referral_channel: str = "code",
    visitor: Visitor | None = None,
    locale: str | None = None,
    marketing_opt_in: bool = False,
    marketing_consent_wording: str | None = None,
) -> Registration:
    """Create an unverified member and mail a confirmation link. For a taken email, mail its
    owner instead (someone tried to join with it; a reset link if it was them) and create
    nothing. Both paths do the same costly work, hashing the password and writing one mail,
    so neither the page nor its timing tells whether the address has an account (and an
    existing account is never attributed to a referrer this way). With the code of an open
    account, the new member is that member's referred friend (services/referrals)."""
    existing = find_member_by_email(email)
    if existing is not None:
        hash_password(password)  # the new account's cost, thrown away
        with db.session.begin_nested():  # as the new member is written
            _mail_account_exists(existing)
        if referral_code and find_member_by_referral_code(referral_code) is not None:
            # A new friend's referrer would be told by mail: the same work, kept nowhere.
            write_and_discard_mail(
                "notification",
                member=existing,
                title="",
                body="",
                link_endpoint=None,
                link_args={},
            )
        logger.info("registration attempt for the existing account %r", existing)
        return Registration(member=None)
    referrer = find_member_by_referral_code(referral_code) if referral_code else None
    try:
        member = create_member(
            name=name,
            email=email,
            password=password,
            phone=phone,
            birthday=birthday,
            locale=locale,
            marketing_opt_in=marketing_opt_in,
            marketing_consent_wording=marketing_consent_wording,
            referred_by=referrer,
        )
    except IntegrityError:
        # Taken by a concurrent registration of the same address, or the phone is in use:
        # answered like any taken address.
        db.session.rollback()
        return Registration(member=None)
    if referrer is not None:
        attribute_friend(member, referrer, channel=referral_channel, visitor=visitor)
    send_verification(member, member.email)
    return Registration(member=member)


def _mail_account_exists(member: Member) -> None:
    if not member.is_active:
        return
    queue_mail(
        member.email,
        "account_exists",
        member=member,
        token=_reset_token(member),
        valid_minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
    )


# -- signed tokens in links ------------------------------------------------------------------


class _ClockSigner(TimestampSigner):
    """Dates links by the portal's clock, so their expiry follows it (and tests can move it)."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def clock_signer() -> type[TimestampSigner]:
    return _ClockSigner


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=f"portal.{purpose}", signer=_ClockSigner
    )


def _password_fingerprint(member: Member) -> str:
    # Changes whenever the password does, which makes a reset link single use.
    return hashlib.sha256(member.password_hash.encode()).hexdigest()[:16]


def send_verification(member: Member, address: str) -> None:
    token = _serializer("verify-email").dumps({"m": member.id, "e": address})
    queue_mail(
        address,
        "verify_email",
        member=member,
        token=token,
        changing=address != member.email,
    )


def _read_link(purpose: str, token: str, max_age_setting: str) -> tuple[dict, Member]:
    """The payload of a signed link and the member it names; TokenInvalid when the link is
    tampered with, too old or names nobody."""
    try:
        payload = _serializer(purpose).loads(token, max_age=current_app.config[max_age_setting])
    except (BadSignature, SignatureExpired) as exc:
        raise TokenInvalid from exc
    member = db.session.get(Member, payload.get("m"))
    if member is None:
        raise TokenInvalid
    return payload, member


def verify_email(token: str) -> Member:
    """Confirm the address in a verification link: the member's own, or the new one they
    asked to change to."""
    payload, member = _read_link("verify-email", token, "EMAIL_TOKEN_MAX_AGE")
    address = payload.get("e")
    now = utcnow()
    if address == member.email:
        if member.email_verified_at is None:
            member.email_verified_at = now
    elif address and address == member.pending_email:
        if find_member_by_email(address) is not None:
            raise TokenInvalid
        old = member.email
        member.email = address
        member.pending_email = None
        member.email_verified_at = now
        queue_mail(old, "email_changed", member=member, new_email=address)
        logger.info("email of %r changed", member)
    else:
        raise TokenInvalid
    db.session.flush()
    return member


def signed_link(purpose: str, member: Member) -> str:
    """A token for a link that works once: it names the member's current password, so it
    stops working when a password is set (a reset, an invitation)."""
    return _serializer(purpose).dumps({"m": member.id, "p": _password_fingerprint(member)})


def member_for_signed_link(purpose: str, token: str, *, max_age_setting: str) -> Member:
    payload, member = _read_link(purpose, token, max_age_setting)
    if payload.get("p") != _password_fingerprint(member):
        raise TokenInvalid
    return member


def _reset_token(member: Member) -> str:
    return signed_link("reset-password", member)


def _reset_mail(member: Member) -> dict[str, Any]:
    return {
        "token": _reset_token(member),
        "valid_minutes": current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
    }


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address has an account; for an unknown one, build the same
    link and mail and keep neither, so the answer takes the same time."""
    member = find_member_by_email(email)
    if member is None or not member.is_active:
        stand_in = Member(id=0, name="", email="", password_hash="")
        write_and_discard_mail("reset_password", member=stand_in, **_reset_mail(stand_in))
        logger.info("password reset asked for an unknown address")
        return
    context = _reset_mail(member)
    with db.session.begin_nested():  # as the discarded one is written
        queue_mail(member.email, "reset_password", member=member, **context)


def member_for_reset_token(token: str) -> Member:
    return member_for_signed_link("reset-password", token, max_age_setting="RESET_TOKEN_MAX_AGE")


def reset_password(token: str, new_password: str) -> Member:
    """Set a new password from a reset link; the link then stops working, and every signed-in
    session of the account ends."""
    member = member_for_reset_token(token)
    _set_password(member, new_password)
    if member.email_verified_at is None:
        member.email_verified_at = utcnow()  # following the link proves the address
    end_all_sessions(member)
    queue_mail(member.email, "password_changed", member=member)
    record_audit("account.password_reset", actor=member, target=member, summary="by mail link")
    return member


def change_password(
    member: Member, current_password: str, new_password: str, *, keep_session: str | None
) -> None:
    """Change the password, once the current one is confirmed, and end every other signed-in
    session of the account."""
    confirm_password(member, current_password)
    _set_password(member, new_password)
    end_all_sessions(member, except_token=keep_session)
    queue_mail(member.email, "password_changed", member=member)
    record_audit("account.password_change", actor=member, target=member)


def set_password(member: Member, new_password: str) -> None:
    """Store a new password (its rules are the form's: passwords.password_problem)."""
    _set_password(member, new_password)


def _set_password(member: Member, new_password: str) -> None:
    member.password_hash = hash_password(new_password)
    member.password_changed_at = utcnow()
    db.session.flush()
    logger.info("password changed for %r", member)


def request_email_change(member: Member, password: str, new_email: str) -> bool:
    """Remember the new address, once the current password is confirmed, and mail a
    confirmation link to it. Returns False (and sends nothing) when the address belongs to
    another account; the page says the same either way."""
    confirm_password(member, password)
    new_email = normalise_email(new_email)
    if new_email == member.email:
        raise SameEmail
    if find_member_by_email(new_email) is not None:
        return False
    member.pending_email = new_email
    db.session.flush()
    send_verification(member, new_email)
    return True


# -- signing in and out ----------------------------------------------------------------------


def authenticate(email: str, password: str) -> Member | None:
    return check_password(find_member_by_email(email), password)


class SignInBlocked(Forbidden):
    """Staff blocked signing in to this account (told only to whoever knows its password)."""

    code = "sign_in_blocked"


def check_password(member: Member | None, password: str) -> Member | None:
    """The member when `password` is theirs and the account is open. Without a member it costs
    the same time (a dummy hash is checked), so timing does not tell who has an account. The
    right password of a blocked account raises SignInBlocked."""
    if not verify_password(member.password_hash if member else None, password):
        return None
    if member is None or not member.is_active:
        return None
    if member.is_blocked:
        raise SignInBlocked
    if needs_rehash(member.password_hash):
        member.password_hash = hash_password(password)
    return member


# -- the member's own profile ----------------------------------------------------------------


class PhoneInUse(Conflict):
    """Another account has this phone number."""

    code = "phone_in_use"


class BirthdayLocked(Conflict):
    """The birthday was set before; a change goes through staff."""


def update_profile(
    member: Member,
    *,
    name: str,
    phone: str | None,
    birthday: date | None,
    marketing_opt_in: bool | None = None,
    delivery_address: str | None = None,
) -> None:
    """Members set their birthday once: moving it would move the double-points month. A phone
    number belongs to one account (UNIQUE): another account's number is refused."""
    if member.birthday is not None and birthday != member.birthday:
        raise BirthdayLocked
    try:
        with db.session.begin_nested():
            member.name = name.strip()
            member.phone = phone or None
            member.birthday = birthday
            if marketing_opt_in is not None and marketing_opt_in != member.marketing_opt_in:
                # Kept for older callers; the account page's communication form is the way.
                if marketing_opt_in:
                    preferences.record_marketing_consent(member, "", now=utcnow())
                else:
                    preferences.withdraw_marketing_consent(member, now=utcnow())
            member.delivery_address = (delivery_address or "").strip() or None
    except IntegrityError:
        raise PhoneInUse from None
    logger.info("profile of %r updated", member)
