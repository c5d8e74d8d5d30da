"""The member portal: create_app() builds the Flask application."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import current_user
from htmx_flask import Htmx
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, config_from_environment
from portal.database import tune_engine
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate
from portal.metrics import install_counting_on_commit, watch_pool

if TYPE_CHECKING:
    from portal.models import Member

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def create_app(config: type[Config] | None = None, **overrides: Any) -> Flask:
    app = Flask(__name__, instance_path=str(_instance_path()), instance_relative_config=False)
    app.config.from_object(config or config_from_environment())
    app.config.update(overrides)
    _check_config(app)
    _secure_cookie_names(app)
    _trust_proxies(app)
    from portal.services.members.passwords import configure_hasher

    configure_hasher(app.config.get("ARGON2_PARAMETERS"))
    os.makedirs(app.instance_path, exist_ok=True)
    _configure_logging(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_project_root() / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    Htmx(app)
    _init_login(app)
    _init_babel(app)
    with app.app_context():
        tune_engine(db.engine)
        watch_pool(db.engine)
    install_counting_on_commit()
    from portal.services.programme.settings import install_version_tracking

    install_version_tracking()

    from portal.services.messaging.delivery import install_after_commit_delivery
    from portal.web.formatting import install_filters

    install_filters(app)
    from portal.web.links import install_links

    install_links(app)
    from portal.web.wording import install_wording

    install_wording(app)
    from portal.web.labels import install_labels

    install_labels(app)
    from portal.web.fragments import install_fragments

    install_fragments(app)
    install_after_commit_delivery()

    from portal.routes import register_blueprints

    register_blueprints(app)

    from portal.web.errors import register_error_handlers

    register_error_handlers(app)

    from portal.cli import register_commands

    register_commands(app)

    from portal.web.edge import install_request_edge
    from portal.web.request_log import install_request_log

    install_request_log(app)
    install_request_edge(app)
    _install_request_hooks(app)
    return app


def _project_root():
    from config import BASE_DIR

    return BASE_DIR


def _instance_path():
    from config import INSTANCE_DIR

    return INSTANCE_DIR


def _check_config(app: Flask) -> None:
    """Refuse to start on a configuration that would be weak in production."""
    from config import MIN_SECRET_KEY_BYTES

    secret = app.config.get("SECRET_KEY")
    if not secret:
        raise RuntimeError(
            "SECRET_KEY is not set. Set it in the environment (a long random string), "
            "or run with PORTAL_ENV=development for a local trial."
        )
    if app.config.get("ENV_NAME") != "production":
        return
    if len(secret.encode()) < MIN_SECRET_KEY_BYTES:
        raise RuntimeError(
            f"SECRET_KEY is {len(secret.encode())} bytes: production needs at least "
            f"{MIN_SECRET_KEY_BYTES} random bytes, e.g. python3 -c "
            "'import secrets; print(secrets.token_urlsafe(48))'."
        )
    storage = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://") and not app.config.get("PORTAL_SINGLE_PROCESS"):
        raise RuntimeError(
            "RATELIMIT_STORAGE_URI is memory://: with several workers or hosts each would count "
            "alone. Use redis://..., or set PORTAL_SINGLE_PROCESS=true if exactly one process "
            "serves the portal."
        )
    proxies = app.config.get("PORTAL_TRUSTED_PROXIES")
    if not isinstance(proxies, int) or proxies < 0:
        raise RuntimeError("PORTAL_TRUSTED_PROXIES must be a whole number, 0 or more.")


def _secure_cookie_names(app: Flask) -> None:
    """On HTTPS the cookies carry the __Host- prefix: Secure, for the whole site, no Domain."""
    if not app.config.get("SESSION_COOKIE_SECURE"):
        return
    for key in ("SESSION_COOKIE_NAME", "DEVICE_COOKIE_NAME"):
        name = app.config[key]
        if not name.startswith("__Host-"):
            app.config[key] = "__Host-" + name
    app.config["SESSION_COOKIE_DOMAIN"] = None
    app.config["SESSION_COOKIE_PATH"] = "/"


def _trust_proxies(app: Flask) -> None:
    """Behind PORTAL_TRUSTED_PROXIES proxies, the client's address (for the rate limits, the
    sign-in throttle, the audit log and the session list) is the one they forwarded."""
    proxies = int(app.config.get("PORTAL_TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]


def _configure_logging(app: Flask) -> None:
    from portal.logs import configure_logging

    configure_logging(app)


def _init_login(app: Flask) -> None:
    from flask import flash, redirect
    from flask_babel import lazy_gettext as _l
    from flask_login import login_url

    from portal.extensions import client_address
    from portal.services.members.sessions import signed_in

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # Sessions live on the server (LoginSession); the browser's cookie carries only a token.
    login_manager.session_protection = None

    @login_manager.user_loader
    def load_member(member_id: str) -> Member | None:
        found = signed_in(session.get("sid"), address=client_address())
        if found is None or str(found.member.id) != member_id:
            return None
        # The layout's badge: read in the same statement as the session.
        g.unread_notifications = found.unread_notifications
        return found.member

    @login_manager.unauthorized_handler
    def sign_in_first():
        """A session that ended (signed out elsewhere, or expired) answers with the login
        page: a whole page for a browser, and for a fragment htmx asked for, a redirect of the
        whole page rather than the login form inside a panel."""
        from portal.web.links import safe_next

        if session.pop("sid", None):
            # The cookie named a session the server no longer keeps.
            session.pop("_user_id", None)
            flash(str(_l("Your session has ended. Please sign in again.")), "info")
        else:
            flash(login_manager.login_message, login_manager.login_message_category)
        target = login_url("auth.login", next_url=safe_next(request.full_path.rstrip("?")))
        if request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted"):
            response = current_app.response_class(status=204)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target)


def select_locale() -> str:
    if not has_request_context():
        return "en"  # jobs and commands; notifications choose the member's own with force_locale
    supported = list(current_app.config["LANGUAGES"])
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return str(current_user.locale)
    chosen = session.get("locale")
    if chosen in supported:
        return str(chosen)
    for language, _quality in request.accept_languages:
        language = language.lower()
        if language.startswith("zh"):
            return "zh_Hans"
        if language.startswith("en"):
            return "en"
    return "en"


def select_timezone() -> str:
    from portal.services.programme.settings import programme_settings

    return programme_settings().timezone


def _init_babel(app: Flask) -> None:
    from portal.web.translations import install_template_gettext

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_gettext(app)


def _signed_in_browser() -> bool:
    """Whether the answer goes to a signed-in browser: the member the request loaded, or, when
    it never needed them (/healthz, a static file), a cookie that names a session; no statement
    is run for this alone."""
    loaded = g.get("_login_user")
    if loaded is not None:
        return bool(loaded.is_authenticated)
    return bool(session.get("_user_id") and session.get("sid"))


def _install_request_hooks(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        if not app.debug and app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if _signed_in_browser():
            # Private pages stay out of shared caches and the back/forward cache after logout.
            headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def layout_context():
        from portal.services.messaging.notifications import unread_count
        from portal.services.programme.settings import programme_settings

        unread = 0
        if has_request_context() and current_user.is_authenticated:
            unread = g.get("unread_notifications")
            if unread is None:
                unread = g.unread_notifications = unread_count(current_user)
        from portal.web.navigation import admin_nav, current_locale_code, member_nav, static_url

        return {
            "member_nav": member_nav,
            "static_url": static_url,
            "admin_nav": admin_nav,
            "current_locale_code": current_locale_code,
            "programme": programme_settings(),
            "languages": app.config["LANGUAGES"],
            "unread_notifications": unread,
        }
