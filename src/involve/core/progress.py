"""Progress reporting for background tasks (see TaskRun)."""

import logging
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from .models import TaskRun

log = logging.getLogger(__name__)


def task_run_start(*, organisation, by, kind, label, task, **task_kwargs) -> TaskRun:
    """Create the TaskRun row and enqueue the task once the row is committed."""
    run = TaskRun.objects.create(organisation=organisation, requested_by=by, kind=kind, label=label)
    transaction.on_commit(lambda: task.enqueue(run_id=str(run.pk), **task_kwargs))
    return run


class Progress:
    """Used inside a task: `with Progress(run_id) as p: p.total(n); p.step(); p.finish_with_file(...)`."""

    def __init__(self, run_id):
        self.run = TaskRun.objects.get(pk=run_id)

    def __enter__(self):
        self._save(status=TaskRun.Status.RUNNING)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is not None:
            log.exception("Task %s failed", self.run.pk, exc_info=(exc_type, exc, tb))
            # People see a plain message; the detail is in the worker's log.
            self._save(
                status=TaskRun.Status.FAILED,
                message="Something went wrong. Try again, or contact support.",
                finished_at=timezone.now(),
            )
            return False
        if self.run.status not in (TaskRun.Status.DONE, TaskRun.Status.FAILED):
            self._save(status=TaskRun.Status.DONE, finished_at=timezone.now())
        return False

    def _save(self, **fields):
        for k, v in fields.items():
            setattr(self.run, k, v)
        TaskRun.objects.filter(pk=self.run.pk).update(**fields)

    def set_total(self, total):
        self._save(total=total)

    def advance(self, done, message=""):
        self._save(done=done, message=message)

    def fail(self, message: str):
        """End the task as failed with a message for people (a limit it hit, and what to do instead)."""
        self._save(status=TaskRun.Status.FAILED, message=message[:500], finished_at=timezone.now())

    def finish_with_file(self, content: bytes, download_name: str):
        # Random storage name: the download name the person sees is never used as a path.
        stored = default_storage.save(f"task-results/{secrets.token_hex(16)}", ContentFile(content))
        self._save(
            result_file=stored,
            result_name=download_name,
            status=TaskRun.Status.DONE,
            finished_at=timezone.now(),
            done=self.run.total or self.run.done,
        )
