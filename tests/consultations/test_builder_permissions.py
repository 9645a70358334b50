"""Every role, every builder URL (consultations, sections, questions, the staff view of responses):
who may see and change what, and isolation between organisations.

The cast (tests/conftest.py) has every role in org_a and org_b, a region reader above both, an
administrator of org_a's trust (below org_a) and an outsider. All the records are org_a's.
"""

import datetime

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from involve.audit.middleware import ACCESS_ACTIONS
from involve.audit.models import AuditEvent
from involve.equality.models import EqualityRecord
from involve.organisations.permissions import ROLE_ACTIONS, Action

from ..matrix import OBJECT, PEOPLE, ROLE_OF, role_failures
from .spec_builder import ROWS

pytestmark = pytest.mark.django_db

URLS = [(name.removeprefix("consultations:"), needs, action, kind) for name, needs, action, kind in ROWS]
OBJECT_URLS = [u for u in URLS if u[3] == OBJECT]
CHANGE_URLS = [u for u in OBJECT_URLS if u[2] != Action.VIEW]
# The records' consultation is open: these state changes do not apply to it (they are refused
# whoever asks, so they cannot show a missing check by changing something).
NOT_NOW = {"consultation_publish", "consultation_reopen", "consultation_publish_results"}


def _url(records, name, arg):
    if arg is None:
        return reverse(f"consultations:{name}")
    if arg in ("csv", "xlsx"):
        return reverse(f"consultations:{name}", args=[arg])
    return reverse(f"consultations:{name}", args=[getattr(records, arg).pk])


@pytest.mark.parametrize("person", PEOPLE)
def test_every_role_on_every_url(cast, records, client_for, person, scorecard):
    client = client_for(getattr(cast, person))
    url_of = lambda name, arg: _url(records, name, arg)  # noqa: E731
    assert not role_failures(client, person, URLS, url_of, scorecard)


def test_the_rows_cover_every_builder_url():
    from involve.consultations.routes import builder

    assert {p.name for p in builder.urlpatterns} == {u[0] for u in URLS}


def test_anonymous_people_are_sent_to_sign_in(records, client):
    for name, arg, _, _ in URLS:
        response = client.get(_url(records, name, arg))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def _post_data(records):
    c = records.consultation
    opens, closes = timezone.localtime(c.opens_at), timezone.localtime(c.closes_at)
    later = timezone.localdate() + datetime.timedelta(days=60)

    def date(prefix, d):
        return {f"{prefix}-day": d.day, f"{prefix}-month": d.month, f"{prefix}-year": d.year}

    return {
        "consultation_edit": {
            "title": "Changed by someone else",
            "kind": "consultation",
            "paging": "all",
            "privacy_notice": "x",
            "suppression_threshold": "5",
            **date("opens_on", opens.date()),
            "opens_time": f"{opens:%H:%M}",
            **date("closes_on", closes.date()),
            "closes_time": f"{closes:%H:%M}",
        },
        "consultation_delete": {},
        "consultation_publish": {},
        "consultation_close": {},
        "consultation_reopen": {**date("closes_on", later), "closes_time": "12:00"},
        "consultation_publish_results": {"results_summary": "Someone else's results"},
        "consultation_copy": {"title": "Copied by someone else"},
        "section_add": {"title": "Added by someone else"},
        "section_edit": {"title": "Changed by someone else"},
        "section_delete": {},
        "question_add": {"kind": "free_text", "text": "Added by someone else"},
        "question_edit": {"kind": "free_text", "text": "Changed by someone else", "section": records.section.pk},
        "question_delete": {},
        "question_move": {"direction": "down"},
        "response_delete": {},
    }


def database_state():
    """Every consultations row, the equality records, and the number of audit events."""
    state = {}
    for model in [*apps.get_app_config("consultations").get_models(), EqualityRecord]:
        state[model._meta.label] = list(model.objects.order_by("pk").values())
        for m2m in model._meta.local_many_to_many:
            through = m2m.remote_field.through
            state[through._meta.label] = list(through.objects.order_by("pk").values())
    state["audit"] = AuditEvent.objects.exclude(action__in=ACCESS_ACTIONS).count()
    return state


