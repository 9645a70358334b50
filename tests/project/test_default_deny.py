"""Default-deny: every URL needs sign-in unless it is on the public allowlist below.

The walk covers every pattern the resolver knows, so a page added later is checked without
anyone remembering to add it here. Adding a public page means adding it to PUBLIC on purpose.
"""

import pytest

from ..consultations import spec as consultations_spec
from ..insight import spec as insight_spec
from ..urlwalk import all_patterns, sample_url

# Pages a person who is not signed in may reach, and why.
PUBLIC = {
    "health",  # load balancer probe; says only "ok"
    "accessibility",  # the accessibility statement must be readable by everyone
    "roles",  # the role × action table: no data
    # allauth: signing in, password reset and the two-factor step of signing in.
    "account_login",
    "account_logout",
    "account_signup",  # answers "sign-up is closed": people are invited
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_inactive",
    "account_confirm_login_code",
    "account_reauthenticate",
    "mfa_authenticate",
    "mfa_reauthenticate",
    # The public consultation hub and response pages (tests/consultations/spec_responding.py).
    *consultations_spec.PUBLIC,
    *insight_spec.PUBLIC,
}


def _is_login_redirect(response):
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _walk_anonymously(client):
    """Anonymous GET and POST to every pattern; returns (patterns, requests, unresolved, open)."""
    patterns = all_patterns()
    unresolved, open_urls, tried = [], [], 0
    for name, route, _ in patterns:
        url = sample_url(route)
        for method in ("get", "post"):
            tried += 1
            response = getattr(client, method)(url)
            if response.status_code == 404 and method == "get" and name not in PUBLIC:
                unresolved.append((name, url))
            elif not _is_login_redirect(response) and response.status_code != 404 and name not in PUBLIC:
                open_urls.append((name, method.upper(), url, response.status_code))
    return patterns, tried, unresolved, open_urls


@pytest.mark.django_db
def test_every_url_outside_the_allowlist_needs_sign_in(client, scorecard):
    patterns, tried, unresolved, open_urls = _walk_anonymously(client)
    print(f"\nURL walk: {len(patterns)} patterns, {tried} anonymous requests")
    scorecard.add(scorecard.ANON_2XX, found=sum(200 <= u[3] < 300 for u in open_urls), checked=tried)
    assert len(patterns) > 30
    assert open_urls == [], f"reachable without signing in: {open_urls}"
    # A sample URL that does not even resolve would hide an open page: there must be none.
    assert unresolved == [], f"sample URLs that did not resolve: {unresolved}"


@pytest.mark.django_db
def test_the_allowlist_names_only_urls_that_exist():
    names = {name for name, _, _ in all_patterns()}
    assert PUBLIC <= names, f"allowlisted but not served: {PUBLIC - names}"


@pytest.mark.django_db
def test_the_walk_catches_a_lost_default_deny(client, settings):
    # The walk is only worth having if removing the middleware makes it fail.
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("LoginRequiredMiddleware")]
    client.raise_request_exception = False
    _, _, _, open_urls = _walk_anonymously(client)
    assert len(open_urls) > 5
