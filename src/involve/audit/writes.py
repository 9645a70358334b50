"""The one audited-write kit every app's services use: create, update and delete with a field
allowlist, a row lock, the old/new difference and the audit event in the same transaction, and a
version check on every update so that two people editing at once never silently overwrite each other.

Callers run inside their own transaction.atomic() (the services are decorated with it).
"""

from django.core.exceptions import ObjectDoesNotExist

from involve.core.conflicts import RecordGone, StaleEdit

from . import services as audit


def only(allowed, changes):
    """Refuse any field that is not on the allowlist (mass-assignment guard)."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"These fields cannot be set here: {', '.join(sorted(unknown))}")


def lock(instance):
    """The stored row, re-read under a row lock, so old values are what was stored and not what a
    form set on the instance. A row deleted meanwhile is RecordGone, not a 500."""
    model = type(instance)
    audit.take_turn()
    try:
        return model.objects.select_for_update().get(pk=instance.pk)
    except ObjectDoesNotExist:
        raise RecordGone(model, instance.pk) from None


def _has_revision(instance):
    return any(f.name == "revision" for f in instance._meta.concrete_fields)


def create(instance, *, by, action, fields, m2m=None, extra=None, label=None):
    """Validate and save a new record, set its many-to-many links and record the event."""
    instance.full_clean()
    instance.save()
    for name, items in (m2m or {}).items():
        getattr(instance, name).set(items)
    audit.record(
        action=action,
        by=by,
        organisation=getattr(instance, "organisation_id", None),
        target=instance,
        new={**(extra or {}), **audit.snapshot(instance, fields, list(m2m or {}))},
        target_label=label,
    )
    return instance


def update(instance, *, by, action, fields, changes, m2m=None, version=None, label=None, validate=None):
    """Apply `changes` (and many-to-many `m2m`) to the stored record.

    `version` is the record's revision when the person opened the form: if someone saved since,
    StaleEdit carries the stored record. Saving with nothing changed writes nothing (no new version,
    no updated_at, no audit event). `validate(record)` may check rules across fields before saving.
    """
    only(fields, changes)
    m2m = m2m or {}
    record = lock(instance)
    if version is not None and _has_revision(record) and record.revision != version:
        raise StaleEdit(record)
    old = audit.snapshot(record, fields, list(m2m))  # many-to-many fields as lists of ids
    for name, value in changes.items():
        setattr(record, name, value)
    if validate is not None:
        validate(record)
    unchanged = audit.snapshot(record, fields) == {name: old[name] for name in fields} and all(
        {item.pk for item in items} == set(old[name]) for name, items in m2m.items()
    )
    if unchanged:
        return record
    if _has_revision(record):
        record.revision += 1
    record.full_clean()
    record.save()
    for name, items in m2m.items():
        getattr(record, name).set(items)
    before, after = audit.changed(old, audit.snapshot(record, fields, list(m2m)))
    audit.record(
        action=action,
        by=by,
        organisation=getattr(record, "organisation_id", None),
        target=record,
        old=before,
        new=after,
        target_label=label,
    )
    return record


def delete(instance, *, by, action, fields, m2m=(), label=None):
    """Record what the record held, then delete it."""
    record = lock(instance)
    audit.record(
        action=action,
        by=by,
        organisation=getattr(record, "organisation_id", None),
        target=record,
        old=audit.snapshot(record, fields, m2m),
        target_label=label,
    )
    record.delete()
