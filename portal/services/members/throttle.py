"""Failed sign-ins slow an attacker down, never the member (OWASP's device cookies).

Only failures are counted, in the rate-limit storage (Redis in production):
- from a browser that has not signed in to the account before (an untrusted client): per
  account and address (RATELIMIT_LOGIN_ACCOUNT, 5 per 15 minutes), per address whatever the
  account (RATELIMIT_LOGIN, 10 per 15 minutes), and per account from everywhere
  (RATELIMIT_LOGIN_ACCOUNT_ALL, 20 per hour; reaching it mails the member);
- from a browser that has signed in to the account before (its signed device cookie, see
  devices.py): per device only (RATELIMIT_LOGIN_DEVICE, 10 per 15 minutes), so failures made
  elsewhere never slow the member's own phone down.
Over a limit, the client waits (429 with Retry-After) before its next try is even checked,
so a correct password then tells nothing either. The email is counted as its account is
found (lower-cased, trimmed), known or not.

Re-authentication on the account pages (the current password) is counted per member
(RATELIMIT_REAUTH, 5 per 15 minutes).

If the storage cannot be reached (Redis down), sign-in keeps working and each process counts
in its own memory until the storage answers again: a weaker throttle, never a lockout.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from portal.database import keep_despite_refusal
from portal.extensions import limiter
from portal.models import Member

logger = logging.getLogger(__name__)
T = TypeVar("T")

STORAGE_RETRY_SECONDS = 30


class TooManyAttempts(Exception):
    """Wait `retry_after` seconds before trying again."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignInClient:
    """Who is trying to sign in to `account` (a normalised email): from which address, and
    with which device cookie nonce when the browser is trusted for that account."""

    account: str
    address: str
    device: str | None = None


# -- the storage, and what it does when it cannot be reached ---------------------------------


class _Fallback:
    strategy: RateLimiter = MovingWindowRateLimiter(MemoryStorage())
    dead_until: float = 0.0


def with_limit_strategy(action: Callable[[RateLimiter], T]) -> T:
    """Run `action` with the shared rate-limit storage, or, when it cannot be reached, with
    this process's memory for STORAGE_RETRY_SECONDS before the storage is tried again. Limits
    fail open to a per-process count rather than to none (sign-in still has a limit, a
    little looser with several processes) or to a lockout (the portal keeps serving)."""
    if time.monotonic() >= _Fallback.dead_until:
        try:
            return action(limiter.limiter)
        except Exception:  # noqa: BLE001 - any storage failure: count in memory meanwhile
            logger.warning("rate-limit storage unreachable: limits counted in this process")
            _Fallback.dead_until = time.monotonic() + STORAGE_RETRY_SECONDS
    return action(_Fallback.strategy)


def _limit(setting: str) -> RateLimitItem:
    return parse(current_app.config[setting])


def _key(*parts: object) -> tuple[str, ...]:
    return (current_app.config.get("RATELIMIT_KEY_PREFIX", "portal"), *map(str, parts))


def _wait(rules: list[tuple[RateLimitItem, tuple[str, ...]]]) -> int | None:
    """Seconds until every rule allows one more failure, or None when they all do now."""

    def longest(strategy: RateLimiter) -> int | None:
        waits = []
        for item, key in rules:
            if not strategy.test(item, *key):
                reset = strategy.get_window_stats(item, *key).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None

    return with_limit_strategy(longest)


def _hit(item: RateLimitItem, key: tuple[str, ...]) -> int:
    """Count one failure; returns how many more the rule allows."""

    def count(strategy: RateLimiter) -> int:
        strategy.hit(item, *key)
        remaining: int = strategy.get_window_stats(item, *key).remaining
        return remaining

    return with_limit_strategy(count)


# -- signing in with a password --------------------------------------------------------------


def _sign_in_rules(client: SignInClient) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    if client.device:
        return [(_limit("RATELIMIT_LOGIN_DEVICE"), _key("sign-in-device", client.device))]
    return [
        (
            _limit("RATELIMIT_LOGIN_ACCOUNT"),
            _key("sign-in-account-address", client.account, client.address),
        ),
        (_limit("RATELIMIT_LOGIN"), _key("sign-in-address", client.address)),
        (_limit("RATELIMIT_LOGIN_ACCOUNT_ALL"), _key("sign-in-account", client.account)),
    ]


def check_sign_in_allowed(client: SignInClient) -> None:
    """Raise TooManyAttempts when this client must wait before its next try."""
    wait = _wait(_sign_in_rules(client))
    if wait is not None:
        logger.info("sign-in slowed for a client (%s)", "trusted" if client.device else "other")
        raise TooManyAttempts(wait)


def note_failed_sign_in(client: SignInClient, member: Member | None) -> None:
    """Count a wrong password. When the account's failures from everywhere reach their limit,
    its owner is told by mail (once a day), even though the failed request is rolled back."""
    rules = _sign_in_rules(client)
    remaining = [_hit(item, key) for item, key in rules]
    if not client.device and remaining[-1] == 0 and member is not None and member.is_active:
        member_id, window = member.id, _limit("RATELIMIT_LOGIN_ACCOUNT_ALL")
        keep_despite_refusal(lambda: _warn_member(member_id, window))


def _warn_member(member_id: int, window: RateLimitItem) -> None:
    from portal.clock import utcnow
    from portal.extensions import db
    from portal.services.messaging.mail import queue_mail

    member = db.session.get(Member, member_id)
    if member is None or not member.is_active:
        return
    queue_mail(
        member.email,
        "sign_in_failures",
        member=member,
        attempts=window.amount,
        minutes=window.get_expiry() // 60,
        dedupe_key=f"sign-in-failures:{member.id}:{utcnow().date().isoformat()}",
    )
    logger.info("%r told of many failed sign-ins", member)


# -- re-authentication on the account pages --------------------------------------------------


def check_reauthentication_allowed(member: Member) -> None:
    wait = _wait([(_limit("RATELIMIT_REAUTH"), _key("reauth", member.id))])
    if wait is not None:
        raise TooManyAttempts(wait)


def note_failed_reauthentication(member: Member) -> None:
    _hit(_limit("RATELIMIT_REAUTH"), _key("reauth", member.id))


# -- one use only ----------------------------------------------------------------------------


def claim_once(purpose: str, value: str, *, seconds: int) -> bool:
    """True the first time `value` is claimed for `purpose` within `seconds`, False after: a
    passkey challenge is answered once, even by a browser that kept an old cookie."""
    item = parse(f"1 per {seconds} seconds")
    return bool(
        with_limit_strategy(lambda strategy: strategy.hit(item, *_key("once", purpose, value)))
    )
