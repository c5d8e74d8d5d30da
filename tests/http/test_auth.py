"""Joining, signing in and out, confirming the email and resetting the password."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Member
from tests.conftest import DEFAULT_PASSWORD, form_post

GOOD = {
    "name": "Sophie Laurent",
    "email": "sophie@example.com",
    "password": "amber-willow-crescent-9",
    "terms": "y",
}


def member_count() -> int:
    return db.session.scalar(select(func.count(Member.id)))


def test_register_confirm_and_sign_in(client, mailbox):
    response = form_post(client, "/register", GOOD)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/register/check-email")
    page = client.get("/register/check-email").get_data(as_text=True)
    assert "sophie@example.com" in page

    created = db.session.scalar(select(Member).where(Member.email == "sophie@example.com"))
    assert created.email_verified_at is None
    assert created.password_hash != GOOD["password"] and created.password_hash.startswith("$argon2")

    link = mailbox.link_in_last("sophie@example.com", "/verify-email/")
    assert mailbox.last_to("sophie@example.com")["Subject"]
    response = client.get(link)
    assert response.status_code == 302
    db.session.refresh(created)
    assert created.email_verified_at is not None

    response = form_post(
        client, "/login", {"email": "Sophie@Example.com", "password": GOOD["password"]}
    )
    assert response.status_code == 303
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Hello, Sophie" in dashboard


def test_mail_links_use_the_configured_address_not_the_host_header(client, mailbox):
    form_post(client, "/register", GOOD, headers={"Host": "evil.example"})
    body = mailbox.text_of(mailbox.last_to("sophie@example.com"))
    assert "http://portal.test/verify-email/" in body
    assert "evil.example" not in body


def test_register_rejects_bad_input_beside_each_field(client):
    response = form_post(
        client,
        "/register",
        {"name": "", "email": "not-an-email", "password": "short", "terms": ""},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This field is required." in page
    assert "Enter an email address like name@example.com." in page
    assert "Use at least 12 characters." in page
    assert 'minlength="12"' in page
    assert "Please accept the terms to join." in page
    assert 'aria-invalid="true"' in page
    assert member_count() == 0


def test_a_password_of_eleven_characters_is_refused_and_twelve_accepted(client):
    response = form_post(client, "/register", {**GOOD, "password": "amber-willo"})
    assert response.status_code == 422
    assert "Use at least 12 characters." in response.get_data(as_text=True)
    assert member_count() == 0
    response = form_post(client, "/register", {**GOOD, "password": "amber-willow"})
    assert response.status_code == 303
    assert member_count() == 1


def test_register_refuses_common_and_overlong_values(client):
    response = form_post(client, "/register", {**GOOD, "password": "password1234"})
    assert response.status_code == 422
    assert "too common" in response.get_data(as_text=True)
    response = form_post(client, "/register", {**GOOD, "name": "x" * 101})
    assert response.status_code == 422
    assert "Field cannot be longer than 100 characters." in response.get_data(as_text=True)
    assert member_count() == 0


def test_registering_a_taken_email_looks_the_same_and_tells_the_owner(client, member, mailbox):
    response = form_post(client, "/register", {**GOOD, "email": member.email.upper()})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/register/check-email")
    assert member_count() == 1
    mail = mailbox.last_to(member.email)
    assert "already has an account" in mailbox.text_of(mail)
    # If it was the member, the mail's link sets a new password at once.
    link = mailbox.link_in_last(member.email, "/reset-password/")
    response = form_post(client, link, {"password": "silver-birch-meadow-31"}, token_from=link)
    assert response.status_code == 303
    signed_in = form_post(
        client, "/login", {"email": member.email, "password": "silver-birch-meadow-31"}
    )
    assert signed_in.status_code == 303


def test_unknown_referral_code_is_explained(client):
    response = form_post(client, "/register", {**GOOD, "referral_code": "ZZZZ2222"})
    assert response.status_code == 422
    assert "We do not know this referral code" in response.get_data(as_text=True)


def test_known_referral_code_attributes_the_friend(client, member):
    response = form_post(
        client, "/register", {**GOOD, "referral_code": member.referral_code.lower()}
    )
    assert response.status_code == 303
    friend = db.session.scalar(select(Member).where(Member.email == GOOD["email"]))
    assert friend.referred_by_id == member.id


def test_wrong_password_and_unknown_email_get_the_same_answer(client, member):
    wrong = form_post(client, "/login", {"email": member.email, "password": "not-the-password-1"})
    unknown = form_post(
        client, "/login", {"email": "nobody@example.com", "password": "whatever-it-is-1"}
    )
    assert wrong.status_code == unknown.status_code == 422
    message = "That email and password do not match an account."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_logout_ends_the_session_on_the_server(client, login):
    login()
    old_cookie = client.get_cookie("portal_session").value
    assert client.get("/dashboard").status_code == 200
    response = form_post(client, "/logout", token_from="/dashboard")
    assert response.status_code == 303
    assert client.get("/dashboard").status_code == 302
    client.set_cookie("portal_session", old_cookie)
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_password_change_signs_out_other_devices(app, login, member):
    phone, laptop = app.test_client(), app.test_client()
    for device in (phone, laptop):
        assert (
            form_post(
                device, "/login", {"email": member.email, "password": DEFAULT_PASSWORD}
            ).status_code
            == 303
        )
    response = form_post(
        laptop,
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": "quiet-harbour-lilac-77"},
        token_from="/account",
    )
    assert response.status_code == 303
    assert laptop.get("/dashboard").status_code == 200
    assert phone.get("/dashboard").status_code == 302


def test_password_reset_link_works_once(client, member, mailbox):
    response = form_post(client, "/forgot-password", {"email": member.email})
    assert response.status_code == 200
    link = mailbox.link_in_last(member.email, "/reset-password/")
    assert client.get(link).status_code == 200
    response = form_post(client, link, {"password": "silver-birch-meadow-31"})
    assert response.status_code == 303
    assert (
        form_post(
            client, "/login", {"email": member.email, "password": "silver-birch-meadow-31"}
        ).status_code
        == 303
    )
    form_post(client, "/logout", token_from="/dashboard")
    again = client.get(link)
    assert again.status_code == 400
    assert "not valid any more" in again.get_data(as_text=True)


def test_password_reset_link_expires(client, member, mailbox, clock):
    form_post(client, "/forgot-password", {"email": member.email})
    link = mailbox.link_in_last(member.email, "/reset-password/")
    clock.advance(minutes=61)
    assert client.get(link).status_code == 400


def test_reset_for_an_unknown_email_looks_the_same(client, mailbox):
    response = form_post(client, "/forgot-password", {"email": "nobody@example.com"})
    assert response.status_code == 200
    assert "If nobody@example.com has an account" in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_tampered_links_are_refused(client, member):
    assert client.get("/reset-password/abc.def.ghi").status_code == 400
    response = client.get("/verify-email/not-a-token")
    assert response.status_code == 302


def test_missing_or_forged_csrf_token_is_refused(client, member):
    response = client.post("/login", data={"email": member.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "This page has expired" in response.get_data(as_text=True)
    response = client.post(
        "/login",
        data={"email": member.email, "password": DEFAULT_PASSWORD, "csrf_token": "forged"},
    )
    assert response.status_code == 400


def test_htmx_requests_send_the_token_in_a_header(client, login):
    login()
    token = client.get("/dashboard").get_data(as_text=True)
    from tests.conftest import csrf_token_from

    response = client.post(
        "/logout", headers={"HX-Request": "true", "X-CSRFToken": csrf_token_from(token)}
    )
    assert response.status_code == 303


def test_next_only_redirects_within_the_site(client, member):
    for target in (
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ):
        response = form_post(
            client,
            f"/login?next={target}",
            {"email": member.email, "password": DEFAULT_PASSWORD},
        )
        assert response.status_code == 303
        assert response.headers["Location"] == "/dashboard"
        form_post(client, "/logout", token_from="/dashboard")
    response = form_post(
        client, "/login?next=/account", {"email": member.email, "password": DEFAULT_PASSWORD}
    )
    assert response.headers["Location"] == "/account"


def test_anonymous_member_pages_redirect_to_login_with_next(client):
    for path in ("/dashboard", "/account", "/notifications"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/login?next={path.replace('/', '%2F')}"


def test_staff_pages_need_the_staff_role(client, login):
    login(as_="member")
    assert client.get("/admin/").status_code == 403


def test_staff_see_the_admin_dashboard(client, login):
    login(as_="staff")
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Programme at a glance" in response.get_data(as_text=True)
