"""Settings come from the environment: production refuses to start half-configured, and serves
the security headers and cookies of security.md §9 ("Configuration & headers").

Each case runs `involve` (or Python) in a subprocess with a clean environment, so neither the
developer's environment nor the test settings leak in.
"""

import json
import os
import re
import secrets
import subprocess
import sys

import pytest

HOST = "involve.example.nhs.uk"


def production_env(tmp_path, **overrides):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "INVOLVE_DATA_DIR": str(tmp_path / "data"),
        "INVOLVE_ENV": "production",
        "INVOLVE_SECRET_KEY": secrets.token_urlsafe(60),
        "INVOLVE_ALLOWED_HOSTS": HOST,
        "INVOLVE_EMAIL_HOST": "smtp.example.nhs.uk",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run(tmp_path, env, *args):
    return subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)


def involve(tmp_path, env, *args):
    return run(tmp_path, env, sys.executable, "-m", "involve.cli", *args)


def settings_value(tmp_path, env, expression):
    """Evaluate `expression` against the settings a process with `env` would get."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({expression}, default=str))"
    )
    result = run(tmp_path, {**env, "DJANGO_SETTINGS_MODULE": "involve.settings"}, sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def last_line(text):
    return text.strip().splitlines()[-1]


@pytest.mark.parametrize("name", ["INVOLVE_SECRET_KEY", "INVOLVE_ALLOWED_HOSTS", "INVOLVE_EMAIL_HOST"])
def test_production_refuses_to_start_without(tmp_path, name):
    result = involve(tmp_path, production_env(tmp_path, **{name: None}), "check")
    assert result.returncode != 0
    # The last line of the traceback is the message a person reads: it names what is missing.
    assert "ImproperlyConfigured" in last_line(result.stderr)
    assert name in last_line(result.stderr)


def test_secret_key_can_come_from_a_file(tmp_path):
    key = secrets.token_urlsafe(60)
    key_file = tmp_path / "secret_key"
    key_file.write_text(key + "\n")
    env = production_env(tmp_path, INVOLVE_SECRET_KEY=None, INVOLVE_SECRET_KEY_FILE=str(key_file))
    assert settings_value(tmp_path, env, "settings.SECRET_KEY") == key


def test_an_unreadable_secret_key_file_is_refused(tmp_path):
    env = production_env(tmp_path, INVOLVE_SECRET_KEY=None, INVOLVE_SECRET_KEY_FILE=str(tmp_path / "missing"))
    result = involve(tmp_path, env, "check")
    assert result.returncode != 0
    assert "INVOLVE_SECRET_KEY_FILE" in last_line(result.stderr)


def issues_reported(result) -> int:
    """The count on the last line of `check`: 'System check identified no issues (1 silenced).' or
    'System check identified 2 issues (0 silenced).'"""
    match = re.search(r"System check identified (no|\d+) issues?", result.stdout + result.stderr)
    assert match, result.stdout + result.stderr
    return 0 if match.group(1) == "no" else int(match.group(1))


DEPLOY_CONFIGURATIONS = {
    "Involve redirects to HTTPS": {},
    # The proxy redirects HTTP to HTTPS and tells Involve the request came over HTTPS.
    "the proxy redirects to HTTPS": {"INVOLVE_SSL_REDIRECT": "false", "INVOLVE_BEHIND_PROXY": "true"},
}


def test_deploy_check_passes_in_production(tmp_path, scorecard):
    found = {}
    for label, overrides in DEPLOY_CONFIGURATIONS.items():
        env = production_env(tmp_path, **overrides)
        result = involve(tmp_path, env, "check", "--deploy", "--fail-level", "WARNING")
        found[label] = (issues_reported(result), result.returncode, result.stdout + result.stderr)
    scorecard.add(scorecard.DEPLOY_CHECK, found=sum(n for n, _, _ in found.values()), checked=len(found))
    for label, (issues, returncode, output) in found.items():
        assert (issues, returncode) == (0, 0), f"{label}: {output}"


def test_only_the_proxy_redirecting_to_https_silences_the_redirect_check(tmp_path):
    silenced = settings_value(tmp_path, production_env(tmp_path), "settings.SILENCED_SYSTEM_CHECKS")
    assert "security.W008" not in silenced
    env = production_env(tmp_path, INVOLVE_SSL_REDIRECT="false")
    assert "security.W008" in settings_value(tmp_path, env, "settings.SILENCED_SYSTEM_CHECKS")


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"INVOLVE_ALLOWED_HOSTS": "*"}, "INVOLVE_ALLOW_ANY_HOST"),
        ({"INVOLVE_ALLOWED_HOSTS": f"{HOST},*"}, "INVOLVE_ALLOW_ANY_HOST"),
        ({"INVOLVE_REQUIRE_MFA": "false"}, "INVOLVE_ALLOW_NO_MFA"),
    ],
)
def test_production_refuses_weakened_settings_unless_overridden_and_then_warns(tmp_path, overrides, variable):
    result = involve(tmp_path, production_env(tmp_path, **overrides), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in last_line(result.stderr)
    assert variable in last_line(result.stderr)

    overridden = production_env(tmp_path, **overrides, **{variable: "true"})
    result = involve(tmp_path, overridden, "check", "--deploy")
    assert result.returncode == 0, result.stderr
    warning = "involve.W001" if variable == "INVOLVE_ALLOW_ANY_HOST" else "involve.W002"
    assert warning in result.stderr
    assert issues_reported(result) == 1
    # So the deploy check a release runs does not pass with it.
    assert involve(tmp_path, overridden, "check", "--deploy", "--fail-level", "WARNING").returncode != 0


def test_the_trusted_proxy_count_and_addresses_come_from_the_environment(tmp_path):
    env = production_env(tmp_path, INVOLVE_TRUSTED_PROXY_COUNT="1", INVOLVE_FORWARDED_ALLOW_IPS="10.0.0.2, 10.1.0.0/16")
    assert settings_value(tmp_path, env, "[settings.TRUSTED_PROXY_COUNT, settings.FORWARDED_ALLOW_IPS]") == [
        1,
        ["10.0.0.2", "10.1.0.0/16"],
    ]
    # Unset, nothing in X-Forwarded-For is believed: rate limits count REMOTE_ADDR.
    assert settings_value(tmp_path, production_env(tmp_path), "settings.TRUSTED_PROXY_COUNT") == 0


def test_a_boolean_that_is_neither_true_nor_false_is_refused(tmp_path):
    result = involve(tmp_path, production_env(tmp_path, INVOLVE_ENV=None, INVOLVE_DEBUG="maybe"), "check")
    assert result.returncode != 0
    assert "INVOLVE_DEBUG='maybe'" in last_line(result.stderr)


def test_database_url_selects_postgresql(tmp_path):
    env = production_env(tmp_path, DATABASE_URL="postgres://involve:pw@db.example.nhs.uk:5433/involve")
    db = settings_value(tmp_path, env, "settings.DATABASES['default']")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"]) == ("db.example.nhs.uk", 5433, "involve")


def test_without_database_url_the_database_is_sqlite_in_the_data_folder(tmp_path):
    env = production_env(tmp_path)
    db = settings_value(tmp_path, env, "settings.DATABASES['default']")
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "data" / "involve.sqlite3")


# --- Headers and cookies, from a production-configured process ----------------------------------

# Runs inside the production process: prepares the database and static files as `involve serve`
# does, then requests a sample of pages over HTTPS with Django's test client.
HEADERS_SCRIPT = """
import json, django
from django.conf import settings
from django.core.management import call_command
django.setup()
settings.DATA_DIR.mkdir()  # a deployment mounts it
call_command("migrate", verbosity=0)  # creates the cache table too (core migration 0003)
call_command("collectstatic", interactive=False, verbosity=0)
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from involve.organisations import services
from involve.organisations.models import Membership, Organisation, Role, User

