"""Signing in and staying signed in: the rules people rely on, through the real allauth forms.

Sign-in with email and password, lockout after repeated failures, audit events, password reset,
invitations, required two-factor authentication, session timeouts and sign-out. The pages are
allauth's, restyled in templates/allauth/ with the header and footer of the Jinja pages.
"""

import datetime
import re

import pytest
from allauth.account import app_settings as account_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.conf import settings
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from involve.audit.models import AuditEvent
from involve.core import middleware
from involve.organisations import services as org_services
from involve.organisations.models import Membership, Role

from ..factories import PASSWORD, UserFactory

LOGIN = reverse("account_login")
LOGOUT = reverse("account_logout")
RESET = reverse("account_reset_password")
NEW_PASSWORD = "a-brand-new-passphrase-2026"


@pytest.fixture
def clock(time_machine):
    """A stopped clock: timeouts, lockouts and authenticator codes depend on the time, moved by hand."""
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    return time_machine


def sign_in(client, email, password=PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def error_summary(response) -> str:
    match = re.search(r'<ul class="nhsuk-list nhsuk-error-summary__list">(.*?)</ul>', response.content.decode(), re.S)
    assert match, "no error summary on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


def emailed_link(message) -> str:
    return re.search(r"https?://testserver/\S+", message.body).group(0)


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(datetime.datetime.now().timestamp()) // 30))


# Signing in


def test_signing_in_with_email_and_password_lands_on_the_home_page(cast, client):
    response = sign_in(client, "a.viewer@example.nhs.uk")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in(client)
    assert client.get(reverse("home")).status_code == 200


def test_email_address_is_not_case_sensitive(cast, client):
    sign_in(client, "A.Viewer@Example.NHS.uk")
    assert signed_in(client)


def test_a_wrong_password_shows_the_error_summary_and_keeps_the_email_typed(cast, client):
    response = sign_in(client, "a.viewer@example.nhs.uk", "not-the-password")
    html = response.content.decode()
    assert response.status_code == 200
    assert not signed_in(client)
    assert title(response).startswith("Error: ")
    assert "The email address or password is not right" in error_summary(response)
    # The summary links to the first field, which shows the error too, with what was typed kept.
    assert '<a href="#id_login"' in html
    assert 'id="id_login-error"' in html
    assert 'value="a.viewer@example.nhs.uk"' in html
    assert "not-the-password" not in html


def test_sign_in_form_uses_labelled_design_system_inputs_with_autocomplete(client):
    html = client.get(LOGIN).content.decode()
    for field in ("id_login", "id_password"):
        assert re.search(rf'<label\s+class="nhsuk-label"\s+for="{field}"', html), field
    assert re.search(r'<input[^>]+class="nhsuk-input"[^>]+name="login"[^>]+type="email"', html)
    assert 'autocomplete="email"' in html
    assert 'autocomplete="current-password"' in html
    assert "placeholder" not in html
    assert 'class="nhsuk-button"' in html


def test_an_unknown_email_gets_the_same_response_as_a_wrong_password(cast, client):
    def page_for(email):
        response = Client().post(LOGIN, {"login": email, "password": "not-the-password"})
        html = response.content.decode().replace(email, "EMAIL")
        html = re.sub(r'(nonce|value)="[A-Za-z0-9+/=]{20,}"', r'\1="X"', html)
        return response.status_code, error_summary(response), html

    known = page_for("a.viewer@example.nhs.uk")
    unknown = page_for("nobody.here@example.nhs.uk")
    assert known[0] == unknown[0] == 200
    assert known[1] == unknown[1]
    assert known[2] == unknown[2]


# Lockout


def test_after_the_failure_limit_even_the_right_password_is_refused_until_the_lockout_ends(cast, client, clock):
    email = "a.viewer@example.nhs.uk"
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, email, "not-the-password")

    response = sign_in(client, email)
    assert response.status_code == 200
    assert not signed_in(client)
    assert "You have tried to sign in too many times" in error_summary(response)
    assert f"Wait {settings.LOGIN_LOCKOUT_MINUTES} minutes" in error_summary(response)

    clock.shift(datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES - 1))
    sign_in(client, email)
    assert not signed_in(client)

    clock.shift(datetime.timedelta(minutes=1, seconds=1))
    sign_in(client, email)
    assert signed_in(client)


