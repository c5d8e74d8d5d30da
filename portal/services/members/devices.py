"""The device cookie (OWASP): a browser that has signed in to an account carries a signed note
of it, so failures made elsewhere never slow it down (throttle.py).

The cookie holds, signed with SECRET_KEY, up to five (member id, random nonce) pairs: a family
tablet may sign in to a few accounts. A forged or expired cookie, or one naming another account,
is ignored: the browser is then untrusted for that account, like any other.
"""

from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.models import Member

MAX_ACCOUNTS = 5


def _serializer() -> URLSafeTimedSerializer:
    from portal.services.members.accounts import clock_signer

    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="portal.device", signer=clock_signer()
    )


def _entries(cookie: str | None) -> list[list]:
    if not cookie or len(cookie) > 2000:
        return []
    try:
        entries = _serializer().loads(cookie, max_age=current_app.config["DEVICE_COOKIE_MAX_AGE"])
    except (BadSignature, ValueError, TypeError):
        return []
    if not isinstance(entries, list):
        return []
    return [
        e
        for e in entries
        if isinstance(e, list) and len(e) == 2 and isinstance(e[0], int) and isinstance(e[1], str)
    ]


def trusted_device(cookie: str | None, member: Member | None) -> str | None:
    """The nonce this browser's cookie holds for `member`, or None (not trusted for it)."""
    if member is None:
        return None
    for member_id, nonce in _entries(cookie):
        if member_id == member.id:
            return str(nonce)
    return None


def device_cookie_for(cookie: str | None, member: Member) -> str:
    """The cookie to set after `member` signed in on this browser: their entry first (its nonce
    kept if it had one), then the other accounts', at most five."""
    entries = _entries(cookie)
    nonce = trusted_device(cookie, member) or secrets.token_urlsafe(16)
    others = [e for e in entries if e[0] != member.id]
    return _serializer().dumps([[member.id, nonce], *others][:MAX_ACCOUNTS])
