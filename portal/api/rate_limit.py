"""Per-token rate limits of the API (config RATELIMIT_API, such as "120 per minute").

Counted in Flask-Limiter's storage (Redis in production, so every web process shares the
count), but checked here rather than with its decorator: the count is kept per token, and only
a refused request carries `Retry-After` (the decorator would add it to every answer). With
the storage unreachable (Redis down) the count goes on in this process's memory, as the
sign-in throttle's does, so the tills keep working and a runaway script is still held back.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app, request
from limits import parse
from limits.strategies import RateLimiter

from portal.extensions import limiter
from portal.services.members.throttle import with_limit_strategy


def api_client_key() -> str:
    """The token's hash (before the database is asked), or the address without one."""
    scheme, _sep, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return "token:" + hashlib.sha256(credentials.strip().encode()).hexdigest()[:32]
    return "address:" + (request.remote_addr or "unknown")


def seconds_until_allowed() -> int | None:
    """Count this request; None when it is within the limit, else the seconds to wait."""
    if not limiter.enabled:
        return None
    item = parse(current_app.config["RATELIMIT_API"])
    identifiers = (current_app.config["RATELIMIT_KEY_PREFIX"], "api", api_client_key())

    def count(strategy: RateLimiter) -> int | None:
        if strategy.hit(item, *identifiers):
            return None
        stats = strategy.get_window_stats(item, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))

    return with_limit_strategy(count)
