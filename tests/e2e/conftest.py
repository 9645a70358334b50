"""Browser tests: Debian's Chromium driven by Playwright, every page checked with axe-core.

One Chromium runs for the whole session; each test gets fresh browser contexts (cookies) from
`browse`. `browse.check(page, label)` runs axe with the WCAG 2.2 A/AA rules on the page as it is
now and also checks the things a browser sees that the test client cannot: the CSP header on the
HTML response, CSP violations and script errors in the console. Problems are collected, so one
run names every bad page; each test ends with `browse.assert_clean()`.
"""

import os
import re
import time
from urllib.parse import urlsplit

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import override_settings

from ..factories import PASSWORD
from ..world import build_world

# Playwright's sync API runs an asyncio event loop in this thread; without this Django refuses
# ORM calls from the test itself ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
# Tests stay hermetic: anything not served by the live server is refused.
OFF_SITE = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/])")

# Totals for the end-of-run line; the browser tests add to them.
TALLY = {"pages": 0, "violations": 0}


@pytest.hookimpl(trylast=True)  # after pytest-django's own ordering by database use
def pytest_collection_modifyitems(config, items):
    # Browser tests run last: while Playwright's event loop is alive, async-sensitive code in other
    # tests (async_to_sync, AsyncClient) would see a running loop in the main thread.
    here = os.path.dirname(__file__)
    items.sort(key=lambda item: str(item.path).startswith(here))


def pytest_terminal_summary(terminalreporter):
    if TALLY["pages"]:
        terminalreporter.write_line(f"axe: {TALLY['pages']} pages checked, {TALLY['violations']} violations")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Browse:
    def __init__(self, browser, base_url):
        from axe_playwright_python.sync_playwright import Axe

        self.browser = browser
        self.base_url = base_url
        self.axe = Axe()
        self.contexts = []
        self.problems: list[str] = []
        self.checked: set = set()
        self._console: dict = {}
        self._document: dict = {}

    def new_page(self):
        """A page in a new browser context: its own cookies, so its own signed-in person."""
        context = self.browser.new_context(base_url=self.base_url)
        context.route(OFF_SITE, lambda route: route.abort())
        self.contexts.append(context)
        page = context.new_page()
        self._console[page] = []
        page.on(
            "console",
            lambda msg: self._console[page].append(msg.text) if "Content Security Policy" in msg.text else None,
        )
        page.on("pageerror", lambda error: self._console[page].append(f"script error: {error}"))
        page.on("response", lambda response: self._remember_document(page, response))
        return page

    def _remember_document(self, page, response):
        if (
            response.request.resource_type == "document"
            and response.frame == page.main_frame
            and not 300 <= response.status < 400
        ):
            self._document[page] = response

    def check(self, page, label, key=None):
        """Check the page as it is now. With `key`, a page already checked under that key is skipped."""
        if key is not None:
            if key in self.checked:
                return
            self.checked.add(key)
        page.wait_for_load_state("load")
        where = f"{label} ({urlsplit(page.url).path})"
        response = self._document.get(page)
        if response is None:
            self.problems.append(f"{where}: no HTML response seen for this page")
        elif "content-security-policy" not in response.headers:
            self.problems.append(f"{where}: no Content-Security-Policy header")
        results = self.axe.run(page, options=AXE_OPTIONS)
        TALLY["pages"] += 1
        if results.violations_count:
            TALLY["violations"] += results.violations_count
            report = results.generate_report()
            self.problems.append(f"{where}: {results.violations_count} axe violations\n{report}")
        self.problems.extend(f"{where}: {text}" for text in self._console[page])
        self._console[page].clear()

    def problem(self, text):
        self.problems.append(text)

    def assert_clean(self):
        assert not self.problems, f"{len(self.problems)} problems:\n\n" + "\n\n".join(self.problems)

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture(scope="session")
def _live_server_media_url():
    # Uploads are never served by URL (MEDIA_URL is empty), but the live server's media handler would
    # then claim every path; a URL on another host makes that handler step aside.
    with override_settings(MEDIA_URL="http://media.invalid/"):
        yield


# Reference data that migrations load; the flush after each browser test (the live server needs
# committed data) empties those tables too, so each test puts it back.
REFERENCE_DATA_SEEDS = ["involve.engagement.migrations.0002_reference_data"]


@pytest.fixture
def _reference_data(transactional_db):
    import importlib

    from django.apps import apps

    for module in REFERENCE_DATA_SEEDS:
        importlib.import_module(module).seed(apps, None)


@pytest.fixture
def browse(_reference_data, browser, _live_server_media_url, live_server):
    b = Browse(browser, live_server.url)
    yield b
    b.close()


@pytest.fixture
def world(cast):
    return build_world(cast)


def totp_code(secret):
    # A code is valid for one 30-second window only: don't hand one out as the window closes.
    if time.time() % 30 > 28:
        time.sleep(2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(page, user, totp_secret=None, browse=None):
    """Sign in through the real form (and the authenticator step); `browse` checks each page on the way."""
    page.goto("/accounts/login/")
    if browse:
        browse.check(page, "sign-in form", key="sign-in form")
    page.locator('input[name="login"]').fill(user.email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('input[name="password"]').press("Enter")
    if totp_secret:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        if browse:
            browse.check(page, "two-factor code form", key="two-factor code form")
        page.locator('input[name="code"]').fill(totp_code(totp_secret))
        page.locator('input[name="code"]').press("Enter")
    page.wait_for_url(lambda url: not urlsplit(url).path.startswith("/accounts/"))
