"""Passkeys: a member signs in with their phone's Face ID, fingerprint or screen lock (WebAuthn,
through the `webauthn` library) instead of a password.

The relying party is the portal's public address (PORTAL_BASE_URL): its host is the RP ID and
its origin the only one accepted, so an assertion made for another site is refused. Each
ceremony's challenge is issued here, kept by the caller (the browser's session) and answered
once within five minutes (`throttle.claim_once`), so a replayed assertion is refused; the
authenticator's signature counter, where it keeps one, must move forward too. Passkeys are
discoverable: the sign-in asks for no email, and the credential names its member, whose user
handle must match. Signing in with a passkey is not subject to the password throttle.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from portal.clock import utcnow
from portal.database import changed_rows
from portal.extensions import db
from portal.models import Member, Passkey
from portal.services.members.accounts import confirm_password
from portal.services.members.throttle import claim_once
from portal.services.messaging.audit import record_audit
from portal.services.messaging.mail import queue_mail
from portal.services.programme.refusals import Conflict, Invalid
from portal.services.programme.settings import programme_settings

logger = logging.getLogger(__name__)

CHALLENGE_LIFETIME = timedelta(minutes=5)
CEREMONY_TIMEOUT_MS = 120_000
NAME_LENGTH = 60
TRANSPORTS = {t.value for t in AuthenticatorTransport}


class PasskeyRefused(Invalid):
    """The browser's answer does not prove a passkey of this portal (wrong origin, a replay,
    an unknown or tampered credential, an expired challenge)."""

    code = "passkey_refused"


class PasskeyTaken(Conflict):
    """This authenticator's credential is already registered."""

    code = "passkey_taken"


@dataclass(frozen=True)
class RelyingParty:
    id: str
    name: str
    origin: str


@dataclass(frozen=True)
class Ceremony:
    """What the browser is asked (`options`, JSON for navigator.credentials) and what the
    caller keeps until the answer comes: the challenge, when it was issued, the user handle."""

    options: dict[str, Any]
    challenge: str
    issued_at: datetime
    user_handle: str | None = None


def relying_party() -> RelyingParty:
    base = urlsplit(current_app.config["PORTAL_BASE_URL"])
    return RelyingParty(
        id=base.hostname or "localhost",
        name=programme_settings().programme_name,
        origin=f"{base.scheme}://{base.netloc}",
    )


def passkeys_of(member: Member) -> list[Passkey]:
    return list(
        db.session.scalars(
            select(Passkey).where(Passkey.member_id == member.id).order_by(Passkey.created_at)
        )
    )


def _user_handle(member: Member) -> bytes:
    existing = db.session.scalar(
        select(Passkey.user_handle).where(Passkey.member_id == member.id).limit(1)
    )
    return existing or secrets.token_bytes(32)


def start_registration(member: Member, password: str | None) -> Ceremony:
    """Options to create a passkey for `member`, once their current password is confirmed (a
    passkey signs in without it, so a borrowed session must not add one); not for one of the
    authenticators they already registered."""
    confirm_password(member, password)
    party = relying_party()
    handle = _user_handle(member)
    options = generate_registration_options(
        rp_id=party.id,
        rp_name=party.name,
        user_id=handle,
        user_name=member.email,
        user_display_name=member.name,
        timeout=CEREMONY_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=p.credential_id) for p in passkeys_of(member)
        ],
    )
    return Ceremony(
        options=json.loads(options_to_json(options)),
        challenge=bytes_to_base64url(options.challenge),
        issued_at=utcnow(),
        user_handle=bytes_to_base64url(handle),
    )


def _claim(challenge: str, issued_at: datetime) -> bytes:
    if utcnow() - issued_at > CHALLENGE_LIFETIME:
        raise PasskeyRefused(code="passkey_expired")
    digest = hashlib.sha256(challenge.encode()).hexdigest()
    if not claim_once("passkey-challenge", digest, seconds=int(CHALLENGE_LIFETIME.seconds) * 2):
        raise PasskeyRefused(code="passkey_replayed")
    return base64url_to_bytes(challenge)


