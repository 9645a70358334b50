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
        if sees_everything and filled and status not in (200, 405):  # 405: POST-only, refused before any lookup
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


# Reflow (WCAG 1.4.10): at 320 CSS pixels wide nothing but a table's own scroll box scrolls sideways.
NARROW = {"width": 320, "height": 640}
WIDER_THAN_THE_PAGE = """() => {
  const width = document.documentElement.clientWidth;
  const culprits = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest(".involve-table-scroll, .involve-table-wrapper")) continue;
    const box = el.getBoundingClientRect();
    const classes = String(el.className || "").trim().split(/\\s+/).filter(Boolean);
    const name = [el.tagName.toLowerCase(), ...classes].join(".");
    if (box.right > width + 1 && box.width > 0) culprits.push(name);
    if (culprits.length >= 5) break;
  }
  return {scrollWidth: document.documentElement.scrollWidth, culprits};
}"""


# Detail pages whose tables have no scroll box yet: their templates (programme_detail.html, the cover
# sheet's _cover_sheet.html) need the `involve-table-scroll` wrapper; remove each once it has it.
REFLOW_NOT_YET = set()


def narrow_page(browse):
    from .conftest import OFF_SITE

    context = browse.browser.new_context(base_url=browse.base_url, viewport=NARROW)
    context.route(OFF_SITE, lambda route: route.abort())
    browse.contexts.append(context)
    return context.new_page()


def check_reflow(browse, page, where, seen):
    path = urlsplit(page.url).path
    if path in seen:
        return
    seen.add(path)
    result = page.evaluate(WIDER_THAN_THE_PAGE)
    if result["scrollWidth"] > NARROW["width"]:
        browse.problem(
            f"{where} ({path}): the page scrolls sideways at 320 px "
            f"(scrollWidth {result['scrollWidth']}); too wide: {', '.join(result['culprits'])}"
        )


def test_every_page_reflows_at_320_css_pixels(browse, world):
    from involve.engagement.models import Decision

    from ..engagement.factories import make_decision

    # A long word in a table and a region's table of organisations, so there is something wide to show.
    make_decision(
        world.org_a,
        title="Reconfiguration-of-community-ophthalmology-services-across-the-system",
        duty_status=Decision.DutyStatus.FEEDBACK_GIVEN,
    )
    seen = set()
    admin = narrow_page(browse)
    sign_in(admin, world.walker, world.totp_secret)
    urls, _ = urls_to_visit(world, world.walker)
    for name, url, _filled in urls:
        if name in REFLOW_NOT_YET:
            continue
        response = admin.request.get(url)  # as walk() does: downloads and POST-only URLs are not pages
        if (
            response.status >= 500
            or response.status == 405
            or not response.headers.get("content-type", "").startswith("text/html")
            or "attachment" in response.headers.get("content-disposition", "")
        ):
            continue
        admin.goto(url)
        check_reflow(browse, admin, f"administrator: {name} {url}", seen)
    region = narrow_page(browse)
    sign_in(region, world.region_reader)
    region.goto(reverse("home"))
    seen.discard("/")
    check_reflow(browse, region, "region reader: home", seen)
    anonymous = narrow_page(browse)
    for name in ("account_login", "accessibility", "roles"):
        anonymous.goto(reverse(name))
        check_reflow(browse, anonymous, f"anonymous: {name}", set())
    assert len(seen) > 20, "the walk should have reached most pages"
    browse.assert_clean()
