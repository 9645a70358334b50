"""The classification pipeline: captured text becomes comments (through the consultations signal, an
activity's notes, or the catch-up), classified with the active model; a re-run never overwrites what
a person decided; safeguarding flags email the named reviewers without the comment's words."""

import pytest
from django.core import mail

from involve.audit.models import AuditEvent
from involve.consultations import signals, submission
from involve.core.models import TaskRun
from involve.insight import pipeline, services
from involve.insight.models import Comment, Framework, Label, ModelVersion, SafeguardingFlag, Theme

from ..consultations.factories import make_consultation, make_import_run, make_question, make_response
from ..engagement.factories import make_activity, make_programme
from .factories import make_comment, make_label, make_reviewer, theme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("insight_model")]


@pytest.fixture
def survey(cast):
    programme = make_programme(cast.org_a)
    activity = make_activity(cast.org_a, programme=programme)
    consultation = make_consultation(cast.org_a, activity=activity)
    return {
        "consultation": consultation,
        "free": make_question(consultation, "free_text", text="What could we do better?"),
        "short": make_question(consultation, "short_text"),
        "postcode": make_question(consultation, "postcode"),
        "programme": programme,
    }


def test_the_framework_loads_once(db):
    first = services.load_framework()
    assert first.themes.count() == 33 and first.categories.count() == 10
    events = AuditEvent.objects.count()
    assert services.load_framework() == first
    assert Framework.objects.count() == 1 and AuditEvent.objects.count() == events


