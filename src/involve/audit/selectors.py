import datetime

from django.utils import timezone

from . import presenters
from .models import AuditEvent


def events_for_organisation(organisation, *, action="", actor="", target_type="", date_from=None, date_to=None):
    events = AuditEvent.objects.filter(organisation_id=organisation.pk)
    if action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if target_type:
        events = events.filter(target_type=target_type)
    tz = timezone.get_current_timezone()
    if date_from:
        events = events.filter(created_at__gte=datetime.datetime.combine(date_from, datetime.time.min, tz))
    if date_to:
        events = events.filter(
            created_at__lt=datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tz)
        )
    return events


def filter_choices(organisation):
    events = AuditEvent.objects.filter(organisation_id=organisation.pk)
    actions = sorted(set(events.values_list("action", flat=True).distinct()))
    target_types = sorted(set(events.values_list("target_type", flat=True).distinct()))
    return actions, target_types


EXPORT_HEADER = [
    "When (UTC)",
    "Who",
    "Email address",
    "Organisation",
    "What happened",
    "Type of record",
    "Record",
    "Field",
    "Before",
    "After",
]


def export_rows(event, organisation_name=""):
    """One row per changed field, in words (an event that changed no field is one row with those blank).

    Cells go through involve.core.exports, which stops a spreadsheet reading typed text as a formula."""
    item = presenters.entry(event)
    start = [
        event.created_at,
        item.who,
        event.actor_label,
        organisation_name,
        presenters.capital(item.phrase_text),
        presenters.capital(item.record_type),
        event.target_label,
    ]
    if not item.changes:
        return [start + ["", "", ""]]
    return [start + [change.label, change.before, change.after] for change in item.changes]
