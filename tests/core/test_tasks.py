import pytest
from django.core.management import call_command
from django.urls import reverse

from involve.core.models import TaskRun
from involve.core.progress import Progress

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_a_queued_export(cast, client_for, settings):
    # The real backend and worker, as `involve worker` runs them: nothing runs until the worker does.
    # Committed transactions, because the worker closes its connection as a real worker would.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    client = client_for(cast.a_administrator)
    client.post(reverse("audit:export"))
    run = TaskRun.objects.get()
    assert run.status == TaskRun.Status.QUEUED
    page = client.get(reverse("task_run", args=[run.pk])).content.decode()
    assert "Waiting to start" in page and 'hx-trigger="every 2s"' in page
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    run.refresh_from_db()
    assert run.status == TaskRun.Status.DONE
    partial = client.get(reverse("task_run", args=[run.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "Download" in partial and "hx-trigger" not in partial


def test_a_failing_task_says_so_without_the_details(cast):
    run = TaskRun.objects.create(organisation=cast.org_a, requested_by=cast.a_administrator, kind="t", label="t")
    with pytest.raises(ZeroDivisionError), Progress(run.pk) as progress:
        progress.set_total(10)
        progress.advance(3)
        1 / 0  # noqa: B018
    run.refresh_from_db()
    assert run.status == TaskRun.Status.FAILED and run.done == 3 and run.percent == 30
    assert "ZeroDivision" not in run.message and run.finished_at is not None
