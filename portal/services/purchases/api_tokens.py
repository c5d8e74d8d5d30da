"""Bearer tokens for tills and the online shop. The token is shown once, when it is made; only
its SHA-256 is stored, so a copy of the database does not hand out working tokens.

A token carries scopes (`purchases`, `members:read`, `vouchers`), optionally the store it
belongs to and an expiry; it is refused once revoked or expired.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import ApiToken, Member, Purchase
from portal.models.purchases import API_SCOPES
from portal.services.messaging.audit import record_audit
from portal.services.programme.refusals import Forbidden, Missing
from portal.services.programme.settings import note_version, version_column

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "mlp_"  # noqa: S105 - marks our tokens in logs of leaked secrets, not a secret
# last_used_at is written at most this often, so a busy till does not write on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


class ScopeMissing(Forbidden):
    """The token lacks the scope a call needs; `values["scope"]` names it."""

    code = "scope_missing"


class TokenNotFound(Missing):
    code = "token_not_found"


def _hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_api_token(
    name: str,
    *,
    scopes: Iterable[str] = API_SCOPES,
    store: str | None = None,
    expires_at: datetime | None = None,
    created_by: Member | None = None,
) -> tuple[ApiToken, str]:
    """A new token named `name` with `scopes` (all three unless narrowed); returns the row and
    the plaintext (never stored)."""
    name = name.strip()
    if not name:
        raise ValueError("a token needs a name")
    chosen = [scope for scope in API_SCOPES if scope in set(scopes)]
    unknown = set(scopes) - set(API_SCOPES)
    if unknown or not chosen:
        raise ValueError(f"scopes are among {', '.join(API_SCOPES)}")
    if expires_at is not None and expires_at.tzinfo is None:
        raise ValueError("expires_at needs a time zone")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name[:100],
        token_hash=_hash(plaintext),
        prefix=plaintext[:12],
        scopes=" ".join(chosen),
        store=(store or "").strip()[:100] or None,
        expires_at=expires_at,
        created_at=utcnow(),
        created_by_id=created_by.id if created_by is not None else None,
    )
    db.session.add(token)
    db.session.flush()
    record_audit(
        "api_token.create",
        actor=created_by,
        target=token,
        summary=f"{token.name} ({token.prefix}…)",
        details={
            "name": token.name,
            "prefix": token.prefix,
            "scopes": token.scopes,
            "store": token.store,
            "before": None,
            "after": token.scopes,
        },
    )
    logger.info("API token %s (%s) created by %r", token.id, token.name, created_by)
    return token, plaintext


def token_is_live(token: ApiToken, *, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if token.revoked_at is not None:
        return False
    return token.expires_at is None or token.expires_at > now


_TOKEN = select(ApiToken, version_column()).where(ApiToken.token_hash == bindparam("token_hash"))


def authenticate_api_token(plaintext: str | None) -> ApiToken | None:
    """The live token matching `plaintext`, or None (unknown, revoked or expired)."""
    if not plaintext or len(plaintext) > 200:
        return None
    row = db.session.execute(_TOKEN, {"token_hash": _hash(plaintext)}).first()
    token: ApiToken | None = row[0] if row is not None else None
    if row is not None:
        note_version(row[1])  # the settings' version, read along (services/programme/settings)
    now = utcnow()
    if token is None or not token_is_live(token, now=now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        db.session.flush()
    return token


def require_scope(token: ApiToken, scope: str) -> None:
    """Refuse (403) a call whose scope the token was not given."""
    if scope not in token.scope_list:
        logger.info("%r refused: no scope %s", token, scope)
        raise ScopeMissing(scope=scope)


def revoke_api_token(token: ApiToken, *, actor: Member | None = None) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        record_audit(
            "api_token.revoke",
            actor=actor,
            target=token,
            summary=f"{token.name} ({token.prefix}…)",
            details={
                "name": token.name,
                "prefix": token.prefix,
                "before": "live",
                "after": "revoked",
            },
        )
        logger.info("API token %s (%s) revoked by %r", token.id, token.name, actor)


def revoke_api_tokens_named(name: str, *, actor: Member | None = None) -> list[ApiToken]:
    """Revoke every live token called `name` (names are not unique: a till's token may have
    been made again); TokenNotFound when none is."""
    tokens = list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.name == name.strip(), ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id)
        )
    )
    if not tokens:
        raise TokenNotFound(f"no live token named {name!r}")
    for token in tokens:
        revoke_api_token(token, actor=actor)
    return tokens


def list_api_tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id)))


# -- purchases per hour -----------------------------------------------------------------------

# An hour is a burst when a token records at least this many purchases in it and more than
# BURST_FACTOR times its usual hourly count over the last BURST_BASELINE.
BURST_MIN_PURCHASES = 20
BURST_FACTOR = 3
BURST_BASELINE = timedelta(days=7)


@dataclass(frozen=True)
class TokenBurst:
    token: ApiToken
    hour_start: datetime
    purchases: int
    usual_per_hour: float  # the mean of the token's hours with purchases in the baseline


def _hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def purchases_per_hour(
    token: ApiToken, *, since: datetime, now: datetime | None = None
) -> dict[datetime, int]:
    """{start of the hour (UTC): purchases recorded by the token in it} from `since`."""
    now = now or utcnow()
    times = db.session.scalars(
        select(Purchase.created_at).where(
            Purchase.api_token_id == token.id,
            Purchase.created_at >= since,
            Purchase.created_at <= now,
        )
    )
    counts: dict[datetime, int] = {}
    for moment in times:
        hour = _hour_of(moment)
        counts[hour] = counts.get(hour, 0) + 1
    return counts


def unusual_bursts(*, hours: int = 24, now: datetime | None = None) -> list[TokenBurst]:
    """Each token's hours in the last `hours` with a burst of purchases (see BURST_*), most
    recent first: for admins, who may revoke a token that records more than a till could."""
    now = now or utcnow()
    since = now - BURST_BASELINE
    busy_tokens = db.session.scalars(
        select(ApiToken)
        .join(Purchase, Purchase.api_token_id == ApiToken.id)
        .where(Purchase.created_at >= now - timedelta(hours=hours))
        .group_by(ApiToken.id)
        .having(func.count(Purchase.id) >= BURST_MIN_PURCHASES)
    ).all()
    bursts: list[TokenBurst] = []
    recent_from = _hour_of(now - timedelta(hours=hours - 1))
    for token in busy_tokens:
        counts = purchases_per_hour(token, since=since, now=now)
        for hour, count in counts.items():
            if hour < recent_from or count < BURST_MIN_PURCHASES:
                continue
            others = [c for h, c in counts.items() if h != hour]
            usual = sum(others) / len(others) if others else 0.0
            if count > BURST_FACTOR * usual:
                bursts.append(TokenBurst(token, hour, count, usual))
    bursts.sort(key=lambda burst: burst.hour_start, reverse=True)
    return bursts
