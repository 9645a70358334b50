"""The background task that makes a long cover sheet's file, within the limits of limits.py."""

from django_tasks import task

from involve.core.progress import Progress

from ..models import Decision
from . import limits
from .build import build_cover_sheet


@task()
def make_cover_sheet(*, run_id, decision_id, fmt):
    with Progress(run_id) as progress:
        progress.set_total(1)
        # Built again here, so the file shows the record as it is when the work starts.
        sheet = build_cover_sheet(Decision.objects.get(pk=decision_id))
        try:
            content = limits.file_in_background(sheet, fmt)
        except limits.TooLarge:
            progress.fail(limits.too_large_message(fmt))
            return
        progress.finish_with_file(content, f"{sheet.filename_stem}.{fmt}")