def test_failures_for_one_address_do_not_lock_another(cast, client):
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 1):
        sign_in(client, "a.viewer@example.nhs.uk", "not-the-password")
    sign_in(client, "a.contributor@example.nhs.uk")
    assert signed_in(client)


def test_an_unknown_address_is_locked_out_like_a_known_one(cast, client):
    # Otherwise the lockout message would tell which addresses have accounts.
    responses = {}
    for email in ("a.viewer@example.nhs.uk", "nobody.here@example.nhs.uk"):
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            sign_in(Client(), email, "not-the-password")
        responses[email] = error_summary(sign_in(Client(), email, "not-the-password"))
    assert len(set(responses.values())) == 1
    assert "too many times" in responses["nobody.here@example.nhs.uk"]


# Behind the reverse proxy the README asks for, REMOTE_ADDR is the proxy's for everyone and the client's
# address is the one the proxy appends to X-Forwarded-For (settings.TRUSTED_PROXY_COUNT).
PROXY = "10.0.0.2"
ATTACKER = "203.0.113.66"


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.FORWARDED_ALLOW_IPS = [PROXY]


def via_proxy(client_address, sent_by_client=""):
    """A browser at client_address, through the proxy; sent_by_client is an X-Forwarded-For the browser
    itself sends, which the proxy keeps and appends to."""
    forwarded = f"{sent_by_client}, {client_address}" if sent_by_client else client_address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def per_address_limit(action):
    """The smallest per-address limit allauth applies to an action (ACCOUNT_RATE_LIMITS …/ip)."""
    rates = [r for r in settings.ACCOUNT_RATE_LIMITS[action].split(",") if r.endswith("/ip")]
    return min(int(r.split("/")[0]) for r in rates)


LOCKED_OUT = "You have tried to sign in too many times"
ADDRESS_LIMITED = "too many failed sign-ins from your network"


def limited(response) -> bool:
    # Too many sign-ins from one address answer 429; too many failures, a message on the form.
    html = response.content.decode()
    return response.status_code == 429 or LOCKED_OUT in html or ADDRESS_LIMITED in html


@pytest.mark.usefixtures("behind_one_proxy")
def test_behind_the_proxy_one_attacker_cannot_lock_everyone_out(cast, clock):
    attacker = via_proxy(ATTACKER)
    answered = []
    # Wrong passwords on many accounts, known and unknown, then on one account, all within a minute.
    emails = [f"{p}.{r}@example.nhs.uk" for p in "ab" for r in ("viewer", "contributor")] + [
        f"guess.{i}@example.nhs.uk" for i in range(40)
    ]
    for email in emails + ["a.administrator@example.nhs.uk"] * 20:
        answered.append(limited(sign_in(attacker, email, "not-the-password")))

    # The attacker's own address is limited, within the per-address limit on sign-ins …
    first_limited = answered.index(True) + 1
    assert first_limited <= per_address_limit("login") + 1
    assert all(answered[first_limited - 1 :])
    # … and everyone else, through the same proxy, still signs in.
    for i, email in enumerate(["b.engagement_lead@example.nhs.uk", "a.engagement_lead@example.nhs.uk"]):
        person = via_proxy(f"198.51.100.{i + 7}")
        assert not limited(sign_in(person, email)), email
        assert signed_in(person)


@pytest.mark.usefixtures("behind_one_proxy")
def test_a_client_cannot_choose_its_address_by_sending_x_forwarded_for(cast, clock):
    # Through the proxy, what the browser writes in the header comes before the proxy's entry.
    spoofing = [via_proxy(ATTACKER, sent_by_client=f"192.0.2.{i}") for i in range(60)]
    answered = [limited(sign_in(c, f"guess.{i}@example.nhs.uk", "x")) for i, c in enumerate(spoofing)]
    assert answered.index(True) + 1 <= per_address_limit("login") + 1
    # Straight to gunicorn, bypassing the proxy: the header is not believed at all.
    direct = [Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}") for i in range(60)]
    answered = [limited(sign_in(c, f"other.{i}@example.nhs.uk", "x")) for i, c in enumerate(direct)]
    assert True in answered


