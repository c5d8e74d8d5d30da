"""Signing in with a password, under the throttle (re-entering it on the account pages is
accounts.confirm_password).

The throttle is asked before the password is checked, so a client that must wait learns
nothing from a correct password either. An unknown email costs the same time as a wrong
password (passwords.verify_password checks a dummy hash).
"""

from __future__ import annotations

from portal.database import keep_despite_refusal
from portal.models import Member
from portal.services.members import accounts
from portal.services.members.devices import trusted_device
from portal.services.members.throttle import (
    SignInClient,
    check_sign_in_allowed,
    note_failed_sign_in,
)
from portal.services.messaging.audit import record_audit


def sign_in_with_password(
    email: str, password: str, *, address: str, device_cookie: str | None
) -> Member | None:
    """The member whose email and password these are, or None (a failure, counted). Raises
    TooManyAttempts when this client must wait first."""
    account = accounts.normalise_email(email)
    member = accounts.find_member_by_email(account)
    client = SignInClient(
        account=account, address=address, device=trusted_device(device_cookie, member)
    )
    check_sign_in_allowed(client)
    signed_in = accounts.check_password(member, password)
    if signed_in is None:
        note_failed_sign_in(client, member)
        # The address typed is kept only when it names an account; anything else (a typo, or
        # a password typed in the wrong box) is masked. The password never is.
        shown = account if member is not None else masked_address(account)

        # The refusal is answered 422, which rolls the request back: the row is kept anyway.
        def audit_failure() -> None:
            record_audit(
                "auth.sign_in_failed",
                actor=None,
                target=member,
                summary=shown,
                details={"email": shown, "account_known": member is not None},
            )

        keep_despite_refusal(audit_failure)
    return signed_in


def masked_address(typed: str) -> str:
    """ "j***@e***.com" for "jane@example.com": enough to see a pattern, not to read it."""
    typed = typed[:254]
    local, at, domain = typed.partition("@")
    masked = (local[:1] or "?") + "***"
    if at:
        name, dot, top = domain.rpartition(".")
        masked += "@" + ((name[:1] + "***" + dot + top[:10]) if dot else domain[:1] + "***")
    return masked
