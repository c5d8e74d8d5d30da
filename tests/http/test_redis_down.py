"""Redis (the rate-limit storage) down: the portal keeps serving, and rate limits fail open to a
count in each process's memory, never to no limit and never to a lockout (README,
"Reliability"). Simulated with RATELIMIT_STORAGE_URI pointing at a port where nothing listens."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.services.members import throttle
from portal.services.purchases.api_tokens import create_api_token
from tests.conftest import DEFAULT_PASSWORD, form_post, free_port


@pytest.fixture
def app_overrides():
    return {
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/0",
        "RATELIMIT_API": "3 per minute",
        "RATELIMIT_RESET": "2 per hour",
    }


@pytest.fixture(autouse=True)
def fresh_fallback():
    throttle._Fallback.dead_until = 0.0
    throttle._Fallback.strategy.storage.reset()
    yield
    throttle._Fallback.dead_until = 0.0
    throttle._Fallback.strategy.storage.reset()


def test_pages_serve_with_redis_down(client, login, member):
    assert client.get("/healthz").status_code == 200
    login(member)
    for path in ("/dashboard", "/rewards", "/purchases", "/card", "/account"):
        assert client.get(path).status_code == 200, path


def test_sign_in_keeps_its_limit_through_the_memory_fallback(client, member):
    wrong = [
        form_post(client, "/login", {"email": member.email, "password": "wrong-password-1"})
        for _ in range(6)
    ]
    assert [r.status_code for r in wrong] == [422] * 5 + [429]
    # Over the limit even the right password waits: the limit still applies.
    right = form_post(client, "/login", {"email": member.email, "password": DEFAULT_PASSWORD})
    assert right.status_code == 429
    assert "Retry-After" in right.headers


def test_a_decorated_limit_still_applies_through_flask_limiters_fallback(client):
    statuses = [
        form_post(
            client, "/forgot-password", {"email": "a@example.com"}, token_from="/forgot-password"
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_the_api_answers_and_keeps_its_per_token_limit(client, member):
    _token, plaintext = create_api_token("Shanghai IFC till 1")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}
    path = f"/api/v1/members/{member.card_number}"
    statuses = [client.get(path, headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
