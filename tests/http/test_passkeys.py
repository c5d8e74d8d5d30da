"""Passkeys: added on /account, listed, renamed and removed; signing in with one, without a
password; everything a forged, replayed or foreign answer tries is refused."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import LoginSession, Passkey
from tests.conftest import DEFAULT_PASSWORD, csrf_token_from, form_post
from tests.passkey_authenticator import SoftAuthenticator


def json_post(client, url: str, body: dict | None = None, *, token_from: str = "/login"):
    token = csrf_token_from(client.get(token_from).get_data(as_text=True))
    return client.post(url, json=body or {}, headers={"X-CSRFToken": token})


def registration_options(client, *, name="My phone", password=DEFAULT_PASSWORD):
    return form_post(
        client,
        "/account/passkeys/options",
        {"name": name, "password": password},
        token_from="/account",
    )


def add_passkey(client, authenticator: SoftAuthenticator, name="My phone"):
    options = registration_options(client, name=name)
    assert options.status_code == 200, options.get_data(as_text=True)
    credential = authenticator.create(options.get_json())
    return json_post(client, "/account/passkeys", {"credential": credential}, token_from="/account")


def passkey_sign_in(client, authenticator: SoftAuthenticator, *, next_path=None, **answer):
    options = json_post(client, "/login/passkey/options")
    assert options.status_code == 200
    credential = authenticator.get(options.get_json(), **answer)
    url = "/login/passkey" + (f"?next={next_path}" if next_path else "")
    return json_post(client, url, {"credential": credential}), credential


def test_a_member_adds_a_passkey_and_signs_in_with_it_without_a_password(
    app, client, login, member, mailbox
):
    login(member)
    phone = SoftAuthenticator()
    response = add_passkey(client, phone, name="Lin's iPhone")
    assert response.status_code == 201
    assert response.get_json() == {"redirect": "/account#passkeys"}
    page = client.get("/account").get_data(as_text=True)
    assert "Lin&#39;s iPhone" in page and "Not used yet" in page
    assert "is added. Next time, sign in with it." in page
    added = mailbox.last_to(member.email)
    assert added["Subject"] == "A passkey was added to your account"
    form_post(client, "/logout", token_from="/dashboard")

    signed_in, _credential = passkey_sign_in(client, phone, next_path="/card")
    assert signed_in.status_code == 200
    assert signed_in.get_json() == {"redirect": "/card"}
    assert client.get("/card").status_code == 200
    login_session = db.session.scalars(
        select(LoginSession).order_by(LoginSession.id.desc())
    ).first()
    assert login_session.sign_in_method == "passkey"
    assert "Signed in with a passkey" in client.get("/account").get_data(as_text=True)
    assert db.session.scalar(select(Passkey.sign_count)) == 1


def test_adding_a_passkey_needs_the_current_password(client, login, member):
    login(member)
    response = registration_options(client, password="not-my-password-at-all")
    assert response.status_code == 422
    assert response.get_json() == {"errors": {"password": "That is not your current password."}}
    response = registration_options(client, name="")
    assert response.status_code == 422
    assert "name" in response.get_json()["errors"]
    # Without the options step, an answer is refused.
    answer = json_post(
        client,
        "/account/passkeys",
        {
            "credential": SoftAuthenticator().create(
                {"user": {"id": "AAAA"}, "rp": {"id": "portal.test"}, "challenge": "AAAA"}
            )
        },
        token_from="/account",
    )
    assert answer.status_code == 400
    assert db.session.scalar(select(Passkey)) is None


def test_a_replayed_assertion_is_refused(app, client, login, member):
    login(member)
    phone = SoftAuthenticator(counts_signatures=False)  # as many phones: the counter stays 0
    assert add_passkey(client, phone).status_code == 201
    form_post(client, "/logout", token_from="/dashboard")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    options = client.post("/login/passkey/options", json={}, headers={"X-CSRFToken": token})
    credential = phone.get(options.get_json())
    # The cookie of that moment holds the challenge: a thief who copied it and the answer...
    kept_cookie = client.get_cookie("portal_session").value
    answer = {"json": {"credential": credential}, "headers": {"X-CSRFToken": token}}
    assert client.post("/login/passkey", **answer).status_code == 200
    form_post(client, "/logout", token_from="/dashboard")
    # ...sends both again: the challenge was answered once already.
    thief = app.test_client()
    thief.set_cookie("portal_session", kept_cookie)
    replay = thief.post("/login/passkey", **answer)
    assert replay.status_code == 400
    assert "could not check this passkey" in replay.get_json()["error"]
    assert thief.get("/dashboard").status_code == 302


def test_a_counter_that_does_not_move_forward_is_refused(client, login, member):
    login(member)
    phone = SoftAuthenticator()
    assert add_passkey(client, phone).status_code == 201
    form_post(client, "/logout", token_from="/dashboard")
    assert passkey_sign_in(client, phone)[0].status_code == 200
    form_post(client, "/logout", token_from="/dashboard")
    phone.sign_count -= 1  # a cloned authenticator answers with an old count
    refused, _ = passkey_sign_in(client, phone)
    assert refused.status_code == 400
    assert client.get("/dashboard").status_code == 302


def test_a_wrong_origin_or_relying_party_is_refused(client, login, member):
    login(member)
    phone = SoftAuthenticator()
    assert add_passkey(client, phone).status_code == 201
    form_post(client, "/logout", token_from="/dashboard")
    refused, _ = passkey_sign_in(client, phone, origin="https://portal.test.evil.example")
    assert refused.status_code == 400
    assert "could not check this passkey" in refused.get_json()["error"]
    refused, _ = passkey_sign_in(client, phone, rp_id="evil.example")
    assert refused.status_code == 400
    assert client.get("/dashboard").status_code == 302
    # Registering from another origin is refused too.
    login(member)
    options = registration_options(client).get_json()
    other = SoftAuthenticator()
    answer = json_post(
        client,
        "/account/passkeys",
        {"credential": other.create(options, origin="https://evil.example")},
        token_from="/account",
    )
    assert answer.status_code == 400


def test_a_passkey_presented_for_another_member_is_refused(client, login, member, create_member):
    other = create_member()
    login(member)
    mine = SoftAuthenticator()
    assert add_passkey(client, mine).status_code == 201
    form_post(client, "/logout", token_from="/dashboard")
    login(other)
    theirs = SoftAuthenticator()
    assert add_passkey(client, theirs).status_code == 201
    form_post(client, "/logout", token_from="/dashboard")
    # My credential, claiming the other member's user handle.
    mine.user_handle = theirs.user_handle
    refused, _ = passkey_sign_in(client, mine)
    assert refused.status_code == 400
    # The same authenticator registered again, to another account: refused.
    login(other)
    options = registration_options(client).get_json()
    mine.user_handle = None
    answer = json_post(
        client, "/account/passkeys", {"credential": mine.create(options)}, token_from="/account"
    )
    assert answer.status_code == 409
    assert "already added" in answer.get_json()["error"]


def test_an_unknown_passkey_is_refused(client):
    refused, _ = passkey_sign_in(client, SoftAuthenticator())
    assert refused.status_code == 400
    assert "We do not know this passkey" in refused.get_json()["error"]


def test_an_old_challenge_is_refused(client, login, member, clock):
    login(member)
    phone = SoftAuthenticator()
    assert add_passkey(client, phone).status_code == 201
    form_post(client, "/logout", token_from="/dashboard")
    options = json_post(client, "/login/passkey/options")
    clock.advance(minutes=5, seconds=1)
    answer = json_post(client, "/login/passkey", {"credential": phone.get(options.get_json())})
    assert answer.status_code == 400
    assert "took too long" in answer.get_json()["error"]


def test_passkey_sign_in_is_not_subject_to_the_password_throttle(app, client, login, member):
    login(member)
    phone = SoftAuthenticator()
    assert add_passkey(client, phone).status_code == 201
    form_post(client, "/logout", token_from="/dashboard")
    attacker = app.test_client()  # same address as the member's browser, no device cookie
    for _ in range(25):
        form_post(attacker, "/login", {"email": member.email, "password": "wrong-password-x"})
    stranger = app.test_client()
    assert (
        form_post(
            stranger, "/login", {"email": member.email, "password": DEFAULT_PASSWORD}
        ).status_code
        == 429
    )
    assert passkey_sign_in(stranger, phone)[0].status_code == 200


def test_passkeys_are_renamed_and_removed_by_their_member_only(
    client, login, member, create_member
):
    login(member)
    assert add_passkey(client, SoftAuthenticator(), name="Old name").status_code == 201
    passkey = db.session.scalar(select(Passkey))
    response = form_post(
        client,
        f"/account/passkeys/{passkey.id}/rename",
        {"name": "Work laptop"},
        token_from="/account",
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/account#passkeys"
    assert "Work laptop" in client.get("/account").get_data(as_text=True)
    response = form_post(
        client, f"/account/passkeys/{passkey.id}/rename", {"name": ""}, token_from="/account"
    )
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)

    form_post(client, "/logout", token_from="/dashboard")
    login(create_member())
    for action, data in (("rename", {"name": "Mine now"}), ("delete", {})):
        response = form_post(
            client, f"/account/passkeys/{passkey.id}/{action}", data, token_from="/account"
        )
        assert response.status_code == 404
    db.session.refresh(passkey)
    assert passkey.name == "Work laptop"

    form_post(client, "/logout", token_from="/dashboard")
    login(member)
    response = form_post(client, f"/account/passkeys/{passkey.id}/delete", token_from="/account")
    assert response.status_code == 303
    assert db.session.scalar(select(Passkey)) is None
    assert "is removed" in client.get("/account").get_data(as_text=True)


def test_closing_the_account_deletes_its_passkeys(client, login, member):
    login(member)
    phone = SoftAuthenticator()
    assert add_passkey(client, phone).status_code == 201
    response = form_post(
        client,
        "/account/delete",
        {"password": DEFAULT_PASSWORD, "understood": "y"},
        token_from="/account",
    )
    assert response.status_code == 303
    assert db.session.scalar(select(Passkey)) is None
    assert passkey_sign_in(client, phone)[0].status_code == 400


def test_the_json_steps_need_the_csrf_token(client, login, member):
    assert client.post("/login/passkey/options", json={}).status_code == 400
    login(member)
    assert client.post("/account/passkeys", json={}).status_code == 400


def test_adding_and_removing_a_passkey_are_in_the_audit_log(client, login, member):
    from portal.models import AuditEntry

    login(member)
    assert add_passkey(client, SoftAuthenticator(), name="Phone").status_code == 201
    passkey = db.session.scalar(select(Passkey))
    response = form_post(
        client, f"/account/passkeys/{passkey.id}/delete", {}, token_from="/account"
    )
    assert response.status_code == 303
    rows = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action.in_(("account.passkey_add", "account.passkey_remove")))
        .order_by(AuditEntry.id)
    ).all()
    assert [(r.action, r.actor_id, r.member_id, r.details["name"]) for r in rows] == [
        ("account.passkey_add", member.id, member.id, "Phone"),
        ("account.passkey_remove", member.id, member.id, "Phone"),
    ]
    assert all(r.ip_address == "127.0.0.1" for r in rows)
