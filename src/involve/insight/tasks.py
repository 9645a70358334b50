"""Background work of the insight area (django-tasks), each with progress on a TaskRun (core.progress):
classifying comments after text is captured, re-running a model, and retraining with corrections."""

from django.contrib.auth import get_user_model
from django_tasks import task

from involve.core.progress import Progress


@task()
def capture_and_classify(*, run_id, organisation_id, consultation_id=None, response_ids=None, import_run_id=None):
    """Comments for newly stored responses (or an import), then their classification."""
    from involve.consultations.models import Consultation, ImportRun

    from . import pipeline, services

    with Progress(run_id) as progress:
        progress.set_total(1)
        consultation = Consultation.objects.filter(pk=consultation_id).first() if consultation_id else None
        import_run = ImportRun.objects.filter(pk=import_run_id).first() if import_run_id else None
        ids = pipeline.capture_answers(consultation=consultation, response_ids=response_ids, import_run=import_run)
        _classify(progress, services, pipeline, organisation_id, ids)


@task()
def capture_responses(*, response_ids):
    """Comments for a few newly stored responses (an online submit, a paper entry), classified at once.
    Short, so no TaskRun: a lost one is caught up by classify_pending."""
    from . import pipeline, services
    from .models import Comment

    ids = pipeline.capture_answers(response_ids=response_ids)
    if not ids:
        return
    for organisation_id in set(Comment.objects.filter(pk__in=ids).values_list("organisation_id", flat=True)):
        from involve.organisations.models import Organisation

        version = services.ensure_ready(Organisation.objects.get(pk=organisation_id))
        if version is not None:
            mine = list(
                Comment.objects.filter(pk__in=ids, organisation_id=organisation_id).values_list("pk", flat=True)
            )
            pipeline.classify_comments(mine, version=version)


@task()
def classify(*, run_id, organisation_id, comment_ids=None, everything=False):
    """Classify the given comments, every unclassified one (catch-up), or every one (a re-run)."""
    from . import pipeline, services
    from .models import Comment

    with Progress(run_id) as progress:
        progress.set_total(1)
        if comment_ids is None:
            from involve.organisations.models import Organisation

            pipeline.capture_pending(Organisation.objects.get(pk=organisation_id))
            comments = Comment.objects.filter(organisation_id=organisation_id)
            if not everything:
                comments = comments.filter(classified_at__isnull=True)
            comment_ids = list(comments.order_by("pk").values_list("pk", flat=True))
        _classify(progress, services, pipeline, organisation_id, comment_ids)


def _classify(progress, services, pipeline, organisation_id, ids):
    from involve.organisations.models import Organisation

    organisation = Organisation.objects.get(pk=organisation_id)
    version = services.ensure_ready(organisation)
    if version is None:
        progress.fail("No model is available yet, so the comments were kept unclassified")
        return
    if not ids:
        progress.advance(1, "No comments to classify")
        return
    progress.set_total(len(ids))

    def report(done, total):
        progress.advance(done, f"Classified {done:,} of {total:,} comments")

    counts = pipeline.classify_comments(ids, version=version, progress=report)
    flags = f", {counts['flags']:,} flagged for safeguarding review" if counts["flags"] else ""
    progress.advance(len(ids), f"Classified {counts['comments']:,} comments with {version}{flags}")


@task()
def capture_activity(*, activity_id):
    """An activity's notes as a comment, classified at once (short: no TaskRun)."""
    from involve.engagement.models import Activity

    from . import pipeline, services

    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        return
    pk = pipeline.capture_activity(activity)
    if pk is None:
        return
    version = services.ensure_ready(activity.organisation)
    if version is not None:
        from .models import Comment

        if Comment.objects.filter(pk=pk, classified_at__isnull=True).exists():
            pipeline.classify_comments([pk], version=version)


@task()
def retrain(*, run_id, organisation_id, base_id, by_id):
    from involve.organisations.models import Organisation

    from . import services
    from .models import ModelVersion

    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    with Progress(run_id) as progress:
        progress.set_total(1)
        progress.advance(0, "Retraining with the corrections")
        organisation = Organisation.objects.get(pk=organisation_id)
        base = ModelVersion.objects.get(pk=base_id)
        record = services.retrain(organisation=organisation, base=base, by=by)
        progress.advance(1, f"Trained {record}: compare it with the current model, then activate it if it is better")
