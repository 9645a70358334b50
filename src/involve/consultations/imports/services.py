"""Imports, step by step: upload (read the file, suggest a mapping), save the mapping, then check the
whole file and, only if it has no problem, commit it in one transaction (inline for a small file, as a
background task with progress for a large one).

The uploaded file is kept under a random name in imports/<run id>/ only until the import is done,
refused or has failed; then it is deleted. The same file (by its SHA-256) imported again into the
same consultation changes nothing.
"""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from involve.audit import services as audit
from involve.audit import writes
from involve.core.uploads import random_name

from ..models import ImportRun, Response
from . import commit as committing
from .layouts import SOURCE_REFERENCE, questions_for, suggest_mapping
from .reading import FileProblem, peek, problems_of, read
from .validation import MAX_PROBLEMS, validate

log = logging.getLogger(__name__)

# Files with more rows than this are imported in the background, with a progress bar.
BACKGROUND_ROWS = 5_000
IDEMPOTENCY_PREFIX = "import:"


def _folder(run):
    return f"imports/{run.pk}"


def stored_name(run):
    """The stored file's name, or None once it has gone."""
    try:
        _, files = default_storage.listdir(_folder(run))
    except FileNotFoundError:
        return None
    return f"{_folder(run)}/{sorted(files)[0]}" if files else None


def stored_content(run):
    """(bytes, "csv" or "xlsx"), or (None, None) when the file has gone."""
    name = stored_name(run)
    if name is None:
        return None, None
    with default_storage.open(name, "rb") as handle:
        content = handle.read()
    return content, name.rsplit("-", 1)[-1]


def store_file(run, content: bytes, kind: str):
    return default_storage.save(f"{random_name(_folder(run))}-{kind}", ContentFile(content))


def delete_file(run):
    name = stored_name(run)
    while name is not None:
        default_storage.delete(name)
        name = stored_name(run)


def previous_import(consultation, sha256):
    return (
        ImportRun.objects.filter(consultation=consultation, sha256=sha256, state=ImportRun.State.DONE)
        .select_related("created_by")
        .first()
    )


def _problem_list(problems, count):
    listed = [p.as_dict() for p in problems[:MAX_PROBLEMS]]
    if count > len(listed):
        listed.append({"row": None, "column": "", "reason": f"… and {count - len(listed):,} more problems"})
    return listed


def _refuse(run, problems, count, *, by):
    run.state = ImportRun.State.INVALID
    run.problems = _problem_list(problems, count)
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "problems", "finished_at", "rows_total"])
    audit.record(
        action="import.refuse",
        by=by,
        organisation=run.organisation_id,
        target=run.consultation,
        new={"import": run.pk, "problems": count, "rows": run.rows_total},
    )


@transaction.atomic
def upload(*, consultation, checked, layout, by):
    """(run, already): the new run (refused at once if the file cannot be read), or the earlier run that
    imported the same file (already=True, and nothing is written)."""
    earlier = previous_import(consultation, checked.sha256)
    if earlier is not None:
        return earlier, True
    run = ImportRun.objects.create(
        organisation=consultation.organisation,
        consultation=consultation,
        layout=layout,
        original_name=checked.original_name[:255],
        sha256=checked.sha256,
        size=checked.size,
        created_by=by,
    )
    try:
        headings, rows_total = peek(checked.content, checked.kind.key)
    except FileProblem as exc:
        problems = problems_of(exc)
        _refuse(run, problems, len(problems), by=by)
        return run, False
    run.rows_total = rows_total
    run.mapping = suggest_mapping(layout, headings, questions_for(consultation, layout))
    run.save(update_fields=["rows_total", "mapping"])
    # Stored last, so nothing after it can roll the run back and leave the file behind.
    store_file(run, checked.content, checked.kind.key)
    return run, False


def headings(run):
    """The stored file's headings in order, or None once the file has gone."""
    content, kind = stored_content(run)
    if content is None:
        return None
    try:
        return peek(content, kind)[0]
    except FileProblem:
        return None


@transaction.atomic
def save_mapping(*, run, mapping, by):
    """Keep the person's choices; saving them unchanged writes nothing. An import run deleted meanwhile
    is RecordGone; one that has started meanwhile keeps the mapping it started with."""
    locked = writes.lock(run)
    if locked.state == ImportRun.State.VALIDATING and not locked.task_run_id and locked.mapping != mapping:
        locked.mapping = mapping
        locked.save(update_fields=["mapping"])
    return locked


