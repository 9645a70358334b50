"""Chain the events written before the hash chain, in id order, and set the chain head.

The hashing is a frozen copy of models.event_hash as it was when this migration was written, so that
a later change there cannot change what this migration does. On PostgreSQL the append-only trigger is
lifted for this transaction only: migrations run as the tables' owner, which may do that.
"""

import datetime
import hashlib
import json
from decimal import Decimal

from django.db import migrations

GENESIS = "0" * 64
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
BATCH = 1000


def _canonical(value):
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_canonical(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return "0" if value == 0 else str(value.normalize())
    return json.dumps(value, ensure_ascii=False)


def event_hash(event):
    payload = {"v": 1, "seq": event.seq, "prev_hash": event.prev_hash}
    for name in HASHED_FIELDS:
        value = getattr(event, name)
        if name == "created_at":
            value = value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
        elif name in JSON_FIELDS:
            value = json.loads(json.dumps(value), parse_float=Decimal, parse_int=Decimal)
        payload[name] = value
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()


def chain(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    db = schema_editor.connection.alias
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
    seq, prev, batch = 0, GENESIS, []
    for event in AuditEvent.objects.using(db).order_by("id").iterator(chunk_size=BATCH):
        seq += 1
        event.seq, event.prev_hash = seq, prev
        event.hash = prev = event_hash(event)
        batch.append(event)
        if len(batch) == BATCH:
            AuditEvent.objects.using(db).bulk_update(batch, ["seq", "prev_hash", "hash"])
            batch = []
    if batch:
        AuditEvent.objects.using(db).bulk_update(batch, ["seq", "prev_hash", "hash"])
    if postgresql:
        schema_editor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
    AuditChainHead.objects.using(db).update_or_create(pk=1, defaults={"seq": seq, "hash": prev})


def unchain(apps, schema_editor):
    apps.get_model("audit", "AuditChainHead").objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_chain_fields")]
    operations = [migrations.RunPython(chain, unchain)]
