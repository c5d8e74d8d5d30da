"""Failed sign-ins slow an attacker down, never the member (OWASP's device cookies)."""

from __future__ import annotations

import pytest

from tests.conftest import DEFAULT_PASSWORD, form_post, free_port

WRONG = "not-the-password-at-all"


def from_address(app, address: str):
    """A new browser (no cookies) at `address`."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def try_password(browser, email: str, password: str = WRONG):
    return form_post(browser, "/login", {"email": email, "password": password})


def sign_out(browser):
    assert form_post(browser, "/logout", token_from="/dashboard").status_code == 303


@pytest.fixture
def own_phone(app, member):
    """The member's phone: it has signed in to the account before, then signed out."""
    phone = from_address(app, "198.51.100.10")
    assert try_password(phone, member.email, DEFAULT_PASSWORD).status_code == 303
    sign_out(phone)
    return phone


def test_five_failures_from_one_address_do_not_stop_the_member_on_their_own_browser(
    app, member, own_phone
):
    attacker = from_address(app, "203.0.113.66")
    assert [try_password(attacker, member.email).status_code for _ in range(5)] == [422] * 5
    # The attacker's next try waits, even with the right password, and says for how long.
    slowed = try_password(attacker, member.email, DEFAULT_PASSWORD)
    assert slowed.status_code == 429
    assert 1 <= int(slowed.headers["Retry-After"]) <= 15 * 60
    assert "too many attempts to sign in to this account" in slowed.get_data(as_text=True)
    # The member's own phone signs in at once.
    assert try_password(own_phone, member.email, DEFAULT_PASSWORD).status_code == 303
    assert own_phone.get("/dashboard").status_code == 200


def test_an_untrusted_client_is_slowed_for_that_account_only_from_its_address(app, member):
    attacker = from_address(app, "203.0.113.66")
    for _ in range(5):
        try_password(attacker, member.email)
    assert try_password(attacker, member.email).status_code == 429
    # A new browser elsewhere (a friend's laptop) is not slowed by that address's failures.
    elsewhere = from_address(app, "198.51.100.77")
    assert try_password(elsewhere, member.email, DEFAULT_PASSWORD).status_code == 303


def test_many_failures_from_everywhere_slow_every_untrusted_client_and_tell_the_member(
    app, member, own_phone, mailbox
):
    for n in range(20):
        assert (
            try_password(from_address(app, f"203.0.113.{n + 1}"), member.email).status_code == 422
        )
    warnings = [m for m in mailbox.to(member.email) if "Many attempts" in m["Subject"]]
    assert len(warnings) == 1
    assert "20 unsuccessful attempts" in mailbox.text_of(warnings[0])
    newcomer = from_address(app, "192.0.2.200")
    slowed = try_password(newcomer, member.email, DEFAULT_PASSWORD)
    assert slowed.status_code == 429
    assert int(slowed.headers["Retry-After"]) > 0
    # Still no second mail, and the member's own phone still signs in.
    assert len([m for m in mailbox.to(member.email) if "Many attempts" in m["Subject"]]) == 1
    assert try_password(own_phone, member.email, DEFAULT_PASSWORD).status_code == 303


def test_nineteen_failures_from_everywhere_do_not_yet_slow_a_new_client(app, member, mailbox):
    for n in range(19):
        try_password(from_address(app, f"203.0.113.{n + 1}"), member.email)
    assert not [m for m in mailbox.to(member.email) if "Many attempts" in m["Subject"]]
    newcomer = from_address(app, "192.0.2.200")
    assert try_password(newcomer, member.email, DEFAULT_PASSWORD).status_code == 303


def test_only_failures_are_counted(app, member):
    browser = from_address(app, "203.0.113.5")
    for _ in range(8):
        assert try_password(browser, member.email, DEFAULT_PASSWORD).status_code == 303
        sign_out(browser)
    stranger = from_address(app, "203.0.113.5")  # same address, no device cookie
    assert [try_password(stranger, member.email).status_code for _ in range(5)] == [422] * 5
    assert try_password(stranger, member.email).status_code == 429


