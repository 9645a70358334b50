"""One access helper per consultations object type. Every view, export and download goes through these.

Each is a thin call to organisations.access.get_for_user: another organisation's object is a 404,
and an object the person may read but not change (a region reading an ICB's consultation) is a 403.
Sections, questions and import runs have no organisation of their own: they are scoped through
their consultation's.
"""

from django.core.exceptions import PermissionDenied

from involve.organisations.access import get_for_user
from involve.organisations.permissions import Action

from .models import Consultation, ImportRun, Question, Response, Section


def get_consultation_for_user(access, pk, *, action=Action.VIEW) -> Consultation:
    queryset = Consultation.objects.select_related("organisation", "activity")
    return get_for_user(queryset, access, action=action, pk=pk)


def _through_consultation(queryset, access, action, pk):
    """get_for_user for a record scoped by its consultation's organisation (it has none of its own)."""
    obj = get_for_user(queryset, access, action=Action.VIEW, field="consultation__organisation", pk=pk)
    if action != Action.VIEW and not access.can_change(obj.consultation.organisation_id, action):
        raise PermissionDenied
    return obj


def get_section_for_user(access, pk, *, action=Action.VIEW) -> Section:
    queryset = Section.objects.select_related("consultation__organisation")
    return _through_consultation(queryset, access, action, pk)


def get_question_for_user(access, pk, *, action=Action.VIEW) -> Question:
    queryset = Question.objects.select_related("consultation__organisation", "section")
    return _through_consultation(queryset, access, action, pk)


def get_response_for_user(access, pk, *, action=Action.VIEW) -> Response:
    queryset = Response.objects.select_related("organisation", "consultation__organisation")
    return get_for_user(queryset, access, action=action, pk=pk)


def get_import_run_for_user(access, pk, *, action=Action.VIEW) -> ImportRun:
    queryset = ImportRun.objects.select_related("organisation", "consultation__organisation")
    return get_for_user(queryset, access, action=action, pk=pk)
