"""Downloads and refused record requests are in the audit log, for the organisation's administrators."""

import pytest
from django.urls import reverse

from involve.audit.models import AuditEvent
from involve.audit.services import NOT_STORED
from involve.engagement import evidence as evidence_services

from ..engagement.factories import days, make_decision
from ..engagement.test_evidence import checked_pdf

pytestmark = pytest.mark.django_db


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_a_list_export_is_recorded_with_its_filters_but_not_the_search_typed(cast, client_for):
    make_decision(cast.org_a, title="Close the birth centre")
    client = client_for(cast.a_viewer)
    response = client.get(reverse("engagement:decision_export", args=["csv"]), {"q": "Mrs Jones", "status": "draft"})
    assert response.status_code == 200
    [event] = _events("file.downloaded")
    assert event.actor_id == cast.a_viewer.pk
    assert event.organisation_id == cast.org_a.pk
    assert event.target_label.endswith(".csv")
    assert event.new["query"] == {"search": NOT_STORED, "status": "draft"}
    assert "Mrs Jones" not in str(event.new)


def test_every_list_export_format_is_recorded(cast, client_for):
    client = client_for(cast.a_viewer)
    for name in ("engagement:decision_export", "engagement:activity_export", "engagement:programme_export"):
        for fmt in ("csv", "xlsx"):
            assert client.get(reverse(name, args=[fmt])).status_code == 200
    assert len(_events("file.downloaded")) == 6


def test_an_evidence_download_is_recorded_once_by_name(cast, client_for):
    decision = make_decision(cast.org_a)
    item = evidence_services.evidence_upload(
        by=cast.a_engagement_lead, owner=decision, file=checked_pdf(), title="Workshop report", dated=days(-3)
    )
    response = client_for(cast.a_viewer).get(reverse("engagement:evidence_download", args=[item.pk]))
    assert response.status_code == 200
    assert [e.target_label for e in _events("evidence.download")] == ["Workshop report (Close the birth centre)"]
    assert _events("file.downloaded") == []


def test_a_record_of_another_organisation_is_refused_and_recorded_for_the_askers_organisation(cast, client_for):
    decision = make_decision(cast.org_a, title="Alpha only")
    url = reverse("engagement:decision_detail", args=[decision.pk])
    assert client_for(cast.b_viewer).get(url).status_code == 404
    [event] = _events("request.refused")
    assert (event.actor_id, event.organisation_id) == (cast.b_viewer.pk, cast.org_b.pk)
    assert event.target_label == url
    assert event.new["status"] == 404
    # Beta's administrator sees it in their log; Alpha's does not (Alpha's record is not named).
    assert url in client_for(cast.b_administrator).get(reverse("audit:list")).content.decode()
    assert url not in client_for(cast.a_administrator).get(reverse("audit:list")).content.decode()


def test_a_forbidden_page_is_recorded(cast, client_for):
    response = client_for(cast.a_viewer).get(reverse("engagement:decision_add"))
    assert response.status_code == 403
    [event] = _events("request.refused")
    assert event.new["status"] == 403


def test_pages_that_do_not_exist_and_anonymous_requests_are_not_recorded(cast, client, client_for):
    assert client_for(cast.a_viewer).get("/no-such-page/").status_code == 404
    decision = make_decision(cast.org_a)
    assert client.get(reverse("engagement:decision_detail", args=[decision.pk])).status_code == 302
    assert client.get(reverse("engagement:decision_export", args=["csv"])).status_code == 302
    assert AuditEvent.objects.filter(action__in=["request.refused", "file.downloaded"]).count() == 0


def test_refused_and_downloaded_events_read_in_plain_words(cast, client_for):
    decision = make_decision(cast.org_a)
    client_for(cast.b_viewer).get(reverse("engagement:decision_detail", args=[decision.pk]))
    client_for(cast.b_viewer).get(reverse("engagement:decision_export", args=["csv"]))
    page = client_for(cast.b_administrator).get(reverse("audit:list")).content.decode()
    assert "was refused" in page
    assert "downloaded" in page


def test_a_refused_address_with_markup_is_shown_escaped(cast, client_for):
    # The export URL takes any format name, so what someone types there reaches the log as the page asked for.
    url = reverse("engagement:decision_export", args=["csv"]).replace("csv", "<script>alert(1)<script>")
    assert client_for(cast.a_viewer).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="request.refused").count() == 1
    page = client_for(cast.a_administrator).get(reverse("audit:list")).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;script&gt;" in page
