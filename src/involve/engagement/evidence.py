"""Evidence services: files and links attached to one decision or one activity.

Each service takes keyword arguments and the acting user (by=), writes the record and its audit
event in one transaction, and never puts file contents in the audit trail (only the name, type,
size and SHA-256 that identify the file).

Files are checked by core.uploads before these services see them (a CheckedFile), stored under a
random name in evidence/<organisation id>/, and served only through the permission-checked
download in views/evidence.py. A stored file must never outlive a failed write, and a removed
record must not lose its file if the removal rolls back:
- evidence_upload, called on its own (as the pages do), stores the file and then commits the row in
  a durable transaction; if anything fails the file is deleted again before the error goes on.
  Called inside someone else's transaction (the demo loader, an import), it writes the row there
  and the file only when that transaction commits, so a later rollback leaves nothing behind.
- evidence_delete deletes the row, and the file only once that deletion has committed.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from involve.audit import services as audit
from involve.core import uploads

from .models import Activity, Decision, Evidence
from .services import refresh_involvement

log = logging.getLogger(__name__)

EVIDENCE_FIELDS = [
    "title",
    "kind",
    "url",
    "original_name",
    "content_type",
    "size",
    "sha256",
    "dated",
    "description",
    "decision",
    "activity",
]


def _owner_fields(owner) -> dict:
    if isinstance(owner, Decision):
        return {"decision": owner, "activity": None}
    if isinstance(owner, Activity):
        return {"decision": None, "activity": owner}
    raise TypeError("Evidence belongs to a decision or an activity")


def _check_date(dated):
    if dated and dated > timezone.localdate():
        raise ValidationError({"dated": "The date of the evidence cannot be in the future"})


def _label(evidence) -> str:
    owner = evidence.decision or evidence.activity
    return f"{evidence.title} ({owner})"[:255]


def _refresh(evidence):
    """The stored involvement facts of the decision the evidence is for, or of its activity's decisions."""
    if evidence.decision_id:
        refresh_involvement([evidence.decision_id])
    elif evidence.activity_id:
        refresh_involvement(
            Activity.decisions.through.objects.filter(activity_id=evidence.activity_id).values_list(
                "decision_id", flat=True
            )
        )


def _record(action, *, by, evidence, old=None, new=None):
    audit.record(
        action=action,
        by=by,
        organisation=evidence.organisation_id,
        target=evidence,
        old=old,
        new=new,
        target_label=_label(evidence),
    )


def _create_file_row(*, by, owner, checked, stored_name, title, dated, description):
    evidence = Evidence(
        organisation_id=owner.organisation_id,
        **_owner_fields(owner),
        title=title.strip(),
        kind=Evidence.Kind.FILE,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        dated=dated,
        description=description.strip(),
        created_by=by,
    )
    evidence.file.name = stored_name
    evidence.full_clean()
    evidence.save()
    _refresh(evidence)
    _record("evidence.upload", by=by, evidence=evidence, new=audit.snapshot(evidence, EVIDENCE_FIELDS))
    return evidence


def _in_callers_transaction() -> bool:
    # The test Django uses for durable blocks: a test case's wrapping transaction does not count.
    blocks = transaction.get_connection().atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


def evidence_upload(*, by, owner, file: uploads.CheckedFile, title, dated, description="") -> Evidence:
    """Attach a checked file (see core.uploads.check_upload) to a decision or an activity."""
    if not isinstance(file, uploads.CheckedFile):
        raise TypeError("evidence_upload needs a file checked by core.uploads.check_upload")
    _owner_fields(owner)
    _check_date(dated)
    fields = {"by": by, "owner": owner, "checked": file, "title": title, "dated": dated, "description": description}
    name = uploads.random_name(f"evidence/{int(owner.organisation_id)}")

    if _in_callers_transaction():
        # The caller's transaction may still roll back after this returns, so the file is written
        # only once it commits: a rollback then leaves neither row nor file.
        with transaction.atomic():
            evidence = _create_file_row(stored_name=name, **fields)
        transaction.on_commit(lambda: _write_after_commit(evidence, file, name))
        return evidence

    # Otherwise this is the whole transaction: store the file, then commit the row; if anything
    # fails the row was never committed, so the file is deleted again.
    stored = uploads.store(file, name=name)
    try:
        with transaction.atomic(durable=True):
            return _create_file_row(stored_name=stored, **fields)
    except BaseException:
        uploads.delete_stored(stored)
        raise


def _write_after_commit(evidence, checked, name):
    try:
        stored = uploads.store(checked, name=name)
    except BaseException:
        # The row is committed but its file could not be written: take the row away again rather
        # than keep evidence that cannot be downloaded.
        log.exception("Evidence %s: the file could not be stored; the record is removed", evidence.pk)
        with transaction.atomic():
            _record("evidence.delete", by=None, evidence=evidence, old={"reason": "file could not be stored"})
            Evidence.objects.filter(pk=evidence.pk).delete()
            _refresh(evidence)
        raise
    if stored != name:
        Evidence.objects.filter(pk=evidence.pk).update(file=stored)


@transaction.atomic
def evidence_add_link(*, by, owner, url, title, dated, description="") -> Evidence:
    """Attach a link (https only) to a decision or an activity."""
    _check_date(dated)
    evidence = Evidence(
        organisation_id=owner.organisation_id,
        **_owner_fields(owner),
        title=title.strip(),
        kind=Evidence.Kind.LINK,
        url=(url or "").strip(),
        dated=dated,
        description=description.strip(),
        created_by=by,
    )
    if not evidence.url:
        raise ValidationError({"url": "Enter the web address of the evidence"})
    evidence.full_clean()
    evidence.save()
    _refresh(evidence)
    _record("evidence.add_link", by=by, evidence=evidence, new=audit.snapshot(evidence, EVIDENCE_FIELDS))
    return evidence


def evidence_downloaded(*, by, evidence) -> None:
    """Note who fetched a file: evidence can hold people's words, and its owners should see who read it."""
    _record("evidence.download", by=by, evidence=evidence)


@transaction.atomic
def evidence_delete(*, by, evidence) -> None:
    """Remove a piece of evidence; its file is deleted once the removal has committed."""
    audit.take_turn()
    evidence = (
        Evidence.objects.select_for_update(of=("self",)).select_related("decision", "activity").get(pk=evidence.pk)
    )
    stored_name = evidence.file.name if evidence.kind == Evidence.Kind.FILE else ""
    _record("evidence.delete", by=by, evidence=evidence, old=audit.snapshot(evidence, EVIDENCE_FIELDS))
    evidence.delete()
    _refresh(evidence)
    if stored_name:
        transaction.on_commit(lambda: uploads.delete_stored(stored_name))
