from django.core.exceptions import PermissionDenied
from django.db import models


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("Audit events cannot be changed")

    def delete(self):
        raise PermissionDenied("Audit events cannot be deleted")


class AuditEvent(models.Model):
    """Who did what to which record, and when. Append-only.

    No foreign keys, so that erasing a person or deleting a record never breaks the trail.
    On PostgreSQL a trigger also refuses UPDATE and DELETE (migration 0002). Values that are
    special category data or personal free text are never stored here: services.record() writes
    that they changed, not what they hold (services.not_stored). `labels` keeps the names of the records that old/new
    refer to by id (services.snapshot), as they were when the event was written.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=254, blank=True)  # the email address
    actor_name = models.CharField(max_length=254, blank=True)  # the person's name when they acted
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=255, blank=True)
    old = models.JSONField(default=dict, blank=True)
    new = models.JSONField(default=dict, blank=True)
    # Names of the related records old/new point at, when the event was written: {field: {id: name}}.
    labels = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation_id", "-created_at"], name="audit_org_time")]

    class PersonalData:
        # old/new/labels hold values and names of the records changed, people's among them.
        personal = ["actor_id", "actor_label", "actor_name", "target_label", "old", "new", "labels"]
        none = ["id", "created_at", "organisation_id", "action", "target_type", "target_id"]
        user_ids = ["actor_id"]
        retained_on_erasure = (
            "The audit log is append-only: it is the evidence of who did what, kept under the exception for "
            "legal obligations and claims (UK GDPR art. 17(3)(b) and (e)); the erasure itself is recorded in it."
        )

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_type} {self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Audit events cannot be deleted")
