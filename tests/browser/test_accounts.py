"""Joining, confirming the email, signing in and out, and resetting a password, in a real
browser at phone and laptop size, with the mail caught by the test SMTP server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page, screenshot
from tests.browser.flows import sign_in, sign_out
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "moonlit-harbour-sapphire-7"


def test_join_confirm_the_email_sign_out_and_back_in(page, live_server):
    page.goto(live_server.url("/"))
    check_page(page, "landing")

    page.locator(".hero").get_by_role("button", name="Join free").click()
    expect(page).to_have_url(live_server.url("/register"))
    check_page(page, "register")

    # Sent empty: each message sits beside its field and is read out with it.
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator("#name-error")).to_have_text("This field is required.")
    expect(page.locator("#terms-error")).to_have_text("Please accept the terms to join.")
    name = page.locator("#name")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_attribute("aria-describedby", re.compile(r"\bname-error\b"))
    expect(name).to_be_focused()
    check_page(page, "register-errors")

    name.fill("Ada Wong")
    page.locator("#email").fill("ada.wong@example.com")
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.get_by_label("I accept the programme terms").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.locator("main")).to_contain_text("ada.wong@example.com")
    check_page(page, "check-email")

    page.goto(live_server.mailed_link("ada.wong@example.com", "/verify-email/"))
    expect(page.locator("#flash-area")).to_contain_text(
        "your email ada.wong@example.com is confirmed"
    )
    check_page(page, "login-after-confirming")

    sign_in(page, "ada.wong@example.com", DEFAULT_PASSWORD)
    expect(page).to_have_url(live_server.url("/dashboard"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada")
    expect(page.get_by_text("Please confirm your email")).to_have_count(0)
    check_page(page, "dashboard-new-member")

    sign_out(page)
    expect(page).to_have_url(live_server.url("/login"))
    expect(page.locator("#flash-area")).to_contain_text("You have signed out.")
    page.goto(live_server.url("/dashboard"))
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdashboard$"))

    sign_in(page, "ada.wong@example.com", DEFAULT_PASSWORD)
    expect(page).to_have_url(live_server.url("/dashboard"))


def test_a_wrong_password_then_a_reset_by_the_emailed_link(page, live_server, member):
    page.goto(live_server.url("/login"))
    check_page(page, "login")

    sign_in(page, member.email, "not-my-password-at-all")
    error = page.locator("#password-error")
    expect(error).to_have_text("That email and password do not match an account.")
    password = page.locator("#password")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_attribute("aria-describedby", re.compile(r"\bpassword-error\b"))
    expect(page.locator("#email")).to_have_value(member.email)
    check_page(page, "login-wrong-password")

    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_url(live_server.url("/forgot-password"))
    check_page(page, "forgot-password")
    page.locator("#email").fill(member.email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check_page(page, "forgot-password-sent")

    link = live_server.mailed_link(member.email, "/reset-password/")
    page.goto(link)
    check_page(page, "reset-password")
    page.locator("#password").fill("short")
    page.get_by_role("button", name="Save my new password").click()
    expect(page.locator("#password-error")).to_contain_text("12")
    page.locator("#password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save my new password").click()
    expect(page).to_have_url(live_server.url("/login"))
    expect(page.locator("#flash-area")).to_contain_text("Your password is changed.")

    sign_in(page, member.email, NEW_PASSWORD)
    expect(page).to_have_url(live_server.url("/dashboard"))

    page.goto(link)  # a reset link works once
    expect(page.get_by_role("heading", level=1)).to_have_text("This link is not valid any more")
    check_page(page, "reset-link-used")


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_joining_and_signing_in_work_without_javascript(open_page, live_server, size):
    page = open_page(size, java_script_enabled=False)
    page.goto(live_server.url("/register"))
    expect(page.locator(".reveal-password")).to_be_hidden()
    page.locator("#name").fill("Bo Chen")
    page.locator("#email").fill("bo.chen@example.com")
    page.locator("#password").fill("short")
    page.locator("#terms").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator("#password-error")).to_be_visible()
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page).to_have_url(live_server.url("/register/check-email"))
    # (page.evaluate, and so check_page, cannot run in a page without JavaScript)
    screenshot(page, "check-email-without-javascript")

    page.goto(live_server.url("/login"))
    sign_in(page, "bo.chen@example.com", DEFAULT_PASSWORD)
    expect(page).to_have_url(live_server.url("/dashboard"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Bo")
    sign_out(page)
    expect(page).to_have_url(live_server.url("/login"))
