"""A real browser against a live portal: Debian's chromium driven by Playwright.

The app of tests/conftest.py (fresh tables, mail caught by aiosmtpd, delivered inline) is
served by werkzeug in a background thread on 127.0.0.1 and a free port. Chromium starts once
per session; each test gets fresh browser contexts (no cookies carried over) at phone size
(390x844, touch) and laptop size (1280x800).

    def test_something(page, live_server):          # runs once per size
        page.goto(live_server.url("/login"))
        check_page(page, "login")                   # screenshot, width, tap targets, axe

Screenshots land in test-artifacts/ (gitignored) for people to look at: whole pages, so on a
phone the fixed bottom bar shows where the first screen ends, not at the page's foot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from portal.extensions import db
from tests.conftest import served

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SIZES: dict[str, dict] = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "laptop": {"viewport": {"width": 1280, "height": 800}},
}

# Browser-side problems that fail the test that caused them: a script error, or something the
# Content-Security-Policy blocked (an inline script or style slipped into a template).
PROBLEM_MARKERS = ("Content Security Policy", "Refused to")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is missing: install Debian's chromium (scripts/ensure-chromium) "
        "to run the browser tests"
    )
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


# -- the live portal -------------------------------------------------------------------------


class LiveServer:
    """The test's app served over HTTP in a background thread (tests.conftest.served)."""

    def __init__(self, app, mailbox, base_url: str):
        self.app = app
        self.mailbox = mailbox
        self.base_url = base_url
        # Links in mail point at this server, as PORTAL_BASE_URL does in production.
        app.config["PORTAL_BASE_URL"] = base_url

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def mailed_link(self, address: str, path_start: str) -> str:
        """The full URL of the first `path_start` link in the latest mail to `address`."""
        return self.base_url + self.mailbox.link_in_last(address, path_start)


@pytest.fixture
def live_server(app, mailbox) -> Iterator[LiveServer]:
    """The portal on a free port. The test's own database session must not hold a transaction
    while the browser waits for the server (on SQLite it would be a write lock): its objects
    stay loaded after a commit, so reading `member.email` costs no query. A test that reads
    the database while the browser works calls db.session.commit() afterwards."""
    session = db.session()
    session.expire_on_commit = False
    for instance in list(session.identity_map.values()):
        session.refresh(instance)
    session.commit()
    with served(app) as base_url:
        yield LiveServer(app, mailbox, base_url)


# -- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, live_server) -> Iterator[Callable]:
    """open_page("phone" | "laptop", **context_options) -> a Page in a fresh context.

    Options go to browser.new_context (e.g. java_script_enabled=False). Script errors and
    CSP violations seen by the page fail the test at its end."""
    contexts = []
    problems: list[str] = []

    def opener(size: str = "phone", **options):
        context = browser.new_context(**SIZES[size], **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console: {message.text}")
                if message.type == "error" and any(m in message.text for m in PROBLEM_MARKERS)
                else None
            ),
        )
        return page

    yield opener
    for context in contexts:
        context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


@pytest.fixture(params=list(SIZES))
def page(request, open_page):
    """A page at phone size, then (a second run of the test) at laptop size."""
    return open_page(request.param)


@pytest.fixture
def phone_page(open_page):
    return open_page("phone")


@pytest.fixture
def laptop_page(open_page):
    return open_page("laptop")
