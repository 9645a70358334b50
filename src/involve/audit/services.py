"""Writing audit events. Services call record() inside their own transaction.atomic().

old/new hold plain values: ids for foreign keys, sorted lists of ids for many-to-many fields, so that
changed() compares exactly what is stored. The names of those related records, as they were when the
event was written, go beside them in the event's `labels` ({field: {id: name}}), so that the log still
reads well after a related record is renamed or deleted. snapshot() collects them as it reads the
values; record() looks up any it was not given (a hand-built old/new) for the target's relation fields.
"""

import datetime
import decimal
import uuid

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from involve.core import personal_data

from . import registry
from .models import AuditChainHead, AuditEvent

LABEL_MAX = 255


class Snapshot(dict):
    """A dict of plain values that also carries the related records' names: {field: {str(id): name}}."""

    def __init__(self, *args, labels=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = labels or {}


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "name") and hasattr(value, "url"):  # a FieldFile
        return value.name or ""
    return value


def _label(obj) -> str:
    return str(obj)[:LABEL_MAX]


def _relation(model, name):
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if field.is_relation and field.concrete and (field.many_to_one or field.one_to_one or field.many_to_many):
        return field
    return None


def snapshot(instance, fields, m2m=()) -> Snapshot:
    """The current values of some fields (and the ids of many-to-many fields), as JSON-safe data for old/new,
    with the names of the related records they point at."""
    data, labels = {}, {}
    for name in fields:
        value = getattr(instance, name)
        data[name] = _plain(value)
        if isinstance(value, models.Model):
            labels[name] = {str(value.pk): _label(value)}
    for name in m2m:
        related = sorted(getattr(instance, name).all(), key=lambda obj: obj.pk)
        data[name] = [obj.pk for obj in related]
        labels[name] = {str(obj.pk): _label(obj) for obj in related}
    return Snapshot(data, labels=labels)


def changed(old: dict, new: dict) -> tuple[dict, dict]:
    """Only the fields whose values differ, so the trail shows what actually changed.

    Values are compared as stored (ids, not names), so an unchanged save gives ({}, {})."""
    keys = [k for k in new if old.get(k) != new.get(k)]
    labels = _merge_labels(old, new)
    kept = {k: v for k, v in labels.items() if k in keys}
    return (
        Snapshot({k: old.get(k) for k in keys}, labels=kept),
        Snapshot({k: new[k] for k in keys}, labels=dict(kept)),
    )


def _merge_labels(*parts) -> dict:
    """The names a Snapshot carries, and those of any model instances passed as values."""
    labels = {}
    for part in parts:
        for field, names in (getattr(part, "labels", None) or {}).items():
            labels.setdefault(field, {}).update(names)
        for field, value in part.items():
            items = value if isinstance(value, list | tuple | set) else [value]
            for item in items:
                if isinstance(item, models.Model) and item.pk is not None:
                    labels.setdefault(field, {})[str(item.pk)] = _label(item)
    return labels


def _ids(value):
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [v for v in value if v is not None]
    return [value]


def _labels_for(target, old, new, given):
    """The names for every id in old/new that points at a related record, looked up when not given."""
    labels = {field: dict(names) for field, names in given.items() if field in old or field in new}
    if target is None:
        return labels
    model = target._meta.model  # not type(): a request's user is a lazy object
    for field_name in set(old) | set(new):
        field = _relation(model, field_name)
        if field is None:
            continue
        wanted = {str(i): i for i in _ids(old.get(field_name)) + _ids(new.get(field_name))}
        missing = [i for key, i in wanted.items() if key not in labels.get(field_name, {})]
        if missing:
            found = field.related_model._base_manager.in_bulk(missing)
            labels.setdefault(field_name, {}).update({str(pk): _label(obj) for pk, obj in found.items()})
    return {field: names for field, names in labels.items() if names}


NOT_STORED = "(not stored in the audit log)"


def not_stored(model) -> set[str]:
    """Fields whose values the audit log never copies, only that they changed: special category data,
    and free text classified personal (what members of the public said, their roles), because the log is
    append-only and erasure cannot reach it (core/personal_data.py)."""
    declared = personal_data.classification(model)
    return {
        f.name
        for f in model._meta.concrete_fields
        if declared.get(f.name) == personal_data.SPECIAL_CATEGORY
        or (declared.get(f.name) == personal_data.PERSONAL and isinstance(f, models.TextField))
    }


def take_turn():
    """Queue for the audit log now, before locking any record.

    Every audited write holds the log's chain head from its event until it commits. A write that locked a
    record first and then waited for the head could wait on one that holds the head and wants that record
    (an activity edit updates its decisions after writing its event): a deadlock on PostgreSQL. Taking the
    head first, in every write that locks records, keeps one order, head then records. SQLite takes its
    write lock at BEGIN IMMEDIATE, so there this only reads one row.
    """
    AuditChainHead.objects.select_for_update().get_or_create(pk=AuditChainHead.ONLY)


def record(*, action, by=None, organisation=None, target=None, old=None, new=None, target_label=None):
    """Append an audit event. `by` is the acting user (None for the system or an anonymous person).

    `action` must be registered by its app (audit_actions.py); anything else raises UnknownAuditAction."""
    registry.require(action)
    organisation_id = getattr(organisation, "pk", organisation)
    if organisation_id is None and target is not None:
        organisation_id = getattr(target, "organisation_id", None)
    old, new = old or {}, new or {}
    hidden = not_stored(target._meta.model) if target is not None else set()  # target may be a lazy user
    plain_old = {k: NOT_STORED if k in hidden else _plain(v) for k, v in old.items()}
    plain_new = {k: NOT_STORED if k in hidden else _plain(v) for k, v in new.items()}
    return AuditEvent.objects.create(
        action=action,
        actor_id=getattr(by, "pk", None),
        actor_label=(getattr(by, "email", "") or "")[:254],
        actor_name=_actor_name(by),
        organisation_id=organisation_id,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(target_label if target_label is not None else str(target) if target is not None else "")[:255],
        old=plain_old,
        new=plain_new,
        labels=_labels_for(target, plain_old, plain_new, _merge_labels(old, new)),
    )


def _actor_name(by) -> str:
    if by is None:
        return ""
    name = getattr(by, "get_full_name", lambda: "")() or ""
    return name.strip()[:254]
