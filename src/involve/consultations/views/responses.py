"""The staff view of a consultation's responses: the list, one response, and deleting one."""

from django.shortcuts import render
from django.urls import reverse

from involve.core.pages import confirm_delete, sort_columns, sort_order
from involve.core.pagination import paginate
from involve.equality import selectors as equality
from involve.organisations.permissions import Action

from .. import selectors, services
from ..access import get_consultation_for_user, get_response_for_user
from ..forms import ResponseFilterForm

SECTION = "consultations"
SORTS = {"reference": ["reference"], "channel": ["channel"], "submitted": ["submitted_at"]}
COLUMNS = [("Reference", "reference"), ("How it reached us", "channel"), ("Sent", "submitted"), ("Answers", None)]


def response_list(request, pk):
    consultation = get_consultation_for_user(request.access, pk)
    form = ResponseFilterForm(request.GET, access=request.access)
    sort, ordering = sort_order(request, SORTS, "-submitted")
    rows = selectors.response_list(consultation=consultation, filters=form.values(), ordering=ordering)
    return render(
        request,
        "consultations/response_list.html",
        {
            "section": SECTION,
            "consultation": consultation,
            "form": form,
            "page": paginate(request, rows),
            "columns": sort_columns(request, COLUMNS, sort),
        },
    )


def response_detail(request, pk):
    access = request.access
    response = get_response_for_user(access, pk)
    organisation = response.organisation
    can_read_equality = equality.can_read_records(access, organisation)
    record = rows = None
    if can_read_equality:
        record = equality.record_for(
            access,
            organisation=organisation,
            subject_kind="consultation_response",
            subject_id=response.pk,
        )
        rows = equality.answers_as_rows(record) if record is not None else None
    return render(
        request,
        "consultations/response_detail.html",
        {
            "section": SECTION,
            "response": response,
            "consultation": response.consultation,
            "groups": selectors.response_answers(response),
            "can_read_equality": can_read_equality,
            "equality_record": record,
            "equality_rows": rows,
            "can_manage": access.can_change(response.organisation_id, Action.MANAGE),
        },
    )


def response_delete(request, pk):
    response = get_response_for_user(request.access, pk, action=Action.MANAGE)
    consultation = response.consultation
    return confirm_delete(
        request,
        obj=response,
        section=SECTION,
        delete=lambda: services.response_delete(by=request.user, response=response),
        title=f"Delete the response {response.reference}?",
        message="The response, every answer in it and its equality monitoring answers are deleted. This cannot be "
        "undone, and the analysis and exports will no longer count it.",
        cancel_url=reverse("consultations:response_detail", args=[response.pk]),
        done_url=reverse("consultations:response_list", args=[consultation.pk]),
        done_message=f"The response {response.reference} has been deleted.",
    )