def test_case_and_space_variants_of_an_email_share_one_count(app, member):
    attacker = from_address(app, "203.0.113.66")
    variants = ["Lin.Mei@Example.com", " lin.mei@example.com ", "LIN.MEI@EXAMPLE.COM"]
    for n in range(5):
        assert try_password(attacker, variants[n % 3]).status_code == 422
    assert try_password(attacker, "lin.mei@example.COM", DEFAULT_PASSWORD).status_code == 429


def test_a_forged_cookie_or_one_of_another_account_is_not_trusted(app, member, create_member):
    other = create_member()
    attacker = from_address(app, "203.0.113.66")
    # The attacker signs in to their own account: their browser is trusted for it only.
    assert try_password(attacker, other.email, DEFAULT_PASSWORD).status_code == 303
    sign_out(attacker)
    for _ in range(5):
        try_password(attacker, member.email)
    assert try_password(attacker, member.email).status_code == 429

    forger = from_address(app, "203.0.113.67")
    forger.set_cookie("portal_device", "W1sxLCAiYWJjIl1d.forged.signature")
    for _ in range(5):
        try_password(forger, member.email)
    assert try_password(forger, member.email).status_code == 429


def test_a_trusted_browser_failing_itself_many_times_is_slowed(app, member, own_phone):
    assert [try_password(own_phone, member.email).status_code for _ in range(10)] == [422] * 10
    assert try_password(own_phone, member.email, DEFAULT_PASSWORD).status_code == 429


def test_one_address_trying_many_accounts_is_slowed(app, member):
    stuffer = from_address(app, "203.0.113.99")
    statuses = [try_password(stuffer, f"guess{n}@example.com").status_code for n in range(10)]
    assert statuses == [422] * 10
    assert try_password(stuffer, member.email, DEFAULT_PASSWORD).status_code == 429
    assert (
        try_password(from_address(app, "198.51.100.3"), member.email, DEFAULT_PASSWORD).status_code
        == 303
    )


def test_wrong_current_passwords_on_the_account_pages_are_throttled(client, login, member):
    login(member)
    attempts = [
        form_post(
            client,
            "/account/password",
            {"current_password": WRONG, "new_password": "quiet-harbour-lilac-77"},
            token_from="/account",
        ).status_code
        for _ in range(3)
    ] + [
        form_post(
            client,
            "/account/email",
            {"new_email": "new.address@example.com", "password": WRONG},
            token_from="/account",
        ).status_code
        for _ in range(2)
    ]
    assert attempts == [422] * 5
    slowed = form_post(
        client,
        "/account/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": "quiet-harbour-lilac-77"},
        token_from="/account",
    )
    assert slowed.status_code == 429
    assert int(slowed.headers["Retry-After"]) > 0
    assert "Too many wrong passwords" in slowed.get_data(as_text=True)
    closing = form_post(
        client,
        "/account/delete",
        {"password": DEFAULT_PASSWORD, "understood": "y"},
        token_from="/account",
    )
    assert closing.status_code == 429
    assert client.get("/dashboard").status_code == 200  # still signed in, nothing changed


@pytest.fixture
def app_overrides(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize(
    "app_overrides",
    [{"RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/0"}],
    indirect=True,
)
def test_with_the_limit_storage_down_sign_in_works_and_failures_are_counted_in_memory(app, member):
    from portal.services.members import throttle

    throttle._Fallback.dead_until = 0.0
    throttle._Fallback.strategy.storage.reset()
    browser = from_address(app, "198.51.100.10")
    assert try_password(browser, member.email, DEFAULT_PASSWORD).status_code == 303
    attacker = from_address(app, "203.0.113.66")
    assert [try_password(attacker, member.email).status_code for _ in range(5)] == [422] * 5
    assert try_password(attacker, member.email).status_code == 429
    # Registration, limited by Flask-Limiter, still answers too.
    page = form_post(
        from_address(app, "203.0.113.70"),
        "/register",
        {
            "name": "Ada Wong",
            "email": "ada@example.com",
            "password": DEFAULT_PASSWORD,
            "terms": "y",
        },
        token_from="/register",
    )
    assert page.status_code == 303
