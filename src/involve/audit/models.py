import datetime
import hashlib
import json
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import models, router, transaction
from django.utils import timezone

# The previous hash of the first event in the chain.
GENESIS = "0" * 64

# What an event's hash covers, besides its sequence number and the previous hash: every stored field but
# the id (given by the database after the hash is made; integrity.verify checks ids rise with the chain)
# and the hash itself. Changing this list breaks the verification of every event already written.
HASHED_FIELDS = (
    "created_at",
    "actor_id",
    "actor_label",
    "actor_name",
    "organisation_id",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "old",
    "new",
    "labels",
)
JSON_FIELDS = ("old", "new", "labels")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("Audit events cannot be changed")

    def delete(self):
        raise PermissionDenied("Audit events cannot be deleted")

    # The ORM's side doors. _raw_delete deletes without delete(); bulk_create(update_conflicts=True)
    # rewrites existing rows, and a plain bulk_create would skip the chain that save() keeps.
    def _raw_delete(self, using):
        raise PermissionDenied("Audit events cannot be deleted")

    def bulk_create(self, objs, *args, **kwargs):
        raise PermissionDenied("Audit events are written one at a time, each joined to the chain")

    def bulk_update(self, objs, fields, batch_size=None):
        raise PermissionDenied("Audit events cannot be changed")


class AuditEvent(models.Model):
    """Who did what to which record, and when. Append-only.

    No foreign keys, so that erasing a person or deleting a record never breaks the trail. The model
    refuses changes and deletions; so does the database (triggers: migration 0002 on PostgreSQL, 0006
    on SQLite), and on PostgreSQL the application's role may only insert and read (management/__init__.py).
    Every event is chained to the one before: `seq` counts from 1, `prev_hash` is the previous event's
    `hash`, and `hash` covers the event's stored fields, so `involve audit verify` finds any change,
    deletion or insertion out of order (integrity.py). AuditChainHead holds the newest seq and hash,
    so losing the newest events shows too.

    Values that are special category data or personal free text are never stored here: services.record()
    writes that they changed, not what they hold (services.not_stored). `labels` keeps the names of the
    records that old/new refer to by id (services.snapshot), as they were when the event was written.
    """

    # Set by save() once it holds the chain head, so that times rise with the chain.
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
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
    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation_id", "-created_at"], name="audit_org_time")]
        # Django's own internals reach rows through the base manager: make it the guarded one.
        base_manager_name = "objects"

    class PersonalData:
        # old/new/labels hold values and names of the records changed, people's among them.
        personal = ["actor_id", "actor_label", "actor_name", "target_label", "old", "new", "labels"]
        none = ["id", "created_at", "organisation_id", "action", "target_type", "target_id", "seq", "prev_hash", "hash"]
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
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        # No savepoint: if any step fails, the caller's whole transaction is rolled back, event and all.
        with transaction.atomic(using=using, savepoint=False):
            # The head row is locked until the transaction ends, so concurrent writers take turns and
            # the chain cannot fork (SQLite takes its write lock at BEGIN IMMEDIATE instead).
            head, _ = AuditChainHead.objects.using(using).select_for_update().get_or_create(pk=AuditChainHead.ONLY)
            self.seq = head.seq + 1
            self.prev_hash = head.hash
            self.created_at = timezone.now()
            self.hash = event_hash(self)
            super().save(*args, **kwargs)
            AuditChainHead.objects.using(using).filter(pk=head.pk).update(seq=self.seq, hash=self.hash)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Audit events cannot be deleted")


class AuditChainHead(models.Model):
    """The newest event's seq and hash: one row, moved on in the same transaction as each event."""

    ONLY = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=ONLY)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_one_row")]

    class PersonalData:
        none = ["id", "seq", "hash"]

    def __str__(self):
        return f"audit chain head {self.seq}"


def event_hash(event) -> str:
    """sha256 over the event's stored fields, its seq and the previous hash, written canonically: the
    same text whether the event is in memory before it is saved or read back from either database."""
    payload = {"v": 1, "seq": event.seq, "prev_hash": event.prev_hash}
    for name in HASHED_FIELDS:
        value = getattr(event, name)
        if name == "created_at":
            # Both databases store microseconds; UTC so that the time zone a reader uses does not matter.
            value = value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
        elif name in JSON_FIELDS:
            # As stored: json.dumps as JSONField writes it, numbers read exactly, since PostgreSQL's jsonb
            # may print them differently (1e+20 as 100000000000000000000).
            value = json.loads(json.dumps(value), parse_float=Decimal, parse_int=Decimal)
        payload[name] = value
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()


def _canonical(value) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_canonical(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return "0" if value == 0 else str(value.normalize())
    return json.dumps(value, ensure_ascii=False)