@pytest.mark.usefixtures("behind_one_proxy")
def test_the_lockout_is_per_account_whatever_the_address(cast, clock, scorecard):
    """Measures how many failures lock an account and how long it stays locked, with every failure and
    every try of the right password from a different address."""
    email = "a.viewer@example.nhs.uk"
    addresses = (f"203.0.113.{i}" for i in range(1, 250))

    def right_password_works():
        person = via_proxy(next(addresses))
        return sign_in(person, email).status_code == 302 and signed_in(person)

    failures = 0
    while right_password_works() and failures < 50:
        # A second apart: allauth takes back a successful sign-in's count by its timestamp, and on a
        # stopped clock that would take back the failures made at the same instant too.
        clock.shift(1)
        sign_in(via_proxy(next(addresses)), email, "not-the-password")
        failures += 1
        clock.shift(1)
    response = sign_in(via_proxy(next(addresses)), email)
    assert "You have tried to sign in too many times" in error_summary(response)
    # Another account is not locked by it.
    assert sign_in(via_proxy(next(addresses)), "a.contributor@example.nhs.uk").status_code == 302

    minutes = 0
    while not right_password_works() and minutes < 120:
        clock.shift(datetime.timedelta(minutes=1))
        minutes += 1
    scorecard.setting(scorecard.LOCKOUT, f"{failures} failures / {minutes} min")
    assert failures == settings.LOGIN_FAILURE_LIMIT
    assert minutes == settings.LOGIN_LOCKOUT_MINUTES


# Audit


def audit_page(client) -> str:
    """The audit log page's text, tags removed, as the organisation's administrator reads it."""
    html = client.get(reverse("audit:list")).content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_every_failed_sign_in_is_audited_without_the_password(cast, client, clock):
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 1):
        clock.shift(1)
        sign_in(client, "a.viewer@example.nhs.uk", "Secret-Typed-Wrongly")

    failures = AuditEvent.objects.filter(action="auth.login_failed").order_by("id")
    assert failures.count() == settings.LOGIN_FAILURE_LIMIT + 1
    assert {e.target_label for e in failures} == {"a.viewer@example.nhs.uk"}
    # The failure that used the last attempt says the account is now locked; the attempt refused by the
    # lockout says it was refused without the password being checked.
    assert [e.new for e in failures] == [{}] * (settings.LOGIN_FAILURE_LIMIT - 1) + [
        {"locked_out": True},
        {"refused": True, "locked_out": True},
    ]
    for event in AuditEvent.objects.all():
        stored = " ".join(str(getattr(event, f.attname)) for f in AuditEvent._meta.fields)
        assert "Secret-Typed-Wrongly" not in stored


def test_signing_in_is_audited(cast, client):
    sign_in(client, "a.viewer@example.nhs.uk")
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor_id == cast.a_viewer.pk
    assert event.target_label == "a.viewer@example.nhs.uk"
    assert event.organisation_id == cast.org_a.pk


def test_sign_in_events_reach_the_administrators_of_each_of_the_persons_organisations(cast, client_for):
    person = UserFactory(email="two.hats@example.nhs.uk", first_name="Sam", last_name="Jones")
    for organisation in (cast.org_a, cast.org_b):
        Membership.objects.create(user=person, organisation=organisation, role=Role.VIEWER)
    browser = Client()
    sign_in(browser, person.email, "not-the-password")
    sign_in(browser, person.email)
    browser.post(LOGOUT)

    for administrator in (cast.a_administrator, cast.b_administrator):
        page = audit_page(client_for(administrator))
        assert "Someone failed to sign in as ‘two.hats@example.nhs.uk’" in page, administrator
        assert "Sam Jones signed in" in page, administrator
        assert "Sam Jones signed out" in page, administrator
    # Not an organisation the person does not belong to, even one below theirs.
    assert "two.hats@example.nhs.uk" not in audit_page(client_for(cast.trust_admin))


