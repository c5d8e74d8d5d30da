"""One blueprint per area of the portal."""

from urllib.parse import urlsplit


def register_blueprints(app) -> None:
    from portal.routes.account import bp as account_bp
    from portal.routes.admin import bp as admin_bp
    from portal.routes.api import bp as api_bp
    from portal.routes.auth import bp as auth_bp
    from portal.routes.health import bp as health_bp
    from portal.routes.member import bp as member_bp
    from portal.routes.points import bp as points_bp
    from portal.routes.rewards import bp as rewards_bp

    for blueprint in (
        health_bp,
        auth_bp,
        member_bp,
        points_bp,
        account_bp,
        admin_bp,
        api_bp,
        rewards_bp,
    ):
        app.register_blueprint(blueprint)


def safe_next(target: str | None, default: str = "/dashboard") -> str:
    """A redirect target on this site only: a path, never another host (`//evil`, `/\\evil`,
    `https://evil`)."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return default
    return target


def referrer_path() -> str | None:
    """The page the request came from, when it is on this site."""
    from flask import request

    if not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
