"""/admin/settings/tokens (admins only): a token is shown once, works with the API within its
scopes, shows when it was last used, and once revoked is refused (401)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ApiToken, AuditEntry
from tests.conftest import form_post

PAGE = "/admin/settings/tokens"


def _make(client, **overrides):
    data = {"name": "Shanghai IFC till 2", "store": "", "scopes": ["purchases"], **overrides}
    return form_post(client, PAGE, data, token_from=PAGE)


def _plaintext(html: str) -> str:
    match = re.search(r'id="new-token"[^>]*value="(mlp_[^"]+)"', html)
    assert match, "the new token is not on the page"
    return match.group(1)


def _sale(member, clock, receipt="SH02-2026-000001"):
    return {
        "member": member.email,
        "receipt_no": receipt,
        "amount": "1500.00",
        "currency": "CNY",
        "purchased_at": (clock.now() - timedelta(minutes=5)).isoformat(),
        "store": "Shanghai IFC",
        "items": [{"sku": "RG-1", "name": "Ring", "quantity": 1, "unit_price": "1500.00"}],
    }


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(client, login):
    admin = login("admin")
    response = _make(client, store="Shanghai IFC", scopes=["purchases", "members:read"])
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    plaintext = _plaintext(response.get_data(as_text=True))
    token = db.session.scalar(select(ApiToken))
    assert (token.name, token.store, token.scope_list) == (
        "Shanghai IFC till 2",
        "Shanghai IFC",
        ["purchases", "members:read"],
    )
    assert plaintext not in (token.token_hash, token.prefix) and plaintext.startswith(token.prefix)
    listing = client.get(PAGE).get_data(as_text=True)
    assert plaintext not in listing and f"{token.prefix}…" in listing
    assert "never used" in listing and "Record purchases" in listing
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.create"))
    assert entry.actor_id == admin.id and entry.details["prefix"] == token.prefix
    assert plaintext not in str(entry.details) + entry.summary


def test_the_token_works_with_the_api_and_its_last_use_shows(client, login, member, clock):
    login("admin")
    plaintext = _plaintext(_make(client).get_data(as_text=True))
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert (
        client.post("/api/v1/purchases", json=_sale(member, clock), headers=headers).status_code
        == 201
    )
    # Outside its scopes: refused with 403.
    assert client.get(f"/api/v1/members/{member.card_number}", headers=headers).status_code == 403
    assert "never used" not in client.get(PAGE).get_data(as_text=True)
    assert "last used" in client.get(PAGE).get_data(as_text=True)


def test_revoking_asks_first_then_the_api_answers_401(client, login, member, clock):
    admin = login("admin")
    plaintext = _plaintext(_make(client).get_data(as_text=True))
    token = db.session.scalar(select(ApiToken))
    confirm = client.get(f"{PAGE}/{token.id}/revoke")
    assert (
        confirm.status_code == 200
        and "Revoke the token Shanghai IFC till 2?" in confirm.get_data(as_text=True)
    )
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None  # asking changes nothing
    done = form_post(client, f"{PAGE}/{token.id}/revoke", token_from=f"{PAGE}/{token.id}/revoke")
    assert done.status_code == 303
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert (
        client.post("/api/v1/purchases", json=_sale(member, clock), headers=headers).status_code
        == 401
    )
    assert "Revoked" in client.get(PAGE).get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.revoke"))
    assert (entry.actor_id, entry.details["before"], entry.details["after"]) == (
        admin.id,
        "live",
        "revoked",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"scopes": []}, "Choose at least one thing the token may do."),
        ({"scopes": ["everything"]}, "is not a valid choice"),
    ],
)
def test_a_token_needs_a_name_and_known_scopes(client, login, data, message):
    login("admin")
    response = _make(client, **data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken)) is None


def test_staff_can_neither_make_nor_revoke_tokens(client, login):
    from portal.services.purchases.api_tokens import create_api_token

    token, _plain = create_api_token("Till")
    db.session.commit()
    login("staff")
    assert _make(client).status_code == 403
    assert client.get(f"{PAGE}/{token.id}/revoke").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken).where(ApiToken.revoked_at.isnot(None))) is None
