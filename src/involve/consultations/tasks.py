"""Background work of the consultations area: importing a large file, with progress (core.progress)."""

from django.contrib.auth import get_user_model
from django_tasks import task

from involve.core.progress import Progress


@task()
def import_file(*, run_id, import_run_id, by_id):
    from .imports.services import run_import
    from .models import ImportRun

    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    with Progress(run_id) as progress:
        progress.set_total(1)

        def report(done, total, message):
            progress.set_total(total)
            progress.advance(done, message)

        run = run_import(import_run_id, by=by, progress=report)
        if run.state == ImportRun.State.DONE:
            progress.advance(progress.run.total or 1, f"Imported {run.rows_imported:,} rows")
        elif run.state == ImportRun.State.INVALID:
            progress.fail("Problems were found in the file and nothing was imported: see the report")
        else:
            progress.fail("Nothing was imported: see the report")
