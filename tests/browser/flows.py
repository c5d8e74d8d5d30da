"""Steps a person takes again and again in the browser tests."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.checks import size_of


def sign_in(page, email: str, password: str) -> None:
    """Fill the sign-in form of the current page and send it."""
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()


def sign_in_from_start(page, live_server, email: str, password: str, *, landing="/dashboard"):
    page.goto(live_server.url(f"/login?next={landing}"))
    sign_in(page, email, password)
    expect(page).to_have_url(live_server.url(landing))


def sign_out(page) -> None:
    page.locator("form[action$='/logout'] button").click()


def menu(page):
    """The navigation a member uses at this size: the bottom bar on a phone, the header on a
    laptop."""
    if size_of(page) == "phone":
        return page.locator("nav.bottom-nav")
    return page.locator(".site-header nav")


def mark_document(page) -> None:
    """Tag the current document so a later check can tell a boosted swap (same document) from
    a full page load (the tag is gone)."""
    page.evaluate("() => { window.__sameDocument = true; }")


def still_same_document(page) -> bool:
    return page.evaluate("() => window.__sameDocument === true")


def csrf_meta(page) -> str:
    return page.locator("meta[name=csrf-token]").get_attribute("content")
