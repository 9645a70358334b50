import uuid

from django.conf import settings
from django.db import models


class TaskRun(models.Model):
    """A piece of background work someone asked for, with progress a page can show.

    The task itself runs through Django's task API (django-tasks, database backend) in
    `involve worker`; it updates this row as it goes so the page can report done/total.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "In progress"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=64)
    label = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    result_file = models.CharField(max_length=255, blank=True)
    result_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    class PersonalData:
        personal = ["requested_by"]
        none = [
            "id",
            "organisation",
            "kind",
            "label",
            "status",
            "done",
            "total",
            "message",
            "result_file",
            "result_name",
            "created_at",
            "finished_at",
        ]
        # Written by Involve itself: what the task is, its progress, the file name it gives the result.
        about_the_work = ["result_name"]

    def __str__(self):
        return self.label

    @property
    def percent(self):
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.done / self.total))

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)


class RateCounter(models.Model):
    """How many times something happened in one time window, for rate limits every worker shares
    (core/ratelimit.py). One row per key and window, counted by a single upsert."""

    key = models.CharField(max_length=40)  # a keyed hash of what is counted ("ip:10.1.2.3"), never the address
    window = models.BigIntegerField()  # the window's number: seconds since the epoch // its length
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="one_counter_per_key_window")]
        indexes = [models.Index(fields=["window"], name="ratecounter_window")]

    class PersonalData:
        # The key is a keyed hash (core/ratelimit.py): the address cannot be read back from it, and rows last
        # two minutes.
        none = ["id", "key", "window", "count"]

    def __str__(self):
        return f"{self.key} @ {self.window}: {self.count}"
