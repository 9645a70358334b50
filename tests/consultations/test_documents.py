"""Background documents on the public page: only the evidence the team ticked, downloadable by anyone
while the consultation is public, never shown inline, and only the organisation's own evidence."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from involve.consultations import services
from involve.consultations.models import Consultation
from involve.engagement.models import Evidence

from ..engagement.factories import PDF, make_activity, make_file_evidence
from .factories import make_consultation

pytestmark = pytest.mark.django_db


def _file(activity, title):
    return make_file_evidence(activity, title=title, original_name="proposal.pdf")


@pytest.fixture
def published(cast):
    activity = make_activity(cast.org_a, title="Listening")
    consultation = make_consultation(cast.org_a, activity=activity)
    chosen, internal = _file(activity, "The proposal, for the public"), _file(activity, "Notes of the meeting")
    consultation.documents.set([chosen])
    return consultation, chosen, internal


def _page(c):
    return reverse("have_your_say:consultation", args=[c.organisation_id, c.slug])


def _doc(c, evidence):
    return reverse("have_your_say:document", args=[c.organisation_id, c.slug, evidence.pk])


def test_the_public_page_lists_only_the_chosen_documents(client, published):
    consultation, chosen, internal = published
    html = client.get(_page(consultation)).content.decode()
    assert "The proposal, for the public" in html and _doc(consultation, chosen) in html
    assert "Notes of the meeting" not in html


def test_anyone_downloads_a_chosen_document_and_nothing_else(client, published):
    consultation, chosen, internal = published
    response = client.get(_doc(consultation, chosen))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    assert client.get(_doc(consultation, internal)).status_code == 404


def test_a_draft_consultations_documents_are_not_public(client, published):
    consultation, chosen, _ = published
    Consultation.objects.filter(pk=consultation.pk).update(state=Consultation.State.DRAFT)
    assert client.get(_doc(consultation, chosen)).status_code == 404


def test_another_organisations_evidence_cannot_be_published(cast, published):
    consultation, _, _ = published
    theirs = _file(make_activity(cast.org_b, title="Theirs"), "Their internal notes")
    with pytest.raises(ValidationError) as refused:
        services.consultation_update(by=cast.a_administrator, consultation=consultation, documents=[theirs])
    assert "documents" in refused.value.message_dict
    assert list(consultation.documents.all()) != [theirs]


def test_the_form_offers_only_the_organisations_own_evidence(cast, client_for, published):
    consultation, chosen, internal = published
    theirs = _file(make_activity(cast.org_b, title="Theirs"), "Their internal notes")
    html = client_for(cast.a_engagement_lead).get(reverse("consultations:consultation_edit", args=[consultation.pk]))
    html = html.content.decode()
    assert "The proposal, for the public" in html and "Notes of the meeting" in html
    assert "Their internal notes" not in html and f'value="{theirs.pk}"' not in html


def test_a_document_title_is_shown_as_text(client, published):
    consultation, chosen, _ = published
    Evidence.objects.filter(pk=chosen.pk).update(title="<script>alert(1)</script>")
    html = client.get(_page(consultation)).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
