"""Every role, every import URL (a consultation's imports, the upload, the mapping page, the report):
who may see and change what, and isolation between organisations.

The cast (tests/conftest.py) has every role in org_a and org_b, a region reader above both, an
administrator of org_a's trust (below org_a) and an outsider. All the records are org_a's.
"""

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from involve.audit.middleware import ACCESS_ACTIONS
from involve.audit.models import AuditEvent
from involve.consultations.imports import services
from involve.organisations.permissions import Action

from ..matrix import PEOPLE, role_failures
from .spec_imports import ROWS, SAMPLES, with_file

pytestmark = pytest.mark.django_db

URLS = [(name.removeprefix("consultations:"), needs, action, kind) for name, needs, action, kind in ROWS]
CHANGE_URLS = [u for u in URLS if u[2] != Action.VIEW]


def _url(records, name, arg):
    return reverse(f"consultations:{name}", args=[getattr(records, arg).pk])


@pytest.fixture
def records(records):
    with_file(records.import_run)  # so the mapping page shows its form
    return records


@pytest.mark.parametrize("person", PEOPLE)
def test_every_role_on_every_import_url(cast, records, client_for, person, scorecard):
    client = client_for(getattr(cast, person))
    url_of = lambda name, arg: _url(records, name, arg)  # noqa: E731
    assert not role_failures(client, person, URLS, url_of, scorecard)


def test_the_matrix_covers_every_import_url():
    from involve.consultations.routes import imports

    assert {p.name for p in imports.urlpatterns} == {u[0] for u in URLS}


def test_anonymous_people_are_sent_to_sign_in(records, client):
    for name, arg, _, _ in URLS:
        response = client.get(_url(records, name, arg))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def _post_data(records):
    fft = (SAMPLES / "fft.csv").read_bytes()
    mapping = {
        f"column_{i}": records.import_run.mapping.get(h) or "skip"
        for i, h in enumerate(services.headings(records.import_run))
    }
    return {
        "import_start": lambda: {"file": SimpleUploadedFile("fft.csv", fft), "layout": "fft"},
        "import_mapping": lambda: {**mapping, "action": "import"},
    }


def database_state():
    state = {}
    for model in apps.get_app_config("consultations").get_models():
        state[model._meta.label] = list(model.objects.order_by("pk").values())
    state["audit"] = AuditEvent.objects.exclude(action__in=ACCESS_ACTIONS).count()
    return state


def test_the_post_data_would_change_things_when_allowed(cast, records, client_for):
    client = client_for(cast.a_administrator)
    data = _post_data(records)
    for name, arg, _, _ in CHANGE_URLS:
        before = database_state()
        response = client.post(_url(records, name, arg), data[name]())
        assert response.status_code == 302, (name, response.content.decode()[:2000])
        assert database_state() != before, name


@pytest.mark.parametrize("person", ["b_administrator", "b_engagement_lead", "trust_admin"])
def test_cross_organisation_posts_are_404_and_change_nothing(cast, records, client_for, person, scorecard):
    client = client_for(getattr(cast, person))
    data = _post_data(records)
    before = database_state()
    statuses = {
        name: client.post(_url(records, name, arg), data[name]()).status_code for name, arg, _, _ in CHANGE_URLS
    }
    answered = [name for name, status in statuses.items() if 200 <= status < 400]
    scorecard.add(scorecard.CROSS_ORG_2XX, found=len(answered), checked=len(statuses))
    assert {name: status for name, status in statuses.items() if status != 404} == {}
    assert database_state() == before
    assert services.stored_name(records.import_run) is not None  # the waiting file is untouched


@pytest.mark.parametrize("person", ["region_reader", "a_viewer"])
def test_posts_without_permission_are_403_and_change_nothing(cast, records, client_for, person):
    client = client_for(getattr(cast, person))
    data = _post_data(records)
    before = database_state()
    for name, arg, _, _ in CHANGE_URLS:
        assert client.post(_url(records, name, arg), data[name]()).status_code == 403, name
    assert database_state() == before


def test_another_organisations_report_is_not_found(cast, records, client_for):
    from .factories import make_consultation, make_import_run

    theirs = make_import_run(
        make_consultation(cast.org_b, "Beta feedback"), problems=[{"row": 2, "column": "x", "reason": "secret"}]
    )
    client = client_for(cast.a_administrator)
    assert client.get(reverse("consultations:import_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("consultations:import_list", args=[theirs.consultation.pk])).status_code == 404