PASSWORD = "correct-horse-battery-staple"
user = User.objects.create_user(email="person@example.nhs.uk", password=PASSWORD)
TOTP.activate(user, generate_totp_secret())
organisation = services.organisation_create(by=None, name="NHS Alpha ICB", kind=Organisation.Kind.ICB,
                                            parent=None, ods_code="QAA")
Membership.objects.create(user=user, organisation=organisation, role=Role.VIEWER)
anonymous, signed_in = Client(), Client()
signed_in.force_login(user)
out = {}
def record(label, response):
    out[label] = {
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": {name: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]),
                           "samesite": m["samesite"], "path": m["path"], "domain": m["domain"]}
                    for name, m in response.cookies.items()},
    }
for label, client, path in [("sign-in page", anonymous, "/accounts/login/"),
                            ("accessibility statement", anonymous, "/accessibility/"),
                            ("page not found", anonymous, "/no-such-page/"),
                            ("home", signed_in, "/"),
                            ("organisations", signed_in, "/organisations/")]:
    record(label, client.get(path, secure=True, headers={"host": HOST}))
record("signing in", Client().post("/accounts/login/", {"login": user.email, "password": PASSWORD},
                                   secure=True, headers={"host": HOST}))
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def production_responses(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("production")
    env = {**production_env(tmp_path), "DJANGO_SETTINGS_MODULE": "involve.settings"}
    result = run(tmp_path, env, sys.executable, "-c", f"HOST = {HOST!r}\n{HEADERS_SCRIPT}")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


PAGES = ["sign-in page", "accessibility statement", "page not found", "home", "organisations"]


@pytest.mark.parametrize("page", PAGES)
def test_production_pages_carry_the_security_headers(production_responses, page):
    response = production_responses[page]
    assert response["status"] == (404 if page == "page not found" else 200)
    headers = {k.lower(): v for k, v in response["headers"].items()}

    hsts = dict(part.strip().partition("=")[::2] for part in headers["strict-transport-security"].split(";"))
    assert int(hsts["max-age"]) >= 31536000
    assert "includeSubDomains" in hsts

    csp = {d.split()[0]: d.split()[1:] for d in headers["content-security-policy"].split(";") if d.strip()}
    assert any(source.startswith("'nonce-") for source in csp["script-src"])
    assert "'unsafe-inline'" not in csp["script-src"]
    assert csp["frame-ancestors"] == ["'none'"]

    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    if page in ("home", "organisations"):  # signed in: nothing kept by the browser or a cache
        assert {"no-store", "private"} <= {d.strip() for d in headers["cache-control"].split(",")}


def test_the_last_request_time_cookie_is_host_only_secure_and_httponly(production_responses):
    cookies = production_responses["home"]["cookies"]
    assert cookies["__Host-involve_seen"] == {
        "secure": True,
        "httponly": True,
        "samesite": "Lax",
        "path": "/",
        "domain": "",
    }


@pytest.mark.parametrize(
    ("page", "cookie"),
    [
        ("sign-in page", "__Host-csrftoken"),
        ("signing in", "__Host-sessionid"),
    ],
)
def test_production_cookies_are_host_only_secure_and_httponly(production_responses, page, cookie):
    cookies = production_responses[page]["cookies"]
    assert cookie in cookies, f"{page} set {sorted(cookies)}"
    # __Host- cookies are rejected by browsers unless Secure, Path=/ and without Domain.
    assert cookies[cookie] == {"secure": True, "httponly": True, "samesite": "Lax", "path": "/", "domain": ""}
    assert not [name for name in cookies if not name.startswith("__Host-")]
