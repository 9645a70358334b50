"""The shared cast for every test.

    national ─ region ─┬─ org_a (an ICB) ── org_a_trust
                       └─ org_b (an ICB)

org_a and org_b each have a person in every role. `region_reader` works in the region and may
read both ICBs' records but change none; `outsider` is signed in but belongs nowhere. Tests that
prove isolation act as someone in org_b against org_a's records.
"""

import datetime
import types
import zoneinfo

import pytest
import time_machine

from involve.organisations.models import Organisation, Role

from . import scorecard as scorecard_module
from .factories import make_member, make_organisation
from .scorecard import pytest_terminal_summary  # noqa: F401  (the scorecard table at the end of the run)

ROLES = [Role.ADMINISTRATOR, Role.ENGAGEMENT_LEAD, Role.CONTRIBUTOR, Role.VIEWER]


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    # Uploads and task results go to a per-test folder; tasks run inline unless a test says otherwise.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Argon2 costs ~0.1 s a password by design; the cast has a dozen people per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _one_day_per_run():
    """Factories and tests keep TODAY, the date they were imported on, as a constant: a run that crosses
    midnight (Europe/London) keeps the code on that day too, rather than test yesterday's records
    against today's rules."""
    from involve.core.dates import today

    from .engagement import factories

    if today() == factories.TODAY:
        yield
        return
    last_minute = datetime.datetime.combine(factories.TODAY, datetime.time(23, 59), zoneinfo.ZoneInfo("Europe/London"))
    with time_machine.travel(last_minute, tick=True):
        yield


@pytest.fixture(autouse=True, scope="session")
def _strict_templates(django_test_environment):
    # A name or attribute our Jinja2 templates look up and do not find fails the test instead of
    # printing nothing (involve.jinja2env.StrictInOurTemplates). Once per session: changing
    # TEMPLATES rebuilds the environment, and with it every compiled template.
    from django.conf import settings
    from django.test import override_settings

    templates = [{**t, "OPTIONS": {**t.get("OPTIONS", {})}} for t in settings.TEMPLATES]
    for template in templates:
        if template["BACKEND"] == "django.template.backends.jinja2.Jinja2":
            template["OPTIONS"]["strict_undefined"] = True
    with override_settings(TEMPLATES=templates):
        yield


@pytest.fixture
def scorecard():
    """Report a security figure for the end-of-run scorecard (tests/scorecard.py)."""
    return scorecard_module


@pytest.fixture
def cast(db):
    national = make_organisation("NHS England", Organisation.Kind.NATIONAL, ods_code="X24")
    region = make_organisation("London", Organisation.Kind.REGION, parent=national, ods_code="Y56")
    org_a = make_organisation("NHS Alpha ICB", parent=region, ods_code="QAA")
    org_b = make_organisation("NHS Beta ICB", parent=region, ods_code="QBB")
    org_a_trust = make_organisation("Alpha Hospitals NHS Trust", Organisation.Kind.TRUST, parent=org_a, ods_code="RAA")
    c = types.SimpleNamespace(national=national, region=region, org_a=org_a, org_b=org_b, org_a_trust=org_a_trust)
    for prefix, org in (("a", org_a), ("b", org_b)):
        for role in ROLES:
            setattr(c, f"{prefix}_{role.value}", make_member(org, role, email=f"{prefix}.{role.value}@example.nhs.uk"))
    c.region_reader = make_member(region, Role.VIEWER, email="region.reader@example.nhs.uk")
    c.trust_admin = make_member(org_a_trust, Role.ADMINISTRATOR, email="trust.admin@example.nhs.uk")
    from .factories import UserFactory

    c.outsider = UserFactory(email="outsider@example.nhs.uk")
    return c


@pytest.fixture
def client_for(client):
    """client_for(user) gives a test client signed in as that user."""
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make