def start(*, run, by):
    """Check and import now (small files) or in the background (large ones). Returns the run."""
    if run.rows_total > BACKGROUND_ROWS:
        from involve.core.progress import task_run_start

        from ..tasks import import_file

        with transaction.atomic():
            task_run = task_run_start(
                organisation=run.organisation,
                by=by,
                kind="consultations.import",
                label=f"Importing {run.original_name}",
                task=import_file,
                import_run_id=run.pk,
                by_id=getattr(by, "pk", None),
            )
            ImportRun.objects.filter(pk=run.pk).update(task_run=task_run)
            run.task_run = task_run
        return run
    return run_import(run.pk, by=by)


def existing_references(consultation):
    keys = Response.objects.filter(consultation=consultation, idempotency_key__startswith=IDEMPOTENCY_PREFIX)
    return {k.removeprefix(IDEMPOTENCY_PREFIX) for k in keys.values_list("idempotency_key", flat=True)}


def run_import(run_id, *, by, progress=None, timings=None):
    """Check every row; commit only a file with no problem, in one transaction. Returns the run.

    `progress(done, total, message)` is told how far it has got; `timings` (a dict) gets the seconds
    each stage took (benchmarks/import_fft.py)."""
    import time

    clock = time.perf_counter()
    run = ImportRun.objects.select_related("consultation__organisation").get(pk=run_id)
    if run.state != ImportRun.State.VALIDATING:
        return run
    content, kind = stored_content(run)
    if content is None:
        return _fail(run, "The uploaded file is no longer here: upload it again", by=by)
    try:
        table = read(content, kind)
    except FileProblem as exc:
        problems = problems_of(exc)
        with transaction.atomic():
            _refuse(run, problems, len(problems), by=by)
        delete_file(run)
        return run
    del content
    _lap(timings, "read", clock)
    clock = time.perf_counter()
    questions = questions_for(run.consultation, run.layout)
    mapped_reference = SOURCE_REFERENCE in run.mapping.values()
    references = existing_references(run.consultation) if mapped_reference else frozenset()

    def checking(done, total):
        if progress:
            progress(done, total * 2, f"Checked {done:,} of {total:,} rows")

    result = validate(table, run.mapping, questions, existing_references=references, progress=checking)
    del table
    _lap(timings, "validate", clock)
    clock = time.perf_counter()
    run.rows_total = result.rows_total
    if not result.ok:
        with transaction.atomic():
            _refuse(run, result.problems, result.problem_count, by=by)
        delete_file(run)
        return run
    if progress:
        progress(result.rows_total, result.rows_total * 2, f"Importing {result.rows_total:,} rows")
    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.IMPORTING, rows_total=result.rows_total)
    try:
        committing.commit_atomically(run, result, questions, by=by, source_references=mapped_reference)
    except (committing.AlreadyDone, IntegrityError):
        run = ImportRun.objects.get(pk=run.pk)
        earlier = previous_import(run.consultation, run.sha256)
        if earlier is not None and earlier.pk != run.pk:
            reason = f"This file was imported on {timezone.localtime(earlier.finished_at):%-d %B %Y at %H:%M}"
            with transaction.atomic():
                run.state = ImportRun.State.VALIDATING
                _refuse(run, [_problem(reason)], 1, by=by)
            delete_file(run)
            return run
        if run.state != ImportRun.State.DONE:
            log.exception("Import %s failed", run.pk)
            return _fail(run, "Something went wrong and nothing was imported. Upload the file again", by=by)
    except Exception:
        log.exception("Import %s failed", run.pk)
        return _fail(run, "Something went wrong and nothing was imported. Upload the file again", by=by)
    _lap(timings, "commit", clock)
    delete_file(run)
    run.refresh_from_db()
    return run


def _problem(reason):
    from .reading import Problem

    return Problem(None, "", reason)


def _lap(timings, stage, clock):
    import time

    if timings is not None:
        timings[stage] = time.perf_counter() - clock


def _fail(run, reason, *, by):
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.FAILED,
        problems=[{"row": None, "column": "", "reason": reason}],
        rows_imported=0,
        finished_at=timezone.now(),
    )
    delete_file(run)
    run.refresh_from_db()
    return run