def test_a_failed_sign_in_is_seen_only_by_that_persons_organisations(cast, client_for):
    sign_in(Client(), "a.viewer@example.nhs.uk", "not-the-password")
    sign_in(Client(), "nobody.here@example.nhs.uk", "not-the-password")

    assert "failed to sign in as ‘a.viewer@example.nhs.uk’" in audit_page(client_for(cast.a_administrator))
    for administrator in (cast.b_administrator, cast.trust_admin):
        assert "a.viewer@example.nhs.uk" not in audit_page(client_for(administrator))
    # An address with no account belongs to no organisation: the event is kept, for nobody's audit page.
    unknown = AuditEvent.objects.get(action="auth.login_failed", target_label="nobody.here@example.nhs.uk")
    assert unknown.organisation_id is None
    for administrator in (cast.a_administrator, cast.b_administrator, cast.trust_admin):
        assert "nobody.here" not in audit_page(client_for(administrator))


def test_a_lockout_reads_in_plain_words_on_the_audit_log(cast, client, client_for, clock):
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 1):
        clock.shift(1)
        sign_in(client, "a.viewer@example.nhs.uk", "not-the-password")
    page = audit_page(client_for(cast.a_administrator))
    assert "Account locked after too many failed sign-ins: Yes" in page
    assert "Refused without checking the password: Yes" in page


@pytest.mark.usefixtures("behind_one_proxy")
def test_too_many_failures_from_one_address_are_refused_and_recorded_as_such(cast, client_for, clock):
    attacker = via_proxy(ATTACKER)
    for i in range(per_address_limit("login_failed")):
        sign_in(attacker, f"guess.{i}@example.nhs.uk", "not-the-password")
    response = sign_in(attacker, "a.contributor@example.nhs.uk", "not-the-password")
    assert ADDRESS_LIMITED in error_summary(response)
    event = AuditEvent.objects.filter(action="auth.login_failed").latest("id")
    assert event.new == {"refused": True, "address_limited": True}
    assert event.organisation_id == cast.org_a.pk
    assert "Too many sign-ins from the same network address: Yes" in audit_page(client_for(cast.a_administrator))
    # The account itself is not locked: its owner, elsewhere, signs in.
    assert sign_in(via_proxy("198.51.100.7"), "a.contributor@example.nhs.uk").status_code == 302


# Password reset