def test_a_submitted_response_becomes_a_classified_comment(survey, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = submission.submit(
            survey["consultation"],
            {"q1": "The car park is always full, call me on 07700 900123", "q2": "   ", "q3": "LS1 4AP"},
            service="Ward 4",
        )
    comment = Comment.objects.get()
    assert comment.answer.question == survey["free"]
    assert comment.source == Comment.Source.ANSWER
    assert comment.received_at == response.submitted_at
    assert comment.consultation == survey["consultation"] and comment.programme == survey["programme"]
    assert comment.service == "Ward 4" and comment.question == "What could we do better?"
    assert "07700" not in comment.masked_text and "[phone number]" in comment.masked_text
    assert comment.classified_at is not None and comment.model_version.is_active
    assert comment.sentiment3 in ("positive", "neutral", "negative") and comment.sentiment5 in range(1, 6)
    assert 0 <= comment.certainty <= 1
    labels = list(comment.labels.all())
    assert labels and all(lb.source == Label.Source.MODEL and lb.probability is not None for lb in labels)
    assert all(lb.model_version == comment.model_version for lb in labels)
    # The shipped model was registered once, lazily, with no organisation.
    assert ModelVersion.objects.filter(organisation=None, is_active=True).count() == 1


def test_capture_is_idempotent_and_skips_empty_text(survey):
    make_response(survey["consultation"], {survey["free"]: "Too few buses"})
    make_response(survey["consultation"], {survey["free"]: "  \n "})
    assert len(pipeline.capture_answers(consultation=survey["consultation"])) == 1
    assert pipeline.capture_answers(consultation=survey["consultation"]) == []
    assert Comment.objects.count() == 1


def test_an_import_starts_a_visible_run(survey, django_capture_on_commit_callbacks):
    run = make_import_run(survey["consultation"])
    for text in ("Lovely staff", "Nobody answered the phone for days"):
        make_response(survey["consultation"], {survey["free"]: text}, import_run=run)
    with django_capture_on_commit_callbacks(execute=True):
        signals.send_on_commit(survey["consultation"], import_run=run)
    task = TaskRun.objects.get(kind="insight.classify")
    assert task.status == TaskRun.Status.DONE and task.done == task.total == 2, task.message
    assert set(Comment.objects.values_list("source", flat=True)) == {Comment.Source.IMPORT}
    assert not Comment.objects.filter(classified_at__isnull=True).exists()


def test_activity_notes_become_a_comment(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        activity = make_activity(cast.org_a, outputs="People said the waiting room was dirty")
    comment = Comment.objects.get(activity=activity)
    assert comment.source == Comment.Source.ACTIVITY and comment.classified_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        activity.save()
    assert Comment.objects.count() == 1


def test_classify_pending_catches_up_what_a_lost_signal_missed(survey):
    make_response(survey["consultation"], {survey["free"]: "Parking is impossible"})
    counts = services.classify_pending(survey["consultation"].organisation)
    assert counts["comments"] == 1
    assert Comment.objects.get().classified_at is not None
    assert services.classify_pending(survey["consultation"].organisation)["comments"] == 0


def test_a_rerun_keeps_every_decision_a_person_made(cast, django_capture_on_commit_callbacks):
    org = cast.org_a
    version = services.ensure_ready(org)
    comment = make_comment(org, text="The car park is full and the staff were rude", model_version=version)
    undecided = make_label(comment, "Feeling safe", model_version=version, probability=0.51)
    accepted = make_label(comment, "Parking", decision=Label.Decision.ACCEPTED, decided_by=cast.a_contributor)
    rejected = make_label(comment, "Discharge", decision=Label.Decision.REJECTED, decided_by=cast.a_contributor)
    added = make_label(comment, "Pain management", source=Label.Source.PERSON, decision=Label.Decision.ACCEPTED)
    Comment.objects.filter(pk=comment.pk).update(
        sentiment3="positive", sentiment5=2, sentiment_coded_by=cast.a_contributor
    )
    kept = {lb.pk: (lb.theme_id, lb.decision, lb.source) for lb in (accepted, rejected, added)}
    with django_capture_on_commit_callbacks(execute=True):
        run = services.rerun(organisation=org, by=cast.a_engagement_lead)
    run.refresh_from_db()
    assert run.status == TaskRun.Status.DONE, run.message
    after = {lb.pk: (lb.theme_id, lb.decision, lb.source) for lb in Label.objects.filter(pk__in=kept)}
    assert after == kept
    assert not Label.objects.filter(pk=undecided.pk).exists() or Label.objects.get(pk=undecided.pk).decision == ""
    comment.refresh_from_db()
    assert (comment.sentiment3, comment.sentiment5) == ("positive", 2)
    assert comment.classified_at is not None
    # Themes the person rejected are not suggested again.
    assert Label.objects.filter(comment=comment, theme=theme("Discharge")).count() == 1
    assert AuditEvent.objects.filter(action="model.rerun").count() == 1


def test_a_flag_emails_the_reviewers_without_the_words(cast, django_capture_on_commit_callbacks):
    org = cast.org_a
    make_reviewer(org, cast.a_viewer)
    make_reviewer(cast.org_b, cast.b_viewer)
    text = "Since the operation I want to end it all, my carer Sarah Jones hit me"
    comment = make_comment(org, text=text)
    with django_capture_on_commit_callbacks(execute=True):
        services.classify_pending(org)
    flag = SafeguardingFlag.objects.get(comment=comment)
    assert flag.state == SafeguardingFlag.State.OPEN and len(flag.reasons.splitlines()) >= 2
    assert [m.to for m in mail.outbox] == [[cast.a_viewer.email]]
    message = mail.outbox[0]
    for words in ("end it all", "Sarah", "hit me", "operation"):
        assert words not in message.body and words not in message.subject
    assert f"/insight/safeguarding/flags/{flag.pk}/" in message.body
    flag.refresh_from_db()
    assert flag.notified == 1
    event = AuditEvent.objects.get(action="safeguarding.flag")
    assert event.organisation_id == org.pk and text not in str(event.new)


def test_an_ordinary_comment_is_not_flagged(cast):
    make_comment(cast.org_a, text="The parking was fine and the staff were lovely")
    services.classify_pending(cast.org_a)
    assert not SafeguardingFlag.objects.exists()


def test_labels_follow_the_framework(cast):
    services.classify_pending(cast.org_a)
    make_comment(cast.org_a, text="Really long wait to see the doctor")
    services.classify_pending(cast.org_a)
    framework = services.default_framework()
    assert not Label.objects.exclude(theme__framework=framework).exists()
    assert Theme.objects.filter(framework=framework).count() == 33
