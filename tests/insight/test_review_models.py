"""Model versions: retraining with the organisation's corrections (a background run, the artefact with its
SHA-256 under DATA_DIR, metrics before and after side by side), activating it as a separate confirmed
step, and classifying with it."""

import hashlib

import pytest
from django.urls import reverse

from involve.audit.models import AuditEvent
from involve.core.models import TaskRun
from involve.insight import pipeline, services
from involve.insight.models import Comment, ModelVersion

from .factories import make_comment, make_label

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("insight_model")]

PARKING = [
    "No spaces in the car park",
    "Parking is a nightmare",
    "Could not park anywhere",
    "The car park was full",
    "Parking charges are too high",
    "Drove round for ages to park",
    "Nowhere to park near the door",
    "Disabled bays were all taken",
]
STAFF = [
    "The nurse was lovely",
    "Doctor explained everything kindly",
    "Reception staff were rude",
    "Staff were caring and patient",
    "The porter was very helpful",
    "The consultant ignored me",
    "Nurses were kind to my dad",
    "Staff made me feel welcome",
]


@pytest.fixture
def corrections(cast):
    org = cast.org_a
    for texts, name in ((PARKING, "Parking"), (STAFF, "Staff manner & personal attributes")):
        for text in texts:
            comment = make_comment(org, text=text, review=Comment.Review.REVIEWED, reviewed_by=cast.a_contributor)
            make_label(comment, name, decision="accepted", decided_by=cast.a_contributor)
    # Not reviewed: not used.
    make_label(make_comment(org, text="Unreviewed"), "Parking")
    return org


def test_retrain_stores_an_inactive_version_with_before_and_after(
    cast, client_for, corrections, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    services.ensure_ready(corrections)
    client = client_for(cast.a_engagement_lead)
    assert client.get(reverse("insight:model_retrain")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("insight:model_retrain"))
    run = TaskRun.objects.get(kind="insight.retrain")
    assert response.status_code == 302 and response["Location"] == reverse("task_run", args=[run.pk])
    run.refresh_from_db()
    assert run.status == TaskRun.Status.DONE, run.message
    new = ModelVersion.objects.get(organisation=corrections)
    assert not new.is_active and new.corrections_used == 16 and new.trained_by == cast.a_engagement_lead
    path = tmp_path / "insight" / "models" / new.artefact
    assert path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == new.artefact_sha256
    assert new.metrics and new.metrics_before  # held-out part of the corrections, both models
    html = client.get(reverse("insight:model", args=[new.pk])).content.decode()
    assert "Before" in html and "After" in html and "micro f1" in html
    # Still classifying with the shipped model until someone activates the new one.
    assert pipeline.active_model_version(corrections).organisation_id is None
    assert client.get(reverse("insight:model_activate", args=[new.pk])).status_code == 200
    client.post(reverse("insight:model_activate", args=[new.pk]))
    assert pipeline.active_model_version(corrections) == new
    assert AuditEvent.objects.filter(action="model.activate").count() == 1
    # Other organisations keep the shipped model.
    assert pipeline.active_model_version(cast.org_b).organisation_id is None
    comment = make_comment(corrections, text="The car park had no spaces at all")
    services.classify_pending(corrections)
    comment.refresh_from_db()
    assert comment.model_version == new


def test_retraining_with_no_corrections_is_refused(cast, client_for):
    services.ensure_ready(cast.org_a)
    response = client_for(cast.a_engagement_lead).post(reverse("insight:model_retrain"))
    assert response.status_code == 400 and "no reviewed comments" in response.content.decode()
    assert not TaskRun.objects.exists()


def test_the_runs_page_lists_the_organisations_runs(cast, client_for, django_capture_on_commit_callbacks):
    make_comment(cast.org_a, text="Parking again")
    client = client_for(cast.a_contributor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("insight:classify_missed"))
    assert response.status_code == 302
    html = client.get(reverse("insight:runs")).content.decode()
    assert "Classify comments not yet classified" in html and "Finished" in html
    assert (
        "Classify comments not yet classified"
        not in client_for(cast.b_contributor).get(reverse("insight:runs")).content.decode()
    )
