"""Behind the proxies of PORTAL_TRUSTED_PROXIES the limits count each visitor's own address;
without them, a forwarded address a visitor made up counts for nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from config import ProductionConfig
from portal import create_app
from portal.extensions import db
from portal.models import AuditEntry
from tests.conftest import form_post

GOOD = {"name": "Sophie Laurent", "password": "amber-willow-crescent-9", "terms": "y"}


@pytest.fixture
def app_overrides(request):
    return getattr(request, "param", {})


def register_from(client, forwarded_for: str, n: int) -> int:
    headers = {"X-Forwarded-For": forwarded_for}
    data = {**GOOD, "email": f"n{n}@example.com"}
    return form_post(client, "/register", data, headers=headers, token_from="/register").status_code


@pytest.mark.parametrize("app_overrides", [{"PORTAL_TRUSTED_PROXIES": 1}], indirect=True)
def test_behind_one_proxy_each_visitor_has_their_own_registration_limit(client):
    first = [register_from(client, "203.0.113.7", n) for n in range(6)]
    assert first == [303] * 5 + [429]
    # Another visitor behind the same load balancer is not affected.
    assert register_from(client, "198.51.100.20", 99) == 303


@pytest.mark.parametrize("app_overrides", [{"PORTAL_TRUSTED_PROXIES": 1}], indirect=True)
def test_only_the_hop_the_proxy_added_is_believed(client):
    # The visitor sends their own X-Forwarded-For; the proxy appends the address it saw.
    statuses = [register_from(client, f"10.9.9.{n}, 203.0.113.7", n) for n in range(6)]
    assert statuses == [303] * 5 + [429]


def test_without_trusted_proxies_a_forwarded_address_is_ignored(client):
    statuses = [register_from(client, f"203.0.113.{n}", n) for n in range(6)]
    assert statuses == [303] * 5 + [429]


@pytest.mark.parametrize("app_overrides", [{"PORTAL_TRUSTED_PROXIES": 1}], indirect=True)
def test_the_audit_log_records_the_visitors_address(client, login, create_member):
    member = create_member()
    login(member)
    response = form_post(
        client,
        "/account/delete",
        {"password": "velvet-lantern-orchid-42", "understood": "y"},
        token_from="/account",
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert response.status_code == 303
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.close"))
    assert entry.ip_address == "203.0.113.9"


def test_production_sets_the_session_cookie_with_the_host_prefix(_schema, database_url):
    app = create_app(
        ProductionConfig,
        SECRET_KEY="s" * 48,
        SQLALCHEMY_DATABASE_URI=database_url,
        RATELIMIT_STORAGE_URI="memory://",
        PORTAL_SINGLE_PROCESS=True,
    )
    client = app.test_client()
    response = client.get("/login", base_url="https://club.example.com")
    assert response.status_code == 200
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-portal_session=")
    assert "Secure" in cookie and "Path=/" in cookie and "HttpOnly" in cookie
    assert "Domain" not in cookie
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
