import datetime

from django_tasks import task

from involve.core.exports import csv_bytes
from involve.core.progress import Progress
from involve.organisations.models import Organisation

from .selectors import EXPORT_HEADER, events_for_organisation, export_rows

BATCH = 2000


@task()
def export_audit_csv(*, run_id, organisation_id, filters):
    with Progress(run_id) as progress:
        organisation = Organisation.objects.get(pk=organisation_id)
        for key in ("date_from", "date_to"):
            if filters.get(key):
                filters[key] = datetime.date.fromisoformat(filters[key])
        events = events_for_organisation(organisation, **filters).order_by("created_at", "id")
        total = events.count()
        progress.set_total(total)
        rows = []
        for i, event in enumerate(events.iterator(chunk_size=BATCH), start=1):
            rows.extend(export_rows(event, organisation.name))
            if i % BATCH == 0:
                progress.advance(i, f"{i:,} of {total:,} events")
        progress.finish_with_file(csv_bytes(EXPORT_HEADER, rows), f"audit-log-{organisation.pk}.csv")