def test_a_password_reset_link_lets_the_person_set_a_new_password_and_sign_in(cast, client):
    response = client.post(RESET, {"email": "a.viewer@example.nhs.uk"})
    assert response["Location"] == reverse("account_reset_password_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["a.viewer@example.nhs.uk"]

    response = client.get(emailed_link(mail.outbox[0]))
    set_password_url = response["Location"]
    page = client.get(set_password_url).content.decode()
    assert page.count('autocomplete="new-password"') == 2
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response["Location"] == reverse("account_reset_password_from_key_done")

    sign_in(client, "a.viewer@example.nhs.uk", PASSWORD)
    assert not signed_in(client)
    sign_in(client, "a.viewer@example.nhs.uk", NEW_PASSWORD)
    assert signed_in(client)


def test_a_reset_link_works_once(cast, client):
    client.post(RESET, {"email": "a.viewer@example.nhs.uk"})
    link = emailed_link(mail.outbox[0])
    set_password_url = client.get(link)["Location"]
    client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    response = Client().get(link, follow=True)
    assert "This link no longer works" in response.content.decode()


def test_an_unknown_address_gets_the_same_page_as_a_known_one(cast, client):
    known = Client().post(RESET, {"email": "a.viewer@example.nhs.uk"}, follow=True)
    unknown = Client().post(RESET, {"email": "nobody.here@example.nhs.uk"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    strip = lambda r: re.sub(r'nonce="[^"]+"', "", r.content.decode())  # noqa: E731
    assert strip(known) == strip(unknown)
    # Nothing that could reset a password goes to an address without an account.
    assert "/password/reset/key/" not in "".join(m.body for m in mail.outbox if m.to == ["nobody.here@example.nhs.uk"])


# Invitation


def test_an_invitation_lets_a_new_person_set_a_password_and_sign_in_to_the_organisation(
    cast, client, django_capture_on_commit_callbacks
):
    request = RequestFactory().get("/")
    with django_capture_on_commit_callbacks(execute=True):
        org_services.member_invite(
            by=cast.a_administrator,
            links=org_services.invitation_links(request),
            organisation=cast.org_a,
            email="new.person@example.nhs.uk",
            role=Role.CONTRIBUTOR,
        )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.nhs.uk"]

    set_password_url = client.get(emailed_link(mail.outbox[0]))["Location"]
    assert "Set your password" in client.get(set_password_url).content.decode()
    client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    response = sign_in(client, "new.person@example.nhs.uk", NEW_PASSWORD)
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home")).content.decode()
    assert f"<h1>{cast.org_a.name}</h1>" in home
    assert "contributor" in home


# Two-factor authentication


PAGES_NEEDING_AN_AUTHENTICATOR = ["home", "account_settings", "organisations:list", "accessibility"]


@pytest.fixture
def mfa_required(settings):
    settings.REQUIRE_MFA = True


def set_up_authenticator(client):
    """Go through the forced set-up as a person would, straight after signing in with the password (so
    without being asked for it again); returns the secret the page showed."""
    activate = reverse("mfa_activate_totp")
    response = client.get(activate)
    assert response.status_code == 200, response.get("Location")
    page = response.content.decode()
    assert '<img src="data:image/svg+xml;base64,' in page
    secret = re.search(r'<code id="authenticator-key">(\w+)</code>', page).group(1)
    assert 'autocomplete="one-time-code"' in page
    response = client.post(activate, {"code": totp_code(secret)})
    assert response.status_code == 302, error_summary(response)
    return secret


@pytest.mark.usefixtures("mfa_required")
def test_without_an_authenticator_every_page_sends_you_to_set_one_up(cast, client, clock):
    sign_in(client, "a.viewer@example.nhs.uk")
    for name in PAGES_NEEDING_AN_AUTHENTICATOR:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("mfa_activate_totp"), name
    # Account pages stay open, so that set-up (and changing your password) can be done.
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("account_change_password")).status_code == 200
    client.post(LOGOUT)
    assert not signed_in(client)


@pytest.mark.usefixtures("mfa_required")
def test_after_setting_up_an_authenticator_you_reach_the_home_page(
    cast, client, clock, django_capture_on_commit_callbacks
):
    sign_in(client, "a.viewer@example.nhs.uk")
    with django_capture_on_commit_callbacks(execute=True):
        set_up_authenticator(client)
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.mfa_added", actor_id=cast.a_viewer.pk).exists()


@pytest.mark.usefixtures("mfa_required")
def test_asking_for_a_password_reset_does_not_block_setting_up_an_authenticator(cast, client, clock):
    # The reset request records the address as unverified; Involve has no other way to verify it.
    Client().post(RESET, {"email": "a.viewer@example.nhs.uk"})
    sign_in(client, "a.viewer@example.nhs.uk")
    set_up_authenticator(client)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.usefixtures("mfa_required")
def test_a_wrong_code_at_set_up_is_refused(cast, client, clock):
    sign_in(client, "a.viewer@example.nhs.uk")
    activate = reverse("mfa_activate_totp")
    client.get(activate)
    response = client.post(activate, {"code": "not-a-code"})
    assert response.status_code == 200
    assert title(response).startswith("Error: ")
    assert "That code is not right" in error_summary(response)
    assert client.get(reverse("home"))["Location"] == activate


@pytest.mark.usefixtures("mfa_required")
def test_signing_in_again_asks_for_the_code_and_refuses_a_wrong_one(cast, client, clock):
    sign_in(client, "a.viewer@example.nhs.uk")
    secret = set_up_authenticator(client)
    client.post(LOGOUT)
    clock.shift(datetime.timedelta(seconds=30))  # a new code: each is accepted only once

    response = sign_in(client, "a.viewer@example.nhs.uk")
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)

    wrong = "000000" if totp_code(secret) != "000000" else "111111"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert not signed_in(client)
    assert "That code is not right" in error_summary(response)
    assert AuditEvent.objects.filter(action="auth.mfa_failed", target_label="a.viewer@example.nhs.uk").exists()

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response["Location"] == reverse("home")
    assert signed_in(client)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.usefixtures("mfa_required")
def test_setting_up_two_factor_right_after_signing_in_does_not_ask_for_the_password_again(cast, client, clock):
    sign_in(client, "a.viewer@example.nhs.uk")
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = re.search(r'<code id="authenticator-key">(\w+)</code>', response.content.decode()).group(1)
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    # Then the recovery codes made with it, shown once, also without the password again.
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert len(re.findall(r"\b[0-9a-f]{8}\b", response.content.decode())) >= 8


@pytest.mark.usefixtures("mfa_required")
def test_setting_up_two_factor_long_after_signing_in_asks_for_the_password(cast, client, clock):
    sign_in(client, "a.viewer@example.nhs.uk")
    clock.shift(account_settings.REAUTHENTICATION_TIMEOUT)
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))


