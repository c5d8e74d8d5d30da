"""A member adds a passkey on /account and signs in with it, on a phone, in Chromium with the
DevTools virtual authenticator standing in for the phone's Face ID or fingerprint."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import LoginSession, Passkey
from tests.browser.checks import ARTIFACTS, check_page
from tests.browser.flows import sign_in
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def passkey_server(live_server):
    """WebAuthn needs a domain, not an IP address: the portal is addressed as localhost (the
    relying party), which browsers treat as a secure origin over plain http."""
    live_server.base_url = live_server.base_url.replace("127.0.0.1", "localhost")
    live_server.app.config["PORTAL_BASE_URL"] = live_server.base_url
    return live_server


def screenshot_of(page, element, name: str) -> None:
    """The element alone, for people to look at (test-artifacts/)."""
    ARTIFACTS.mkdir(exist_ok=True)
    box = element.bounding_box()
    scroll = page.evaluate("() => window.scrollY")
    box["y"] += scroll
    page.screenshot(
        path=str(ARTIFACTS / f"{name}-phone.png"), clip=box, full_page=True, caret="initial"
    )


def virtual_authenticator(page) -> tuple:
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    created = session.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return session, created["authenticatorId"]


def test_a_member_adds_a_passkey_and_signs_in_with_it_on_a_phone(
    phone_page, passkey_server, member
):
    page = phone_page
    devtools, authenticator = virtual_authenticator(page)

    page.goto(passkey_server.url("/login?next=/account"))
    sign_in(page, member.email, DEFAULT_PASSWORD)
    expect(page).to_have_url(passkey_server.url("/account"))
    panel = page.locator("#passkeys")
    expect(panel).to_contain_text("You have no passkey yet.")
    add_form = panel.locator("form[data-passkey-register]")
    expect(add_form).to_be_visible()
    expect(panel.locator("[data-passkey-fallback]")).to_be_hidden()
    add_form.scroll_into_view_if_needed()
    check_page(page, "account-passkeys-empty")

    # A wrong password is said beside the field, and no passkey is made.
    add_form.get_by_label("Name of the passkey").fill("Lin's phone")
    add_form.get_by_label("Your password").fill("not-my-password-at-all")
    add_form.get_by_role("button", name="Add a passkey").click()
    expect(add_form.locator("#passkey_password-error")).to_have_text(
        "That is not your current password."
    )
    expect(add_form.get_by_label("Your password")).to_have_attribute("aria-invalid", "true")
    assert (
        devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
        == []
    )

    add_form.get_by_label("Your password").fill(DEFAULT_PASSWORD)
    add_form.get_by_role("button", name="Add a passkey").click()
    expect(page.locator("#flash-area")).to_contain_text("Your passkey “Lin's phone” is added.")
    expect(panel.locator("ul.passkey-list li")).to_have_count(1)
    expect(panel.locator("ul.passkey-list")).to_contain_text("Lin's phone")
    expect(panel.locator("ul.passkey-list")).to_contain_text("Not used yet")
    check_page(page, "account-passkey-added")
    screenshot_of(page, panel, "account-passkeys-panel")
    stored = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(stored["credentials"]) == 1 and stored["credentials"][0]["isResidentCredential"]

    page.locator("form[action$='/logout'] button").click()
    expect(page).to_have_url(passkey_server.url("/login"))
    passkey_button = page.get_by_role("button", name="Sign in with a passkey")
    expect(passkey_button).to_be_visible()
    check_page(page, "login-with-passkey")
    passkey_button.click()
    expect(page).to_have_url(passkey_server.url("/dashboard"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Lin")

    page.goto(passkey_server.url("/account#sessions"))
    expect(page.locator("#sessions")).to_contain_text("Signed in with a passkey")
    screenshot_of(page, page.locator("#sessions"), "account-sessions-panel")
    expect(page.locator("#passkeys ul.passkey-list")).not_to_contain_text("Not used yet")
    db.session.commit()
    assert db.session.scalar(select(Passkey.name)) == "Lin's phone"
    methods = db.session.scalars(select(LoginSession.sign_in_method).order_by(LoginSession.id))
    assert list(methods) == ["password", "passkey"]
    db.session.commit()


def test_a_cancelled_passkey_prompt_is_explained_and_the_password_still_works(
    phone_page, passkey_server, member
):
    page = phone_page
    devtools, authenticator = virtual_authenticator(page)
    # The person dismisses the prompt: the authenticator does not answer.
    devtools.send(
        "WebAuthn.setAutomaticPresenceSimulation",
        {"authenticatorId": authenticator, "enabled": False},
    )
    page.goto(passkey_server.url("/login"))
    page.evaluate(
        "() => { navigator.credentials.get = () => "
        "Promise.reject(new DOMException('cancelled', 'NotAllowedError')); }"
    )
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.locator("[data-passkey-login] [data-passkey-message]")).to_have_text(
        "Signing in with a passkey was cancelled or timed out."
    )
    sign_in(page, member.email, DEFAULT_PASSWORD)
    expect(page).to_have_url(passkey_server.url("/dashboard"))


def test_without_javascript_the_passkey_controls_stay_hidden(open_page, passkey_server):
    page = open_page("phone", java_script_enabled=False)
    page.goto(passkey_server.url("/login"))
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_hidden()
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
