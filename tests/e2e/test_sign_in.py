"""Signing in through the real forms, and switching organisation from the header."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from involve.organisations.models import Membership, Role

from ..factories import make_member
from .conftest import sign_in

pytestmark = pytest.mark.e2e


def path(page):
    return urlsplit(page.url).path


def test_sign_in_with_password_and_authenticator_code(browse, world):
    page = browse.new_page()
    page.goto("/")
    assert path(page) == "/accounts/login/"

    page.locator('input[name="login"]').fill(world.walker.email)
    page.locator('input[name="password"]').fill("not-the-password")
    with page.expect_navigation():
        page.locator('input[name="password"]').press("Enter")
    assert path(page) == "/accounts/login/"
    browse.check(page, "sign-in form after a wrong password")

    sign_in(page, world.walker, world.totp_secret, browse)
    assert path(page) == "/"
    expect(page.locator("header")).to_contain_text(world.walker.display_name)
    browse.check(page, "home page after signing in")
    browse.assert_clean()


def test_switch_organisation_from_the_header(browse, cast):
    person = make_member(cast.org_a, Role.CONTRIBUTOR, email="two.hats@example.nhs.uk")
    Membership.objects.create(user=person, organisation=cast.org_b, role=Role.VIEWER)
    page = browse.new_page()
    sign_in(page, person)

    page.locator("header").get_by_role("link", name=re.compile(r"NHS Alpha ICB \(change\)")).click()
    page.wait_for_url("**/organisations/switch/")
    browse.check(page, "change organisation")

    page.get_by_role("button", name="Work in NHS Beta ICB").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    expect(page.locator("header")).to_contain_text("NHS Beta ICB (change)")
    expect(page.get_by_text("You are now working in NHS Beta ICB.")).to_be_visible()
    browse.check(page, "home page after changing organisation")
    browse.assert_clean()
