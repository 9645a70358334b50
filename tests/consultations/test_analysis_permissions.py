"""Every role on every analysis URL: who may read the counts, exports and reports, who may moderate,
and isolation between organisations (another organisation's consultation is a 404, and a POST to it
changes nothing). The cast has every role in org_a and org_b, a region reader above both, an
administrator of org_a's trust and an outsider; the records are org_a's."""

import pytest
from django.urls import reverse

from involve.audit.middleware import ACCESS_ACTIONS
from involve.audit.models import AuditEvent
from involve.consultations.models import Answer, Response
from involve.organisations.permissions import Action

from ..matrix import OBJECT, PEOPLE, role_failures
from . import spec_analysis

pytestmark = pytest.mark.django_db

URLS = [(name.removeprefix("consultations:"), needs, action, kind) for name, needs, action, kind in spec_analysis.ROWS]
URLS += [
    ("response_export", ("consultation", "csv"), Action.VIEW, OBJECT),
    ("response_export", ("consultation", "xlsx"), Action.VIEW, OBJECT),
]


def _url(records, name, needs):
    if isinstance(needs, tuple):
        record, fmt = needs
        return reverse(f"consultations:{name}", args=[getattr(records, record).pk, fmt])
    return reverse(f"consultations:{name}", args=[getattr(records, needs).pk])


def test_every_analysis_url_is_tested_here():
    from involve.consultations.routes import analysis

    assert {p.name for p in analysis.urlpatterns} == {u[0] for u in URLS}


@pytest.mark.parametrize("person", PEOPLE)
def test_every_role_on_every_analysis_url(cast, records, client_for, person, scorecard):
    records.response.publish_consent = True
    records.response.save()
    client = client_for(getattr(cast, person))
    url_of = lambda name, arg: _url(records, name, arg)  # noqa: E731
    assert not role_failures(client, person, URLS, url_of, scorecard)


def test_anonymous_people_are_sent_to_sign_in(records, client):
    for name, needs, _, _ in URLS:
        response = client.get(_url(records, name, needs))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def _state():
    return (
        list(Response.objects.order_by("pk").values("pk", "moderation", "moderated_by", "moderated_at")),
        list(Answer.objects.order_by("pk").values("pk", "masked_text")),
        AuditEvent.objects.exclude(action__in=ACCESS_ACTIONS).count(),
    )


def _moderate(client, response):
    answer = response.answers.get(question__kind="free_text")
    return client.post(
        reverse("consultations:moderate", args=[response.pk]),
        {
            f"r{response.pk}-decision": "approved",
            f"r{response.pk}-seen": "not_reviewed|",
            f"r{response.pk}-masked_{answer.pk}": "Changed by someone else",
        },
    )


@pytest.fixture
def consenting(records):
    records.response.publish_consent = True
    records.response.save()
    return records.response


def test_the_moderation_post_changes_things_when_allowed(cast, client_for, consenting):
    client = client_for(cast.a_engagement_lead)
    before = _state()
    assert _moderate(client, consenting).status_code == 302
    assert _state() != before


@pytest.mark.parametrize("person", ["b_administrator", "b_engagement_lead", "trust_admin", "outsider"])
def test_cross_organisation_moderation_is_404_and_changes_nothing(cast, client_for, consenting, person, scorecard):
    client = client_for(getattr(cast, person))
    before = _state()
    status = _moderate(client, consenting).status_code
    scorecard.add(scorecard.CROSS_ORG_2XX, found=int(200 <= status < 400), checked=1)
    assert status == 404
    assert _state() == before


@pytest.mark.parametrize("person", ["region_reader", "a_viewer", "a_contributor"])
def test_moderation_without_permission_is_403_and_changes_nothing(cast, client_for, consenting, person):
    client = client_for(getattr(cast, person))
    before = _state()
    assert _moderate(client, consenting).status_code == 403
    assert _state() == before


def test_a_region_reader_reads_the_analysis_but_sees_no_original_text(cast, client_for, consenting):
    html = (
        client_for(cast.region_reader)
        .get(reverse("consultations:moderation", args=[consenting.consultation_id]))
        .content.decode()
    )
    assert consenting.reference in html and "The bus does not go there" in html  # nothing to mask in it
    assert "Save the decision" not in html


def test_an_export_of_another_organisations_responses_is_404_and_logs_no_export(cast, client_for, records):
    for fmt in ("csv", "xlsx"):
        url = reverse("consultations:response_export", args=[records.consultation.pk, fmt])
        assert client_for(cast.b_administrator).get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="responses.export").exists()