@pytest.mark.usefixtures("mfa_required")
def test_changing_an_existing_authenticator_still_asks_for_the_password_even_just_after_signing_in(cast, client, clock):
    sign_in(client, "a.viewer@example.nhs.uk")
    secret = set_up_authenticator(client)
    client.post(LOGOUT)
    clock.shift(datetime.timedelta(seconds=30))
    sign_in(client, "a.viewer@example.nhs.uk")
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert signed_in(client)
    for name in ("mfa_deactivate_totp", "mfa_generate_recovery_codes", "mfa_view_recovery_codes"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_reauthenticate")), name


@pytest.mark.usefixtures("mfa_required")
def test_too_many_wrong_codes_lock_the_account_and_are_audited(cast, client, client_for, clock):
    sign_in(client, "a.viewer@example.nhs.uk")
    secret = set_up_authenticator(client)
    client.post(LOGOUT)
    clock.shift(datetime.timedelta(seconds=30))
    sign_in(client, "a.viewer@example.nhs.uk")
    wrong = "000000" if totp_code(secret) != "000000" else "111111"
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        clock.shift(1)
        client.post(reverse("mfa_authenticate"), {"code": wrong})
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert LOCKED_OUT in error_summary(response)
    assert not signed_in(client)

    events = AuditEvent.objects.filter(action="auth.mfa_failed", organisation_id=cast.org_a.pk).order_by("id")
    assert [e.new for e in events] == [{"type": "totp"}] * settings.LOGIN_FAILURE_LIMIT + [
        {"type": "totp", "locked_out": True}
    ]
    TOTP.activate(cast.a_administrator, generate_totp_secret())  # REQUIRE_MFA is on for them too
    page = audit_page(client_for(cast.a_administrator))
    assert "Someone entered a wrong two-factor code for ‘a.viewer@example.nhs.uk’" in page
    assert "Authenticator: authenticator app" in page
    assert "Refused after too many wrong codes: Yes" in page


# Session timeouts


def test_idle_longer_than_the_idle_timeout_signs_you_out(cast, client_for, clock):
    client = client_for(cast.a_viewer)
    assert client.get(reverse("home")).status_code == 200

    clock.shift(settings.SESSION_IDLE_SECONDS + 1)
    response = client.get(reverse("organisations:list"))
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/organisations/"
    assert not signed_in(client)
    assert "your session timed out" in client.get(response["Location"]).content.decode()
    assert AuditEvent.objects.filter(action="auth.logout", actor_id=cast.a_viewer.pk).exists()


def test_the_idle_timeout_counts_from_the_last_request_to_the_second(cast, client_for, clock):
    client = client_for(cast.a_viewer)
    clock.shift(30)  # a request shortly after signing in: the session's own time is not rewritten for it
    assert client.get(reverse("home")).status_code == 200
    clock.shift(settings.SESSION_IDLE_SECONDS)
    assert client.get(reverse("home")).status_code == 200
    clock.shift(settings.SESSION_IDLE_SECONDS + 1)
    assert client.get(reverse("home"))["Location"] == f"{LOGIN}?next=/"
    assert not signed_in(client)


def test_one_sessions_last_request_time_cannot_keep_another_alive(cast, client_for, clock):
    idle, active = client_for(cast.a_viewer), client_for(cast.a_viewer)
    clock.shift(settings.SESSION_IDLE_SECONDS - 10)
    assert active.get(reverse("home")).status_code == 200
    clock.shift(20)
    name = middleware.last_seen_cookie_name()
    idle.cookies[name] = active.cookies[name].value
    assert idle.get(reverse("home")).status_code == 302
    assert not signed_in(idle)


def test_activity_within_the_idle_timeout_keeps_you_signed_in(cast, client_for, clock):
    client = client_for(cast.a_viewer)
    for _ in range(3):
        clock.shift(settings.SESSION_IDLE_SECONDS - 60)
        assert client.get(reverse("home")).status_code == 200


def test_the_absolute_timeout_signs_you_out_even_when_active(cast, client_for, clock):
    client = client_for(cast.a_viewer)
    step = settings.SESSION_IDLE_SECONDS - 60
    active_for = 0
    while active_for + step <= settings.SESSION_COOKIE_AGE:
        clock.shift(step)
        active_for += step
        assert client.get(reverse("home")).status_code == 200
    clock.shift(step)
    assert client.get(reverse("home"))["Location"] == f"{LOGIN}?next=/"
    assert not signed_in(client)


def test_the_absolute_timeout_counts_from_signing_in_again(cast, client_for, clock):
    client = client_for(cast.a_viewer)
    assert client.get(reverse("home")).status_code == 200
    step = settings.SESSION_IDLE_SECONDS - 60
    active_for = 0
    while active_for + step <= settings.SESSION_COOKIE_AGE:
        clock.shift(step)
        active_for += step
        assert client.get(reverse("home")).status_code == 200
    client.force_login(cast.a_viewer)
    clock.shift(step)
    assert client.get(reverse("home")).status_code == 200


def test_a_timed_out_htmx_request_loads_the_sign_in_page_whole(cast, client_for, clock):
    client = client_for(cast.a_viewer)
    clock.shift(settings.SESSION_IDLE_SECONDS + 1)
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{LOGIN}?next=/"


# Signing out


def test_signing_out_needs_a_post_with_the_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.a_viewer)

    page = client.get(LOGOUT)
    assert page.status_code == 200
    assert "Are you sure you want to sign out" in page.content.decode()
    assert signed_in(client)

    assert client.post(LOGOUT).status_code == 403
    assert signed_in(client)

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(LOGOUT, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert not signed_in(client)


# The pages themselves


def _landmarks(html):
    # The sign-out button's CSRF token is masked afresh on every page.
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return [
        re.search(pattern, html, re.S).group(0)
        for pattern in (r'<a\s+class="nhsuk-skip-link".*?</a>', r"<header.*?</header>", r"<footer.*?</footer>")
    ]


def test_sign_in_pages_have_the_same_skip_link_header_and_footer_as_the_other_pages(cast, client, client_for):
    assert _landmarks(client.get(LOGIN).content.decode()) == _landmarks(
        client.get(reverse("accessibility")).content.decode()
    )
    signed_in_client = client_for(cast.a_administrator)
    assert _landmarks(signed_in_client.get(reverse("mfa_index")).content.decode()) == _landmarks(
        signed_in_client.get(reverse("account_settings")).content.decode()
    )


def test_sign_in_pages_keep_to_the_content_security_policy(cast, client, client_for):
    anonymous = [LOGIN, RESET, reverse("account_signup"), reverse("account_reset_password_done")]
    signed_in_pages = [
        LOGOUT,
        reverse("mfa_index"),
        reverse("account_change_password"),
        reverse("account_reauthenticate"),
    ]
    user_client = client_for(cast.a_viewer)
    for c, url in [(client, u) for u in anonymous] + [(user_client, u) for u in signed_in_pages]:
        response = c.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts, url
        assert all(f'nonce="{nonce}"' in tag for tag in scripts), url
        assert not re.search(r"<style\b|\sstyle=", html), url


def test_an_inactive_account_cannot_sign_in(db, client):
    UserFactory(email="gone@example.nhs.uk", is_active=False)
    sign_in(client, "gone@example.nhs.uk")
    assert not signed_in(client)