def add_passkey(
    member: Member,
    credential: dict[str, Any],
    *,
    challenge: str,
    issued_at: datetime,
    user_handle: str,
    name: str,
) -> Passkey:
    """Keep the public key of a passkey the member's authenticator just created, and tell them
    by mail (a passkey signs in without the password)."""
    expected = _claim(challenge, issued_at)
    party = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=expected,
            expected_rp_id=party.id,
            expected_origin=party.origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        logger.info("passkey registration refused for %r: %s", member, exc)
        raise PasskeyRefused from None
    transports = [
        t for t in (credential.get("response") or {}).get("transports") or [] if t in TRANSPORTS
    ]
    passkey = Passkey(
        member_id=member.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        user_handle=base64url_to_bytes(user_handle),
        transports=transports or None,
        name=(name.strip() or "Passkey")[:NAME_LENGTH],
        backed_up=verified.credential_backed_up,
        created_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(passkey)
    except IntegrityError:
        raise PasskeyTaken from None
    queue_mail(member.email, "passkey_added", member=member, passkey_name=passkey.name)
    record_audit(
        "account.passkey_add",
        actor=member,
        target=member,
        summary=passkey.name,
        details={"passkey_id": passkey.id, "name": passkey.name},
    )
    logger.info("%r added for %r", passkey, member)
    return passkey


def start_sign_in() -> Ceremony:
    """Options to sign in with any passkey of this portal (the browser offers the member's)."""
    options = generate_authentication_options(
        rp_id=relying_party().id,
        timeout=CEREMONY_TIMEOUT_MS,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return Ceremony(
        options=json.loads(options_to_json(options)),
        challenge=bytes_to_base64url(options.challenge),
        issued_at=utcnow(),
    )


def member_for_passkey(
    credential: dict[str, Any], *, challenge: str, issued_at: datetime
) -> Member:
    """The member whose passkey signed this challenge; refused otherwise."""
    expected = _claim(challenge, issued_at)
    try:
        credential_id = base64url_to_bytes(str(credential["rawId"]))
        claimed_handle = (credential.get("response") or {}).get("userHandle")
    except (KeyError, TypeError, ValueError, AttributeError):
        raise PasskeyRefused from None
    passkey = db.session.scalar(select(Passkey).where(Passkey.credential_id == credential_id))
    if passkey is None or not passkey.member.is_active:
        raise PasskeyRefused(code="passkey_unknown")
    if claimed_handle and claimed_handle != bytes_to_base64url(passkey.user_handle):
        logger.info("passkey of %r presented for another user handle", passkey.member)
        raise PasskeyRefused
    party = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=expected,
            expected_rp_id=party.id,
            expected_origin=party.origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        logger.info("passkey sign-in refused for %r: %s", passkey.member, exc)
        raise PasskeyRefused from None
    # The counter moves forward once, even if two answers race (0: the authenticator keeps
    # none, as many phones).
    forward = [Passkey.sign_count < verified.new_sign_count] if verified.new_sign_count else []
    moved = db.session.execute(
        update(Passkey)
        .where(Passkey.id == passkey.id, *forward)
        .values(sign_count=verified.new_sign_count, last_used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if changed_rows(moved) != 1:
        raise PasskeyRefused(code="passkey_replayed")
    db.session.refresh(passkey)
    if passkey.member.is_blocked:
        logger.info("passkey sign-in of the blocked %r refused", passkey.member)
        raise PasskeyRefused(code="sign_in_blocked")
    return passkey.member


def rename_passkey(passkey: Passkey, name: str) -> None:
    passkey.name = name.strip()[:NAME_LENGTH] or passkey.name
    db.session.flush()


def remove_passkey(passkey: Passkey) -> None:
    owner, passkey_id, name = passkey.member, passkey.id, passkey.name
    db.session.delete(passkey)
    db.session.flush()
    record_audit(
        "account.passkey_remove",
        actor=owner,
        target=owner,
        summary=name,
        details={"passkey_id": passkey_id, "name": name},
    )
    logger.info("%r removed by its member", passkey)
