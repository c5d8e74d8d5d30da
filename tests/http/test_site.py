"""Health check, security headers, error pages, languages."""

from __future__ import annotations

from config import TestingConfig
from portal import create_app
from tests.conftest import form_post


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable():
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_every_page_has_the_csrf_meta_and_strict_headers(client):
    response = client.get("/login")
    page = response.get_data(as_text=True)
    assert '<meta name="csrf-token" content="' in page
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "<script>" not in page and " style=" not in page


def test_session_cookie_is_httponly_and_lax(client, member):
    from tests.conftest import DEFAULT_PASSWORD

    response = form_post(client, "/login", {"email": member.email, "password": DEFAULT_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_to_start_without_a_secret_key():
    from config import ProductionConfig

    class NoSecret(ProductionConfig):
        SECRET_KEY = None

    try:
        create_app(NoSecret)
    except RuntimeError as error:
        assert "SECRET_KEY" in str(error)
    else:
        raise AssertionError("the app started without SECRET_KEY")


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.is_json


def test_language_follows_accept_language_then_the_members_choice(client, login):
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(
        as_text=True
    )
    assert 'lang="zh-Hans"' in page
    member = login()
    response = form_post(
        client, "/language", {"locale": "zh_Hans", "next": "/dashboard"}, token_from="/dashboard"
    )
    assert response.status_code == 303
    from portal.extensions import db

    db.session.refresh(member)
    assert member.locale == "zh_Hans"
    page = client.get("/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="zh-Hans"' in page


def test_a_language_chosen_before_signing_in_is_kept_for_the_member(client, member):
    from portal.extensions import db
    from tests.conftest import DEFAULT_PASSWORD

    form_post(client, "/language", {"locale": "zh_Hans", "next": "/login"})
    response = form_post(client, "/login", {"email": member.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 303
    page = client.get("/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="zh-Hans"' in page
    db.session.refresh(member)
    assert member.locale == "zh_Hans"


def test_notifications_are_marked_read_by_a_post_not_by_looking(client, login):
    from portal.extensions import db
    from portal.models import Notification
    from portal.services.messaging.notifications import notify_member

    member = login()
    notify_member(member, "tier", title="Welcome to Silver", body="", email=False)
    db.session.commit()
    page = client.get("/notifications").get_data(as_text=True)
    assert "Welcome to Silver" in page and "Mark all as read" in page
    assert client.get("/dashboard").get_data(as_text=True).count('class="badge"') == 1
    response = form_post(client, "/notifications/read", token_from="/notifications")
    assert response.status_code == 303
    assert db.session.query(Notification).one().read_at is not None
    assert 'class="badge"' not in client.get("/dashboard").get_data(as_text=True)
    assert client.get("/notifications/read").status_code == 405
