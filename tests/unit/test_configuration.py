"""Production refuses to start on a configuration that would be weak there."""

from __future__ import annotations

import pytest

from config import MIN_SECRET_KEY_BYTES, ProductionConfig, config_from_environment
from portal import create_app

STRONG_KEY = "k" * MIN_SECRET_KEY_BYTES
REDIS = "redis://127.0.0.1:6379/0"


def production(**overrides):
    settings = {
        "SECRET_KEY": STRONG_KEY,
        "RATELIMIT_STORAGE_URI": REDIS,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "ARGON2_PARAMETERS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    }
    settings.update(overrides)
    return create_app(ProductionConfig, **settings)


def test_a_secret_key_of_32_bytes_starts_and_one_byte_less_is_refused():
    assert production().config["SECRET_KEY"] == STRONG_KEY
    with pytest.raises(RuntimeError, match="SECRET_KEY is 31 bytes"):
        production(SECRET_KEY="k" * (MIN_SECRET_KEY_BYTES - 1))
    with pytest.raises(RuntimeError, match="SECRET_KEY is 1 bytes"):
        production(SECRET_KEY="x")
    # Bytes, not characters: 11 Chinese characters are 33 bytes in UTF-8.
    assert production(SECRET_KEY="密" * 11)


def test_a_missing_secret_key_is_refused():
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        production(SECRET_KEY=None)


def test_memory_rate_limits_are_refused_unless_one_process_is_declared():
    with pytest.raises(RuntimeError, match="memory://"):
        production(RATELIMIT_STORAGE_URI="memory://")
    app = production(RATELIMIT_STORAGE_URI="memory://", PORTAL_SINGLE_PROCESS=True)
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_a_negative_number_of_proxies_is_refused():
    with pytest.raises(RuntimeError, match="PORTAL_TRUSTED_PROXIES"):
        production(PORTAL_TRUSTED_PROXIES=-1)


def test_portal_env_must_be_set_explicitly(monkeypatch):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    with pytest.raises(RuntimeError, match="PORTAL_ENV is not set"):
        config_from_environment()
    monkeypatch.setenv("PORTAL_ENV", "staging")
    with pytest.raises(RuntimeError, match="PORTAL_ENV is 'staging'"):
        config_from_environment()
    monkeypatch.setenv("PORTAL_ENV", "production")
    assert config_from_environment() is ProductionConfig


def test_the_cookies_carry_the_host_prefix_on_https():
    app = production()
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-portal_session"
    assert app.config["DEVICE_COOKIE_NAME"] == "__Host-portal_device"
    assert app.config["SESSION_COOKIE_DOMAIN"] is None
    assert app.config["SESSION_COOKIE_PATH"] == "/"
    plain = production(SESSION_COOKIE_SECURE=False)
    assert plain.config["SESSION_COOKIE_NAME"] == "portal_session"
