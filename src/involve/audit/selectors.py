import datetime

from django.utils import timezone

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
        events = events.filter(created_at__lt=datetime.datetime.combine(date_to + datetime.timedelta(days=1),
                                                                         datetime.time.min, tz))
    return events


def filter_choices(organisation):
    events = AuditEvent.objects.filter(organisation_id=organisation.pk)
    actions = sorted(set(events.values_list("action", flat=True).distinct()))
    target_types = sorted(set(events.values_list("target_type", flat=True).distinct()))
    return actions, target_types


EXPORT_HEADER = ["Time (UTC)", "Person", "Action", "Record type", "Record id", "Record", "Before", "After"]


def export_row(event):
    import json

    return [event.created_at, event.actor_label, event.action, event.target_type, event.target_id,
            event.target_label, json.dumps(event.old, default=str), json.dumps(event.new, default=str)]
