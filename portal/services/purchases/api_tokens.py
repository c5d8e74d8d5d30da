"""Bearer tokens for tills and the online shop. The token is shown once, when it is made; only
its SHA-256 is stored, so a copy of the database does not hand out working tokens."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from sqlalchemy import select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import ApiToken, Member

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "mlp_"  # noqa: S105 - marks our tokens in logs of leaked secrets, not a secret
# last_used_at is written at most this often, so a busy till does not write on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def _hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_api_token(name: str, *, created_by: Member | None = None) -> tuple[ApiToken, str]:
    """A new token named `name`; returns the row and the plaintext (never stored)."""
    name = name.strip()
    if not name:
        raise ValueError("a token needs a name")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name[:100],
        token_hash=_hash(plaintext),
        prefix=plaintext[:12],
        created_at=utcnow(),
        created_by_id=created_by.id if created_by is not None else None,
    )
    db.session.add(token)
    db.session.flush()
    logger.info("API token %s (%s) created by %r", token.id, token.name, created_by)
    return token, plaintext


def authenticate_api_token(plaintext: str | None) -> ApiToken | None:
    """The live token matching `plaintext`, or None (unknown or revoked)."""
    if not plaintext or len(plaintext) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(plaintext)))
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        db.session.flush()
    return token


def revoke_api_token(token: ApiToken, *, actor: Member | None = None) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        logger.info("API token %s (%s) revoked by %r", token.id, token.name, actor)
