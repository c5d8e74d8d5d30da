"""Configuration classes, read from the environment (see README, "Configuration")."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Links in mail are built from this, never from the request's Host header.
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000").rstrip("/")

    # How many proxies in front of the portal append to X-Forwarded-For (a load balancer: 1).
    # Only that many hops are believed, so a visitor cannot choose the address the limits count.
    PORTAL_TRUSTED_PROXIES = _int("PORTAL_TRUSTED_PROXIES", 0)
    # memory:// rate-limit counters are right only when one process serves the portal: a
    # deployment that runs exactly one says so here, otherwise production wants Redis.
    PORTAL_SINGLE_PROCESS = _bool("PORTAL_SINGLE_PROCESS", False)
    # Who may read /metrics: addresses or CIDR blocks, comma-separated (others get a 404).
    PORTAL_METRICS_ALLOW = os.environ.get("PORTAL_METRICS_ALLOW", "127.0.0.1/32, ::1/128")
    # Production logs are JSON lines; true keeps the readable lines (a person at a terminal).
    PORTAL_READABLE_LOGS = _bool("PORTAL_READABLE_LOGS", False)

    # On HTTPS (Secure cookies) the names get the __Host- prefix in create_app(): the browser
    # then refuses them from plain HTTP, from another path and from a sibling subdomain.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "portal_session"
    # The browser keeps the cookie this long after its last use; the server ends the session
    # itself, after the idle and absolute lifetimes of the programme settings.
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 30
    # The signed cookie of a browser that has signed in to an account before (OWASP's device
    # cookie): failed sign-ins made elsewhere never slow it down.
    DEVICE_COOKIE_NAME = "portal_device"
    DEVICE_COOKIE_MAX_AGE = 60 * 60 * 24 * 365
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = True

    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead; a long-open tab still works
    WTF_CSRF_SSL_STRICT = True

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "portal")
    RATELIMIT_HEADERS_ENABLED = True
    # Redis unreachable: limits fail open to each process's memory until it is back (the
    # decorated ones through Flask-Limiter's fallback, sign-in and the API through
    # services/members/throttle.py), so pages keep serving and sign-in still has a limit, a
    # looser one with several processes; errors are not swallowed into no limit at all.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = False
    # Failed sign-ins only (services/members/throttle.py). From a browser that has not signed
    # in to the account before: per account and address, per address (any account), and per
    # account from everywhere (the member is told by mail); from a trusted browser, its own.
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per 15 minutes")
    RATELIMIT_LOGIN_ACCOUNT = os.environ.get("RATELIMIT_LOGIN_ACCOUNT", "5 per 15 minutes")
    RATELIMIT_LOGIN_ACCOUNT_ALL = os.environ.get("RATELIMIT_LOGIN_ACCOUNT_ALL", "20 per hour")
    RATELIMIT_LOGIN_DEVICE = os.environ.get("RATELIMIT_LOGIN_DEVICE", "10 per 15 minutes")
    # Wrong current passwords on the account pages, per member.
    RATELIMIT_REAUTH = os.environ.get("RATELIMIT_REAUTH", "5 per 15 minutes")
    RATELIMIT_PASSKEY = os.environ.get("RATELIMIT_PASSKEY", "30 per 5 minutes")
    RATELIMIT_REGISTER = os.environ.get("RATELIMIT_REGISTER", "5 per hour")
    RATELIMIT_RESET = os.environ.get("RATELIMIT_RESET", "5 per hour")
    # Per API token (a till rings up a few sales a minute; a retry storm or a script is more).
    RATELIMIT_API = os.environ.get("RATELIMIT_API", "120 per minute")

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "portal" / "translations")
    LANGUAGES = {"en": "English", "zh_Hans": "简体中文"}

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Members' Club <club@example.com>")
    # Where development mail is written so a newcomer can follow the links in it.
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
    # "thread": deliver after the request's commit without delaying it; "inline": in the request
    # after commit (tests); "off": leave it all to `run-jobs`.
    MAIL_DELIVERY = os.environ.get("MAIL_DELIVERY", "thread")

    EMAIL_TOKEN_MAX_AGE = 60 * 60 * 24 * 3
    RESET_TOKEN_MAX_AGE = 60 * 60
    # A staff invitation link works once, for this long.
    STAFF_INVITE_MAX_AGE = 60 * 60 * 24 * 3
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    ARGON2_PARAMETERS: dict | None = None  # None: argon2-cffi's recommended defaults


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_SSL_STRICT = False


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-not-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_SSL_STRICT = False
    MAIL_DELIVERY = "inline"
    MAIL_SERVER = ""
    PORTAL_BASE_URL = "http://portal.test"
    # `seed-demo` in the tests: a small crowd around the named demo accounts (300 elsewhere).
    DEMO_GENERATED_MEMBERS = 24
    # Cheap hashes keep the suite fast; the rules around them are the same.
    ARGON2_PARAMETERS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


class ProductionConfig(Config):
    ENV_NAME = "production"


# Production refuses to start with a key shorter than this (bytes).
MIN_SECRET_KEY_BYTES = 32


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_environment() -> type[Config]:
    """PORTAL_ENV picks the class, and must be set: a server that forgot it must not run with
    the public development key, nor a developer's clone with production's expectations."""
    name = os.environ.get("PORTAL_ENV", "").strip()
    if name not in CONFIGS:
        raise RuntimeError(
            f"PORTAL_ENV is {name!r}: set it to production on a server, or to development "
            "for a local trial (make run does)."
            if name
            else "PORTAL_ENV is not set: set it to production on a server, or to development "
            "for a local trial (make run does)."
        )
    return CONFIGS[name]
