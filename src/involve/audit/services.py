"""Writing audit events. Services call record() inside their own transaction.atomic()."""

import datetime
import decimal
import uuid

from django.db import models

from .models import AuditEvent


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "url"):  # a FieldFile
        return value.name or ""
    return value


def snapshot(instance, fields, m2m=()) -> dict:
    """The current values of some fields (and the ids of many-to-many fields), as JSON-safe data for old/new."""
    data = {name: _plain(getattr(instance, name)) for name in fields}
    for name in m2m:
        data[name] = sorted(getattr(instance, name).values_list("pk", flat=True))
    return data


def changed(old: dict, new: dict) -> tuple[dict, dict]:
    """Only the fields whose values differ, so the trail shows what actually changed."""
    keys = [k for k in new if old.get(k) != new.get(k)]
    return {k: old.get(k) for k in keys}, {k: new[k] for k in keys}


def record(*, action, by=None, organisation=None, target=None, old=None, new=None, target_label=None):
    """Append an audit event. `by` is the acting user (None for the system or an anonymous person)."""
    organisation_id = getattr(organisation, "pk", organisation)
    if organisation_id is None and target is not None:
        organisation_id = getattr(target, "organisation_id", None)
    return AuditEvent.objects.create(
        action=action,
        actor_id=getattr(by, "pk", None),
        actor_label=(getattr(by, "email", "") or "")[:254],
        organisation_id=organisation_id,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(target_label if target_label is not None else str(target) if target is not None else "")[:255],
        old={k: _plain(v) for k, v in (old or {}).items()},
        new={k: _plain(v) for k, v in (new or {}).items()},
    )
