"""Every page a person can reach with GET passes axe's WCAG 2.2 A/AA rules and keeps to the CSP.

The pages come from walking the URL resolver (pages.py), so a page added later is checked
without an edit here. Each walk GETs every URL, follows redirects and checks each page it lands on:
an administrator with two-factor sign-in, then a viewer without it (checked only where they land
somewhere the administrator did not: the 403 page, setting up an authenticator), and someone not
signed in.
"""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from .conftest import sign_in
from .pages import urls_to_visit

pytestmark = pytest.mark.e2e

LOGIN = "/accounts/login/"


def walk(browse, page, who, urls, *, signed_in, sees_everything=False):
    """GET every URL as `who` and check each distinct HTML page it ends on.

    `sees_everything`: `who` may see every object in OBJECTS, so each filled URL must answer 200.
    """
    for name, url, filled in urls:
        response = page.request.get(url)
        final, status = urlsplit(response.url).path, response.status
        where = f"{who}: {name} {url}"
        if status >= 500:
            browse.problem(f"{where} answered {status}")
            continue
        if sees_everything and filled and status != 200:
            browse.problem(f"{where} answered {status}: OBJECTS should give it an object {who} may see")
        if signed_in and final == LOGIN:
            browse.problem(f"{where} sent a signed-in person to the sign-in page (were they signed out?)")
        is_html = response.headers.get("content-type", "").startswith("text/html")
        is_download = "attachment" in response.headers.get("content-disposition", "")
        # 405: a POST-only URL, not a page.
        if status == 405 or not is_html or is_download:
            continue
        key = (signed_in, final, status)
        if key not in browse.checked:
            page.goto(url)
            browse.check(page, where, key=key)


def visit(browse, page, who, url, expected_status, *, signed_in):
    response = page.goto(url)
    if response.status != expected_status:
        browse.problem(f"{who}: {url} answered {response.status}, expected {expected_status}")
    browse.check(page, f"{who}: {url}", key=(signed_in, urlsplit(page.url).path, response.status))


def test_every_url_pattern_can_be_visited(world):
    # Fails by name for a new URL with parameters that OBJECTS (pages.py) cannot fill yet.
    _, problems = urls_to_visit(world, world.walker)
    assert not problems, "\n".join(problems)


def test_signed_in_pages(browse, world):
    admin = browse.new_page()
    sign_in(admin, world.walker, world.totp_secret, browse)
    urls, _ = urls_to_visit(world, world.walker)
    walk(browse, admin, "administrator", urls, signed_in=True, sees_everything=True)
    visit(browse, admin, "administrator", "/no-such-page/", 404, signed_in=True)

    viewer = browse.new_page()
    sign_in(viewer, world.a_viewer, browse=browse)
    visit(browse, viewer, "viewer", reverse("organisations:members"), 403, signed_in=True)
    urls, _ = urls_to_visit(world, world.a_viewer)
    walk(browse, viewer, "viewer", urls, signed_in=True)

    browse.assert_clean()


def test_anonymous_pages(browse, world):
    urls, _ = urls_to_visit(world, world.walker)
    page = browse.new_page()
    for name in ("account_login", "account_reset_password", "accessibility", "roles"):
        visit(browse, page, "anonymous", reverse(name), 200, signed_in=False)
    visit(browse, page, "anonymous", "/no-such-page/", 404, signed_in=False)
    walk(browse, page, "anonymous", urls, signed_in=False)
    browse.assert_clean()


def test_a_form_submitted_empty_shows_the_error_summary(browse, world):
    page = browse.new_page()
    sign_in(page, world.walker, world.totp_secret)
    page.goto(reverse("organisations:invite"))
    with page.expect_navigation():
        page.locator("#main-form").get_by_role("button").click()
    summary = page.locator(".nhsuk-error-summary")
    if not summary.is_visible():
        browse.problem("invite form submitted empty: no error summary shown")
    browse.check(page, "invite form submitted empty")
    browse.assert_clean()
