"""Staff actions on a member: points adjusted within each role's limit (above it an admin
approves), the tier held until a date, the verification mail resent, sign-in blocked and
unblocked. Each needs a reason and is audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AuditEntry,
    LedgerEntry,
    LoginSession,
    Member,
    PointsAdjustmentRequest,
    Tier,
)
from portal.services.members.desk import set_tier_by_hand
from portal.services.points.tiers import evaluate_tiers
from portal.services.purchases.api_tokens import create_api_token
from tests.conftest import DEFAULT_PASSWORD, form_post


@pytest.fixture
def lin(create_member):
    return create_member(name="Lin Mei", email="lin.mei@example.com", phone="13800138000")


def fresh(member) -> Member:
    db.session.expire_all()
    return db.session.get(Member, member.id)


def post(client, member, action, data):
    return form_post(
        client,
        f"/admin/members/{member.id}/{action}",
        data,
        token_from=f"/admin/members/{member.id}",
    )


def adjust(client, member, points, reason="Receipt found late"):
    direction = "credit" if points > 0 else "debit"
    return post(
        client,
        member,
        "points",
        {"direction": direction, "points": str(abs(points)), "reason": reason},
    )


def requests() -> list[PointsAdjustmentRequest]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(PointsAdjustmentRequest).order_by(PointsAdjustmentRequest.id))
    )


def audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# -- points within the limits ----------------------------------------------------------------


def test_staff_adjust_up_to_their_limit_at_once(client, login, lin, staff):
    login(staff)
    assert adjust(client, lin, 500).status_code == 303  # the default staff limit, exactly
    assert fresh(lin).points_balance == 500
    assert requests() == []
    audit = audits("member.points_adjust")[0]
    assert audit.details["before"] == {"points_balance": 0}
    assert audit.details["after"] == {"points_balance": 500}
    assert audit.details["reason"] == "Receipt found late"


def test_one_point_over_the_staff_limit_waits_for_an_admin(client, login, lin, staff):
    login(staff)
    response = adjust(client, lin, 501)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "waits for an admin" in page and "Adjustments waiting for an admin" in page
    assert fresh(lin).points_balance == 0
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0
    (waiting,) = requests()
    assert (waiting.points, waiting.status, waiting.requested_by_id) == (501, "pending", staff.id)
    assert audits("points_request.create")[0].details["points"] == 501
    # The same form sent again files no second request.
    adjust(client, lin, 501)
    assert len(requests()) == 1
    # Staff see their request's status, and cannot decide it.
    mine = client.get("/admin/approvals").get_data(as_text=True)
    assert "Lin Mei" in mine and "Waiting for an admin" in mine and "Approve" not in mine
    refused = form_post(
        client, f"/admin/approvals/{waiting.id}/approve", {}, token_from="/admin/approvals"
    )
    assert refused.status_code == 403 and requests()[0].status == "pending"


def test_a_debit_over_the_limit_waits_too(client, login, lin, staff, give_points):
    give_points(lin, 2000)
    login(staff)
    adjust(client, lin, -600, reason="Duplicate receipt")
    assert requests()[0].points == -600 and fresh(lin).points_balance == 2000


def test_admins_adjust_up_to_their_limit_and_nobody_beyond(client, login, lin, admin):
    login(admin)
    assert adjust(client, lin, 5000).status_code == 303
    assert fresh(lin).points_balance == 5000 and requests() == []
    over = adjust(client, lin, 5001)
    assert over.status_code == 422
    assert "No adjustment may be larger than 5,000 points" in over.get_data(as_text=True)
    assert fresh(lin).points_balance == 5000 and requests() == []


def test_beyond_the_admin_limit_staff_get_no_request_either(client, login, lin, staff):
    login(staff)
    response = adjust(client, lin, 5001)
    assert response.status_code == 422 and requests() == []


def test_an_adjustment_needs_a_reason(client, login, lin, staff):
    login(staff)
    response = post(client, lin, "points", {"direction": "credit", "points": "50", "reason": "  "})
    assert response.status_code == 422
    assert "Say why the points change" in response.get_data(as_text=True)
    assert fresh(lin).points_balance == 0


def test_a_closed_account_is_not_adjusted(client, login, lin, staff, clock):
    lin.deactivated_at = clock.now()
    db.session.commit()
    login(staff)
    response = adjust(client, lin, 50)
    assert response.status_code == 422
    assert "its points are not adjusted" in response.get_data(as_text=True)
    assert fresh(lin).points_balance == 0


def test_the_limits_are_settings(client, login, lin, staff, admin):
    login(admin)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'name="points_adjust_staff_limit"' in page and 'name="points_adjust_admin_limit"' in page
    from portal.services.programme.settings import change_settings

    change_settings({"points_adjust_staff_limit": 100}, actor=admin)
    db.session.commit()
    form_post(client, "/logout", token_from="/admin/")
    login(staff)
    adjust(client, lin, 101)
    assert len(requests()) == 1 and fresh(lin).points_balance == 0


def test_staff_limit_above_the_admin_limit_is_refused(admin):
    from portal.services.programme.settings import SettingsRefused, change_settings

    with pytest.raises(SettingsRefused) as refused:
        change_settings({"points_adjust_staff_limit": 6000}, actor=admin)
    assert "points_adjust_staff_limit" in refused.value.errors


# -- approvals -------------------------------------------------------------------------------


@pytest.fixture
def waiting(client, login, lin, staff):
    login(staff)
    adjust(client, lin, 800, reason="Wedding anniversary gift")
    form_post(client, "/logout", token_from="/admin/")
    return requests()[0]


def decide(client, waiting, decision, note=""):
    return form_post(
        client,
        f"/admin/approvals/{waiting.id}/{decision}",
        {"note": note},
        token_from="/admin/approvals",
    )


def test_an_admin_approves_and_the_points_are_written_once(
    client, login, lin, admin, waiting, staff
):
    login(admin)
    page = client.get("/admin/approvals").get_data(as_text=True)
    assert "Wedding anniversary gift" in page and "Approve" in page
    assert '<span class="nav-badge">1' in page
    response = decide(client, waiting, "approve", note="Fine")
    assert response.status_code == 303
    assert fresh(lin).points_balance == 800
    decided = requests()[0]
    assert (decided.status, decided.decided_by_id, decided.decision_note) == (
        "approved",
        admin.id,
        "Fine",
    )
    entry = db.session.get(LedgerEntry, decided.ledger_entry_id)
    assert (entry.points, entry.reason, entry.kind) == (
        800,
        "Wedding anniversary gift",
        "adjust_credit",
    )
    audit = audits("points_request.approve")[0]
    assert audit.details["before"] == {"status": "pending"}
    assert audit.details["after"]["status"] == "approved"
    # A second admin (or a second click) changes nothing and is told so.
    again = decide(client, waiting, "approve")
    assert again.status_code == 409
    assert "already approved by Chen Jing" in again.get_data(as_text=True)
    refuse_late = decide(client, waiting, "refuse", note="No")
    assert refuse_late.status_code == 409 and requests()[0].status == "approved"
    assert fresh(lin).points_balance == 800
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1
    # The staff member sees the outcome.
    form_post(client, "/logout", token_from="/admin/")
    login(staff)
    mine = client.get("/admin/approvals?status=decided").get_data(as_text=True)
    assert "Approved" in mine and "Chen Jing" in mine


def test_an_admin_refuses_with_a_note(client, login, lin, admin, waiting):
    login(admin)
    no_note = decide(client, waiting, "refuse")
    assert no_note.status_code == 422 and "Say why the request is refused" in no_note.get_data(
        as_text=True
    )
    assert requests()[0].status == "pending"
    assert decide(client, waiting, "refuse", note="Not our policy").status_code == 303
    assert requests()[0].status == "refused" and requests()[0].decision_note == "Not our policy"
    assert fresh(lin).points_balance == 0
    assert decide(client, waiting, "approve").status_code == 409
    assert fresh(lin).points_balance == 0
    assert len(audits("points_request.refuse")) == 1 and audits("points_request.approve") == []


def test_a_debit_no_longer_covered_cannot_be_approved(
    client, login, lin, admin, staff, give_points
):
    give_points(lin, 1000)
    login(staff)
    adjust(client, lin, -900, reason="Returned outside the till")
    form_post(client, "/logout", token_from="/admin/")
    lin_now = fresh(lin)
    from portal.services.members.desk import adjust_points

    adjust_points(lin_now, -200, reason="Another correction", staff=admin)
    db.session.commit()
    login(admin)
    response = decide(client, requests()[0], "approve")
    assert response.status_code == 422
    assert "has only 800 points now" in response.get_data(as_text=True)
    assert requests()[0].status == "pending" and fresh(lin).points_balance == 800


# -- the tier held until a date --------------------------------------------------------------


def test_only_admins_hold_a_tier(client, login, lin):
    login("staff")
    response = post(client, lin, "tier", {"tier": "gold", "until": "2026-07-01", "reason": "VIP"})
    assert response.status_code == 403


def test_an_override_holds_through_its_day_and_evaluation_resumes_after(
    client, login, lin, admin, clock, create_purchase
):
    # 15 June 2026 noon in Shanghai; held as Gold through 1 July (Shanghai time).
    clock.set(datetime(2026, 6, 15, 4, 0, tzinfo=UTC))
    login(admin)
    response = post(
        client, lin, "tier", {"tier": "gold", "until": "2026-07-01", "reason": "Launch ambassador"}
    )
    assert response.status_code == 303
    member = fresh(lin)
    assert member.tier_code == "gold"
    page = client.get(f"/admin/members/{lin.id}").get_data(as_text=True)
    assert "held by an admin until" in page
    audit = audits("member.tier_change")[-1]
    assert audit.details["until"] == "2026-07-01" and audit.details["before"]["tier"] == "member"
    # Purchases do not move a held tier either.
    create_purchase(member, amount="200000.00", purchased_at=clock.now() - timedelta(hours=1))
    assert fresh(lin).tier_code == "gold"
    # The day before and the day itself (late evening in Shanghai): still Gold.
    for moment in (datetime(2026, 6, 30, 12, tzinfo=UTC), datetime(2026, 7, 1, 15, 30, tzinfo=UTC)):
        clock.set(moment)
        evaluate_tiers(now=moment)
        db.session.commit()
        assert fresh(lin).tier_code == "gold", moment
    # The day after: evaluated as usual (the spend qualifies for Diamond: it moves up).
    after = datetime(2026, 7, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 July in Shanghai
    clock.set(after)
    evaluate_tiers(now=after)
    db.session.commit()
    assert fresh(lin).tier_code == "diamond"


def test_after_an_override_the_tier_falls_one_level_at_a_time(lin, admin, clock):
    clock.set(datetime(2026, 6, 15, 4, 0, tzinfo=UTC))
    set_tier_by_hand(
        fresh(lin),
        db.session.get(Tier, "diamond"),
        reason="Celebrity",
        admin=admin,
        until=date(2026, 7, 1),
    )
    db.session.commit()
    day_of = datetime(2026, 7, 1, 12, tzinfo=UTC)
    evaluate_tiers(now=day_of)
    assert fresh(lin).tier_code == "diamond"
    day_after = datetime(2026, 7, 2, 12, tzinfo=UTC)
    clock.set(day_after)
    evaluate_tiers(now=day_after)
    db.session.commit()
    assert fresh(lin).tier_code == "gold"


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("2026-06-15", "Choose a day after today."),
        ("2026-06-14", "Choose a day after today."),
        ("15/07/2026", "Not a valid date"),
    ],
)
def test_an_override_date_must_be_after_today(client, login, lin, clock, until, message):
    login("admin")
    response = post(client, lin, "tier", {"tier": "gold", "until": until, "reason": "x"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert fresh(lin).tier_code == "member"


def test_holding_the_current_tier_needs_no_change(client, login, lin, clock):
    login("admin")
    response = post(
        client, lin, "tier", {"tier": "member", "until": "2026-08-01", "reason": "Under review"}
    )
    assert response.status_code == 303
    assert fresh(lin).tier_override_until is not None


# -- the verification mail -------------------------------------------------------------------


def test_staff_resend_the_verification_mail_at_most_every_ten_minutes(
    client, login, create_member, mailbox, clock
):
    unverified = create_member(name="New Member", email="new@example.com", verified=False)
    login("staff")
    sent_before = len(mailbox.to("new@example.com"))
    page = client.get(f"/admin/members/{unverified.id}").get_data(as_text=True)
    assert "Resend the confirmation mail" in page
    first = post(client, unverified, "verification", {})
    assert first.status_code == 303
    assert len(mailbox.to("new@example.com")) == sent_before + 1
    assert "/verify-email/" in mailbox.text_of(mailbox.last_to("new@example.com"))
    second = post(client, unverified, "verification", {})
    assert second.status_code == 429 and "Try again in 10 minutes" in second.get_data(as_text=True)
    clock.advance(minutes=10)
    assert post(client, unverified, "verification", {}).status_code == 303
    assert len(audits("member.verification_resend")) == 2


def test_a_confirmed_email_gets_no_new_link(client, login, lin):
    login("staff")
    assert "Resend the confirmation mail" not in client.get(f"/admin/members/{lin.id}").get_data(
        as_text=True
    )
    assert post(client, lin, "verification", {}).status_code == 422


# -- blocking sign-in ------------------------------------------------------------------------


def test_blocking_ends_the_sessions_refuses_sign_in_and_the_till_sees_it(
    app, client, login, lin, staff
):
    other_browser = app.test_client()
    signed_in = form_post(
        other_browser, "/login", {"email": lin.email, "password": DEFAULT_PASSWORD}
    )
    assert signed_in.status_code == 303
    assert other_browser.get("/dashboard").status_code == 200
    login(staff)
    no_reason = post(client, lin, "block", {"reason": ""})
    assert no_reason.status_code == 422 and fresh(lin).blocked_at is None
    response = post(client, lin, "block", {"reason": "Card reported stolen"})
    assert response.status_code == 303
    assert fresh(lin).blocked_reason == "Card reported stolen"
    # The member's browser is signed out at once.
    assert other_browser.get("/dashboard").status_code == 302
    assert (
        db.session.scalar(
            select(func.count(LoginSession.id)).where(
                LoginSession.member_id == lin.id, LoginSession.revoked_at.is_(None)
            )
        )
        == 0
    )
    # Signing in again is refused with a message, even with the right password.
    again = form_post(
        app.test_client(), "/login", {"email": lin.email, "password": DEFAULT_PASSWORD}
    )
    assert again.status_code == 403
    assert "blocked by our staff" in again.get_data(as_text=True)
    wrong = form_post(
        app.test_client(), "/login", {"email": lin.email, "password": "not-the-password-1"}
    )
    assert wrong.status_code == 422 and "blocked" not in wrong.get_data(as_text=True)
    # The till's look-up says so.
    _token, plaintext = create_api_token("Shanghai IFC till 9")
    db.session.commit()
    answer = app.test_client().get(
        f"/api/v1/members/{lin.card_number}", headers={"Authorization": f"Bearer {plaintext}"}
    )
    assert answer.status_code == 200 and answer.get_json()["status"] == "blocked"
    audit = audits("member.block")[0]
    assert audit.details["before"] == {"blocked": False} and audit.details["sessions_ended"] == 1
    # Blocked twice: told, nothing changes.
    assert post(client, lin, "block", {"reason": "again"}).status_code == 409

    assert post(client, lin, "unblock", {"reason": "Card found"}).status_code == 303
    assert fresh(lin).blocked_at is None
    back = form_post(
        app.test_client(), "/login", {"email": lin.email, "password": DEFAULT_PASSWORD}
    )
    assert back.status_code == 303
    answer = app.test_client().get(
        f"/api/v1/members/{lin.card_number}", headers={"Authorization": f"Bearer {plaintext}"}
    )
    assert answer.get_json()["status"] == "active"
    assert len(audits("member.unblock")) == 1


def test_staff_cannot_block_staff_or_themselves(client, login, staff, create_member):
    colleague = create_member(name="Colleague", role="staff")
    login(staff)
    assert post(client, colleague, "block", {"reason": "x"}).status_code == 403
    assert post(client, staff, "block", {"reason": "x"}).status_code == 403
    assert fresh(colleague).blocked_at is None


def test_a_blocked_member_cannot_sign_in_with_a_passkey(app, client, login, lin, staff):
    from tests.http.test_passkeys import add_passkey, passkey_sign_in
    from tests.passkey_authenticator import SoftAuthenticator

    login(lin)
    phone = SoftAuthenticator()
    assert add_passkey(client, phone).status_code == 201
    form_post(client, "/logout", token_from="/dashboard")
    login(staff)
    post(client, lin, "block", {"reason": "Fraud suspected"})
    form_post(client, "/logout", token_from="/admin/")
    answer, _credential = passkey_sign_in(client, phone)
    assert answer.status_code == 400
    assert "blocked by our staff" in answer.get_json()["error"]
    assert client.get("/dashboard").status_code == 302
