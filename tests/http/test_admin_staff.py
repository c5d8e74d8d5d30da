"""/admin/settings/staff (admins only): invite by mail, change the role, deactivate and
reactivate, each audited with its value before and after."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, LoginSession, Member
from tests.conftest import DEFAULT_PASSWORD, csrf_token_from, form_post

PAGE = "/admin/settings/staff"
CHOSEN = "amber-window-tulip-58"


def _audit(action: str) -> AuditEntry:
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()


def _member(email: str) -> Member:
    db.session.expire_all()
    return db.session.scalar(select(Member).where(Member.email == email))


def _sign_in(client, person):
    return form_post(client, "/login", {"email": person.email, "password": DEFAULT_PASSWORD})


def _invite(client, **overrides):
    data = {"name": "Wang Fang", "email": "wang.fang@example.com", "role": "staff", **overrides}
    return form_post(client, PAGE, data, token_from=PAGE)


@pytest.mark.parametrize("path", [PAGE, "/admin/settings/tokens"])
@pytest.mark.parametrize(("role", "status"), [("member", 403), ("staff", 403), ("admin", 200)])
def test_only_admins_open_the_staff_and_token_pages(client, login, path, role, status):
    login(role)
    assert client.get(path).status_code == status


def test_staff_cannot_invite_or_change_anyone(client, login, create_member):
    other = create_member(role="staff")
    login("staff")
    token = csrf_token_from(client.get("/admin/audit").get_data(as_text=True))
    assert (
        client.post(
            PAGE, data={"csrf_token": token, "name": "X", "email": "x@example.com", "role": "admin"}
        ).status_code
        == 403
    )
    for action in ("deactivate", "reactivate"):
        response = client.post(f"{PAGE}/{other.id}/{action}", data={"csrf_token": token})
        assert response.status_code == 403
    assert (
        client.post(
            f"{PAGE}/{other.id}/role", data={"csrf_token": token, "role": "admin"}
        ).status_code
        == 403
    )
    assert _member(other.email).role == "staff" and _member("x@example.com") is None


def test_the_list_shows_role_status_and_last_sign_in(client, login, staff, clock):
    clock.set(datetime(2026, 11, 3, 1, 0, tzinfo=UTC))
    login(staff)
    form_post(client, "/logout", token_from="/admin/")
    clock.advance(hours=2)
    admin = login("admin")
    page = client.get(PAGE).get_data(as_text=True)
    assert "Zhang Wei" in page and admin.name in page
    assert re.search(r"Last signed in 11/3/26, 9:00\sAM", page)  # 01:00 UTC in Shanghai
    assert "Active" in page and "Admin" in page


def test_an_invitation_mails_a_link_that_sets_the_password_once(client, login, mailbox):
    admin = login("admin")
    response = _invite(client, role="admin")
    assert response.status_code == 303
    invited = _member("wang.fang@example.com")
    assert (invited.role, invited.name) == ("admin", "Wang Fang")
    # No password signs in before the link is followed.
    assert form_post(client, "/logout", token_from=PAGE).status_code == 303
    refused = form_post(client, "/login", {"email": invited.email, "password": "!invited:"})
    assert refused.status_code == 422
    entry = _audit("staff.invite")
    assert (entry.actor_id, entry.member_id, entry.details["after"]) == (
        admin.id,
        invited.id,
        "admin",
    )

    link = mailbox.link_in_last("wang.fang@example.com", "/invitation/")
    assert "Wang Fang" in mailbox.text_of(mailbox.last_to("wang.fang@example.com"))
    page = client.get(link)
    assert page.status_code == 200 and "Choose your password" in page.get_data(as_text=True)
    accepted = form_post(client, link, {"password": CHOSEN}, token_from=link)
    assert accepted.status_code == 303 and accepted.headers["Location"].endswith("/login")
    signed_in = form_post(client, "/login", {"email": "wang.fang@example.com", "password": CHOSEN})
    assert signed_in.status_code == 303
    assert client.get("/admin/settings").status_code == 200
    assert _audit("staff.accept").actor_id == invited.id
    # Used once: the link no longer works.
    again = client.get(link)
    assert again.status_code == 400 and "not valid any more" in again.get_data(as_text=True)


def test_an_invitation_link_expires_after_three_days(client, login, mailbox, clock):
    start = clock.set(datetime(2026, 11, 3, 1, 0, tzinfo=UTC))
    login("admin")
    _invite(client)
    link = mailbox.link_in_last("wang.fang@example.com", "/invitation/")
    clock.set(start + timedelta(days=3) - timedelta(minutes=1))
    assert client.get(link).status_code == 200
    clock.set(start + timedelta(days=3, minutes=1))
    assert client.get(link).status_code == 400
    response = form_post(client, link, {"password": CHOSEN}, token_from="/login")
    assert response.status_code == 400
    assert _member("wang.fang@example.com").password_hash.startswith("!invited:")


def test_an_invitation_to_a_taken_email_or_with_bad_input_is_refused(client, login, member):
    login("admin")
    taken = _invite(client, email="lin.mei@example.com")
    assert taken.status_code == 422 and "An account already has this email." in taken.get_data(
        as_text=True
    )
    bad = _invite(client, email="not-an-email", role="owner")
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Enter an email address like name@example.com." in text
    assert _member("lin.mei@example.com").role == "member"


def test_a_role_change_is_audited_with_before_and_after(client, login, staff):
    admin = login("admin")
    response = form_post(client, f"{PAGE}/{staff.id}/role", {"role": "admin"}, token_from=PAGE)
    assert response.status_code == 303
    assert _member(staff.email).role == "admin"
    entry = _audit("staff.role_change")
    assert (entry.actor_id, entry.member_id, entry.details) == (
        admin.id,
        staff.id,
        {"before": "staff", "after": "admin"},
    )


def test_deactivating_ends_the_sessions_at_once_and_reactivating_lets_them_back(app, staff, admin):
    staff_client, admin_client = app.test_client(), app.test_client()
    assert _sign_in(staff_client, staff).status_code == 303
    assert staff_client.get("/admin/").status_code == 200
    _sign_in(admin_client, admin)
    response = form_post(admin_client, f"{PAGE}/{staff.id}/deactivate", token_from=PAGE)
    assert response.status_code == 303
    # The staff member's open browser is signed out on its next request.
    after = staff_client.get("/admin/")
    assert after.status_code in (302, 303) and "/login" in after.headers["Location"]
    live = db.session.scalars(
        select(LoginSession).where(
            LoginSession.member_id == staff.id, LoginSession.revoked_at.is_(None)
        )
    ).all()
    assert live == []
    assert _sign_in(staff_client, staff).status_code == 422
    entry = _audit("staff.deactivate")
    assert (entry.actor_id, entry.member_id) == (admin.id, staff.id)
    assert (entry.details["before"], entry.details["after"]) == ("active", "deactivated")
    assert "Deactivated" in admin_client.get(PAGE).get_data(as_text=True)

    reactivated = form_post(admin_client, f"{PAGE}/{staff.id}/reactivate", token_from=PAGE)
    assert reactivated.status_code == 303
    assert _sign_in(staff_client, staff).status_code == 303
    assert _audit("staff.reactivate").details == {"before": "deactivated", "after": "active"}


def test_an_admin_cannot_deactivate_or_re_role_themselves(client, login):
    admin = login("admin")
    for path, data in (
        (f"{PAGE}/{admin.id}/deactivate", {}),
        (f"{PAGE}/{admin.id}/role", {"role": "staff"}),
    ):
        response = form_post(client, path, data, token_from=PAGE)
        assert response.status_code == 409
        assert "You cannot change your own account here" in response.get_data(as_text=True)
    me = _member(admin.email)
    assert (me.role, me.deactivated_at) == ("admin", None)
    assert _audit("staff.deactivate") is None


def test_the_last_active_admin_is_neither_deactivated_nor_made_staff(app, create_member):
    """The web never lets an admin act on themselves, so the guard is met when the one acting
    is no longer an active admin (a deactivated admin's request, a command)."""
    from portal.services.members import staff as staff_accounts

    only = create_member(role="admin")
    former = create_member(role="admin")
    former.deactivated_at = datetime(2026, 11, 1, tzinfo=UTC)
    db.session.commit()
    with pytest.raises(staff_accounts.LastAdmin):
        staff_accounts.deactivate_staff(only, admin=former)
    with pytest.raises(staff_accounts.LastAdmin):
        staff_accounts.change_staff_role(only, "staff", admin=former)
    db.session.rollback()
    assert (_member(only.email).role, _member(only.email).deactivated_at) == ("admin", None)
    # With a second active admin, the same changes are allowed.
    create_member(role="admin")
    assert staff_accounts.change_staff_role(only, "staff", admin=former) is True


def test_a_member_account_is_not_managed_here(client, login, member):
    login("admin")
    response = form_post(client, f"{PAGE}/{member.id}/deactivate", token_from=PAGE)
    assert response.status_code == 404
    assert _member(member.email).deactivated_at is None
