"""Reading equality monitoring answers: one record only with the equality-data permission."""

from django.core.exceptions import PermissionDenied

from involve.organisations.permissions import Action

from .categories import CATEGORIES
from .models import EqualityRecord


def record_for(access, *, organisation, subject_kind, subject_id):
    """The subject's record, or None if there is none. Refused (PermissionDenied) without the
    equality-data permission in the record's organisation: callers check `can_read_records` first
    when they only want to leave the section out."""
    if not can_read_records(access, organisation):
        raise PermissionDenied
    return EqualityRecord.objects.filter(
        organisation=organisation, subject_kind=subject_kind, subject_id=subject_id
    ).first()


def can_read_records(access, organisation) -> bool:
    return access.can_change(organisation.pk, Action.VIEW_EQUALITY_DATA)


def answers_as_rows(record):
    """(question, answer label) for each category, "Not answered" where it was left empty."""
    rows = []
    for category in CATEGORIES:
        code = getattr(record, category.key)
        rows.append((category.label, category.labels.get(code, "Not answered") if code else "Not answered"))
    decile = record.imd_decile
    rows.append(
        ("Deprivation (from the postcode)", f"IMD decile {decile} ({record.imd_edition})" if decile else "Not known")
    )
    return rows
