"""The member's own data: downloading it (/account/export) and closing the account
(POST /account/delete)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AuditEntry,
    LedgerEntry,
    LoginSession,
    Member,
    Purchase,
    Redemption,
    Reward,
)
from portal.services.messaging.notifications import notify_member
from portal.services.points.ledger import ledger_sum
from portal.services.purchases.api_tokens import create_api_token
from portal.services.rewards.redemption import redeem
from tests.conftest import DEFAULT_PASSWORD, form_post

# -- downloading my data ---------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/account/export")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    # Without a session there is no CSRF token to send: refused before anything else.
    response = client.post("/account/delete", data={})
    assert response.status_code == 400
    assert "This page has expired" in response.get_data(as_text=True)


def test_the_account_page_offers_the_download_and_the_closing(client, login):
    login()
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/account/export"' in page and "Download my data" in page
    assert "Close my account" in page
    assert "I understand my points and vouchers will be lost" in page
    assert 'action="/account/delete"' in page
    assert page.count('id="password"') == 1  # the closing form's field has its own id
    assert " style=" not in page


def test_the_export_holds_my_data_in_plain_formats(
    client, login, create_member, create_purchase, clock, create_reward, create_return
):
    me = login(
        create_member(
            name="Lin Mei",
            email="lin.mei@example.com",
            phone="+8613800138000",
            birthday=date(1990, 12, 18),
            marketing_opt_in=True,
        )
    )
    purchase = create_purchase(me, amount="1234.50", receipt_no="SH01-R-0001")
    create_return(purchase, "234.50", reason="Clasp too small")
    reward = create_reward(name="Silk pouch", points_cost=100)
    redemption = redeem(db.session.get(Member, me.id), reward, idempotency_key="k-1")
    notify_member(
        db.session.get(Member, me.id),
        "welcome",
        title="Welcome to the club",
        body="Hello",
        link=("member.dashboard", {}),
        dedupe_key=f"welcome:{me.id}",
        email=False,
    )
    db.session.commit()
    code = redemption.voucher_code_display

    someone_else = create_member(name="Wang Fang", email="wang.fang@example.com")
    create_purchase(someone_else, amount="999.00", receipt_no="SH01-OTHER-7777")

    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="member-data-2026-06-15.json"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert "SH01-OTHER-7777" not in text and "wang.fang" not in text and "999.00" not in text

    exported = json.loads(text)
    profile = exported["profile"]
    assert profile["name"] == "Lin Mei"
    assert profile["email"] == "lin.mei@example.com"
    assert profile["phone"] == "+8613800138000"
    assert profile["birthday"] == "1990-12-18"
    assert profile["card_number"] == me.card_number
    assert profile["referral_code"] == me.referral_code
    assert profile["marketing_opt_in"] is True
    assert profile["joined_at"] == "2026-06-15T04:00:00+00:00"
    assert exported["exported_at"] == "2026-06-15T04:00:00+00:00"

    assert [p["receipt_no"] for p in exported["purchases"]] == ["SH01-R-0001"]
    bought = exported["purchases"][0]
    assert bought["amount"] == "1234.50" and bought["currency"] == "CNY"
    assert bought["returned_amount"] == "234.50"
    assert bought["purchased_at"] == "2026-06-15T03:00:00+00:00"
    assert bought["items"] == [
        {"sku": "P-18K-01", "name": "18K gold pendant", "quantity": 1, "unit_price": "1234.50"}
    ]
    assert bought["returns"][0]["amount"] == "234.50"
    assert bought["returns"][0]["reason"] == "Clasp too small"

    points = exported["points"]
    kinds = [entry["kind"] for entry in points["ledger"]]
    assert kinds == ["earn", "reverse", "redeem"]
    assert sum(entry["points"] for entry in points["ledger"]) == points["balance"]
    earn = points["ledger"][0]
    assert earn["points"] == 1234 and earn["expires_at"] == "2028-06-15T03:00:00+00:00"

    assert exported["tier"]["code"] == "member"
    assert exported["vouchers"] == [
        {
            "code": code,
            "reward": "Silk pouch",
            "points_spent": 100,
            "status": "issued",
            "issued_at": "2026-06-15T04:00:00+00:00",
            "valid_until": "2026-08-14T04:00:00+00:00",
            "fulfilled_at": None,
            "cancelled_at": None,
            "expired_at": None,
        }
    ]
    assert [n["title"] for n in exported["notifications"]] == ["Welcome to the club"]
    [signed_in] = exported["sign_in"]["sessions"]
    assert signed_in["method"] == "password" and signed_in["ended_at"] is None
    assert signed_in["signed_in_at"] == "2026-06-15T04:00:00+00:00"
    assert exported["sign_in"]["passkeys"] == []


def test_the_export_lists_tier_history(client, login, create_purchase, clock):
    me = login()
    create_purchase(me, amount="12000.00")
    exported = client.get("/account/export").get_json()
    assert exported["tier"]["code"] == "silver"
    assert [(c["from"], c["to"], c["reason"]) for c in exported["tier"]["history"]] == [
        ("member", "silver", "upgrade")
    ]


# -- closing the account ---------------------------------------------------------------------


def _close(client, **fields):
    data = {"password": DEFAULT_PASSWORD, "understood": "y"}
    data.update(fields)
    return form_post(client, "/account/delete", data, token_from="/account")


def test_a_wrong_password_keeps_the_account(client, login):
    me = login()
    response = _close(client, password="not-my-password-at-all")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="close_password-error"' in page
    assert "That is not your current password." in page
    assert db.session.get(Member, me.id).deactivated_at is None
    assert client.get("/dashboard").status_code == 200


def test_the_box_must_be_ticked(client, login):
    me = login()
    data = {"password": DEFAULT_PASSWORD}
    response = form_post(client, "/account/delete", data, token_from="/account")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="understood-error"' in page and "Please tick the box to confirm." in page
    db.session.expire_all()
    assert db.session.get(Member, me.id).deactivated_at is None


def test_closing_needs_the_csrf_token(client, login):
    me = login()
    response = client.post(
        "/account/delete", data={"password": DEFAULT_PASSWORD, "understood": "y"}
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Member, me.id).deactivated_at is None


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_cannot_close_their_own_account_here(client, login, role):
    person = login(role)
    page = client.get("/account").get_data(as_text=True)
    assert "Staff accounts cannot be closed here." in page
    assert 'action="/account/delete"' not in page
    response = _close(client)
    assert response.status_code == 403
    assert "Staff accounts cannot be closed here." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Member, person.id).deactivated_at is None
    assert client.get("/account").status_code == 200


def test_closing_forgets_the_member_and_keeps_the_programme_records(
    app, client, login, create_member, create_purchase, clock, create_reward, give_points
):
    me = login(
        create_member(
            name="Lin Mei",
            email="lin.mei@example.com",
            phone="+8613800138000",
            birthday=date(1990, 12, 18),
            marketing_opt_in=True,
        )
    )
    old_cookie = client.get_cookie("portal_session").value
    purchase = create_purchase(me, amount="800.00", receipt_no="SH01-CLOSE-1")
    give_points(me, 500)
    pouch = create_reward(name="Silk pouch", points_cost=300, stock=4)
    voucher = redeem(db.session.get(Member, me.id), pouch, idempotency_key="k-close")
    db.session.commit()
    assert db.session.get(Reward, pouch.id).stock == 3
    assert db.session.get(Member, me.id).points_balance == 800 + 500 - 300

    response = _close(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    landing = client.get("/").get_data(as_text=True)
    assert "Your account is closed" in landing

    # It cannot sign in again, and the old cookie no longer opens a page.
    assert client.get("/dashboard").status_code == 302
    client.set_cookie("portal_session", old_cookie)
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    refused = form_post(
        client, "/login", {"email": "lin.mei@example.com", "password": DEFAULT_PASSWORD}
    )
    assert refused.status_code == 422

    db.session.expire_all()
    closed = db.session.get(Member, me.id)
    assert closed.deactivated_at == clock.now()
    assert closed.name == "Closed account"
    assert closed.email == f"closed-{me.id}@invalid"
    assert closed.phone is None and closed.birthday is None
    assert closed.marketing_opt_in is False
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(LoginSession)
            .where(LoginSession.member_id == me.id, LoginSession.revoked_at.is_(None))
        )
        == 0
    )

    # The points are forfeited with one entry; the ledger and purchase stay.
    assert closed.points_balance == 0 == ledger_sum(closed)
    last = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.member_id == me.id).order_by(LedgerEntry.id.desc())
    ).first()
    assert (last.kind, last.points, last.reason) == ("adjust_debit", -1000, "Account closed")
    assert db.session.get(Purchase, purchase.id).member_id == me.id

    # The voucher is cancelled without a refund and its item is back in stock.
    voucher = db.session.get(Redemption, voucher.id)
    assert voucher.status == "cancelled" and voucher.cancelled_at == clock.now()
    assert db.session.get(Reward, pouch.id).stock == 4
    assert (
        db.session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "refund")
        )
        == 0
    )

    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.close"))
    assert audit.actor_id == me.id and audit.target_id == me.id
    assert audit.details == {
        "points_forfeited": 1000,
        "vouchers_cancelled": 1,
        "event_answers_cancelled": 0,
    }
    assert "Lin Mei" not in audit.summary


def test_the_till_no_longer_knows_a_closed_member(client, login, create_member):
    me = login(create_member(email="lin.mei@example.com"))
    card = me.card_number
    assert _close(client).status_code == 303
    _token, plaintext = create_api_token("Shanghai IFC till 1")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get(f"/api/v1/members/{card}", headers=headers).status_code == 404
    sale = {
        "member": "lin.mei@example.com",
        "receipt_no": "SH01-AFTER-1",
        "amount": "100.00",
        "currency": "CNY",
        "purchased_at": datetime(2026, 6, 15, 3, 0, tzinfo=UTC).isoformat(),
        "store": "Shanghai IFC",
        "items": [{"sku": "X", "name": "Ring", "quantity": 1, "unit_price": "100.00"}],
    }
    response = client.post("/api/v1/purchases", json=sale, headers=headers)
    assert response.status_code == 422
    assert "member" in response.get_json()["errors"]


def test_the_account_page_gives_each_element_its_own_id(client, login):
    """Four forms on one page: each CSRF field has an id of its own (valid HTML)."""
    import re
    from collections import Counter

    login()
    html = client.get("/account").get_data(as_text=True)
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert html.count('name="csrf_token"') >= 4
    assert [name for name, count in ids.items() if count > 1] == []
