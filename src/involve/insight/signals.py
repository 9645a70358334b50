"""Starts background classification when text is captured, so capture never waits for analysis.

- consultations.signals.responses_stored: an online submit or paper entry enqueues capture_responses;
  an import commit starts a classification run with progress (a TaskRun on the Analysis runs page).
- post_save of an engagement Activity whose outputs (its notes) are not empty enqueues capture_activity.

A lost signal loses nothing: services.classify_pending (the "Classify anything missed" button and the
`classify_pending` path of the tasks) finds text with no comment and comments with no classification.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from involve.consultations.signals import responses_stored
from involve.engagement.models import Activity

log = logging.getLogger(__name__)


@receiver(responses_stored, dispatch_uid="insight.responses_stored")
def on_responses_stored(sender, consultation, response_ids=None, import_run=None, **kwargs):
    from . import tasks

    if import_run is not None:
        from involve.core.progress import task_run_start

        with transaction.atomic():
            task_run_start(
                organisation=consultation.organisation,
                by=getattr(import_run, "created_by", None),
                kind="insight.classify",
                label=f"Classify the comments imported into {consultation.title}"[:200],
                task=tasks.capture_and_classify,
                organisation_id=consultation.organisation_id,
                consultation_id=consultation.pk,
                import_run_id=import_run.pk,
            )
    elif response_ids:
        tasks.capture_responses.enqueue(response_ids=list(response_ids))


@receiver(post_save, sender=Activity, dispatch_uid="insight.activity_outputs")
def on_activity_saved(sender, instance, raw=False, **kwargs):
    if raw or not (instance.outputs or "").strip():
        return
    from . import tasks

    pk = instance.pk
    transaction.on_commit(lambda: tasks.capture_activity.enqueue(activity_id=pk), robust=True)