def test_the_post_data_would_change_things_when_allowed(cast, records, client_for):
    client = client_for(cast.a_administrator)
    data = _post_data(records)
    for name, arg, _, _ in CHANGE_URLS:
        if name in NOT_NOW or name in ("consultation_delete", "section_delete", "question_delete"):
            continue
        before = database_state()
        response = client.post(_url(records, name, arg), data[name])
        assert response.status_code == 302, (name, response.content.decode()[:3000])
        assert database_state() != before, name


@pytest.mark.parametrize("person", ["b_administrator", "b_engagement_lead", "trust_admin"])
def test_cross_organisation_posts_are_404_and_change_nothing(cast, records, client_for, person, scorecard):
    client = client_for(getattr(cast, person))
    data = _post_data(records)
    before = database_state()
    statuses = {name: client.post(_url(records, name, arg), data[name]).status_code for name, arg, _, _ in CHANGE_URLS}
    answered = [name for name, status in statuses.items() if 200 <= status < 400]
    scorecard.add(scorecard.CROSS_ORG_2XX, found=len(answered), checked=len(statuses))
    assert {name: status for name, status in statuses.items() if status != 404} == {}
    assert database_state() == before


@pytest.mark.parametrize("person", ["region_reader", "a_viewer", "a_contributor"])
def test_posts_without_permission_are_403_and_change_nothing(cast, records, client_for, person):
    client = client_for(getattr(cast, person))
    data = _post_data(records)
    before = database_state()
    for name, arg, action, _ in CHANGE_URLS:
        if action in ROLE_ACTIONS[ROLE_OF[person]] and person != "region_reader":
            continue
        response = client.post(_url(records, name, arg), data[name])
        assert response.status_code == 403, name
    assert database_state() == before


def test_a_region_reader_reads_everything_below_and_changes_nothing(cast, records, client_for):
    from .factories import make_consultation

    make_consultation(cast.org_b, "Beta listening")
    client = client_for(cast.region_reader)
    html = client.get(reverse("consultations:consultation_list")).content.decode()
    assert records.consultation.title in html and "Beta listening" in html
    assert "Add a consultation" not in html
    html = client.get(reverse("consultations:consultation_detail", args=[records.consultation.pk])).content.decode()
    for name in ("consultation_edit", "consultation_delete", "consultation_close", "consultation_copy", "question_add"):
        assert reverse(f"consultations:{name}", args=[records.consultation.pk]) not in html, name
    assert reverse("consultations:question_move", args=[records.question.pk]) not in html
    before = database_state()
    assert client.post(reverse("consultations:consultation_add"), {"title": "x"}).status_code == 403
    assert database_state() == before


def test_lists_and_exports_hold_only_what_the_person_may_read(cast, records, client_for):
    from .factories import make_consultation

    make_consultation(cast.org_b, "Beta private consultation")
    a_html = client_for(cast.a_viewer).get(reverse("consultations:consultation_list")).content.decode()
    b_html = client_for(cast.b_viewer).get(reverse("consultations:consultation_list")).content.decode()
    assert records.consultation.title in a_html and "Beta private consultation" not in a_html
    assert "Beta private consultation" in b_html and records.consultation.title not in b_html
    csv = client_for(cast.b_viewer).get(reverse("consultations:consultation_export", args=["csv"])).content.decode()
    assert "Beta private consultation" in csv and records.consultation.title not in csv


def test_a_copy_is_made_in_the_persons_own_organisation(cast, records, client_for):
    from involve.consultations.models import Consultation

    # org_a's trust administrator cannot see org_a's consultation; the region reader may read but not copy.
    client = client_for(cast.a_contributor)
    client.post(reverse("consultations:consultation_copy", args=[records.consultation.pk]), {"title": "Our copy"})
    assert Consultation.objects.get(title="Our copy").organisation == cast.org_a
