"""Evidence services: files and links attached to one decision or one activity.

Each service takes keyword arguments and the acting user (by=), writes the record and its audit
event in one transaction, and never puts file contents in the audit trail (only the name, type,
size and SHA-256 that identify the file).

Files are checked by core.uploads before these services see them (a CheckedFile), stored under a
random name in evidence/<organisation id>/, and served only through the permission-checked
download in views_documents.py. A stored file must never outlive a failed write, and a removed
record must not lose its file if the removal rolls back:
- evidence_upload stores the file, then writes the row in a *durable* transaction (it refuses to
  run inside someone else's transaction, so when it returns the row is committed); if anything
  fails the file is deleted again before the error goes on.
- evidence_delete deletes the row, and the file only once that deletion has committed.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from involve.audit import services as audit
from involve.core import uploads

from .models import Activity, Decision, Evidence

EVIDENCE_FIELDS = ["title", "kind", "url", "original_name", "content_type", "size", "sha256", "dated",
                   "description", "decision", "activity"]


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


def _record(action, *, by, evidence, old=None, new=None):
    audit.record(action=action, by=by, organisation=evidence.organisation_id, target=evidence,
                 old=old, new=new, target_label=_label(evidence))


@transaction.atomic(durable=True)
def _create_file_row(*, by, owner, checked, stored_name, title, dated, description):
    evidence = Evidence(
        organisation_id=owner.organisation_id, **_owner_fields(owner), title=title.strip(),
        kind=Evidence.Kind.FILE, original_name=checked.original_name, content_type=checked.content_type,
        size=checked.size, sha256=checked.sha256, dated=dated, description=description.strip(), created_by=by,
    )
    evidence.file.name = stored_name
    evidence.full_clean()
    evidence.save()
    _record("evidence.upload", by=by, evidence=evidence, new=audit.snapshot(evidence, EVIDENCE_FIELDS))
    return evidence


def evidence_upload(*, by, owner, file: uploads.CheckedFile, title, dated, description="") -> Evidence:
    """Attach a checked file (see core.uploads.check_upload) to a decision or an activity."""
    if not isinstance(file, uploads.CheckedFile):
        raise TypeError("evidence_upload needs a file checked by core.uploads.check_upload")
    _owner_fields(owner)
    _check_date(dated)
    stored_name = uploads.store(file, folder=f"evidence/{int(owner.organisation_id)}")
    try:
        return _create_file_row(by=by, owner=owner, checked=file, stored_name=stored_name, title=title,
                                dated=dated, description=description)
    except BaseException:
        # The row was not committed (the transaction is durable), so the file must not stay either.
        uploads.delete_stored(stored_name)
        raise


@transaction.atomic
def evidence_add_link(*, by, owner, url, title, dated, description="") -> Evidence:
    """Attach a link (https only) to a decision or an activity."""
    _check_date(dated)
    evidence = Evidence(
        organisation_id=owner.organisation_id, **_owner_fields(owner), title=title.strip(),
        kind=Evidence.Kind.LINK, url=(url or "").strip(), dated=dated, description=description.strip(),
        created_by=by,
    )
    if not evidence.url:
        raise ValidationError({"url": "Enter the web address of the evidence"})
    evidence.full_clean()
    evidence.save()
    _record("evidence.add_link", by=by, evidence=evidence, new=audit.snapshot(evidence, EVIDENCE_FIELDS))
    return evidence


@transaction.atomic
def evidence_delete(*, by, evidence) -> None:
    """Remove a piece of evidence; its file is deleted once the removal has committed."""
    evidence = Evidence.objects.select_for_update().select_related("decision", "activity").get(pk=evidence.pk)
    stored_name = evidence.file.name if evidence.kind == Evidence.Kind.FILE else ""
    _record("evidence.delete", by=by, evidence=evidence, old=audit.snapshot(evidence, EVIDENCE_FIELDS))
    evidence.delete()
    if stored_name:
        transaction.on_commit(lambda: uploads.delete_stored(stored_name))
