"""Activities: list, export, detail page, forms, feedback to participants and delete."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from involve.core.pages import (
    EXPORT_FORMATS,
    confirm_delete,
    export_response,
    form_view,
    posted,
    sort_columns,
    sort_order,
)
from involve.core.pagination import paginate
from involve.organisations.permissions import Action

from .. import exports, selectors, services
from ..access import get_activity_for_user
from ..forms import ActivityFilterForm, ActivityForm, FeedbackForm
from ..models import Decision, Evidence
from ._shared import export_links

ACTIVITY_SORTS = {
    "title": ["title"],
    "organisation": ["organisation__name"],
    "programme": ["programme__name"],
    "method": ["method"],
    "level": ["level_rank"],
    "starts": ["starts_on"],
    "participants": ["participants"],
}
ACTIVITY_COLUMNS = [
    ("Activity", "title"),
    ("Organisation", "organisation"),
    ("Method", "method"),
    ("Level", "level"),
    ("Start date", "starts"),
    ("People", "participants"),
    ("Notes", None),
]


def _filtered_activities(request):
    access = request.access
    access.require(Action.VIEW)
    form = ActivityFilterForm(request.GET, access=access)
    sort, ordering = sort_order(request, ACTIVITY_SORTS, "-starts")
    return form, selectors.activity_list(access=access, filters=form.values(), ordering=ordering), sort


def activity_list(request):
    form, activities, sort = _filtered_activities(request)
    return render(
        request,
        "engagement/activity_list.html",
        {
            "section": "activities",
            "form": form,
            "page": paginate(request, activities),
            "columns": sort_columns(request, ACTIVITY_COLUMNS, sort),
            "exports": export_links(request, "activity_export"),
            "can_add": request.access.can(Action.EDIT),
        },
    )


def activity_export(request, fmt):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    _, activities, _ = _filtered_activities(request)
    header, rows = exports.activity_rows(activities)
    return export_response(fmt, header, rows, "activities", "Activities")


def activity_detail(request, pk):
    access = request.access
    activity = get_activity_for_user(access, pk)
    decisions = selectors.with_warnings(activity.decisions.all()).order_by("title")
    return render(
        request,
        "engagement/activity_detail.html",
        {
            "section": "activities",
            "activity": activity,
            "decisions": decisions,
            "partners": activity.partners.all(),
            "audiences_targeted": activity.audiences_targeted.all(),
            "audiences_reached": activity.audiences_reached.all(),
            "evidence": Evidence.objects.filter(activity=activity).select_related("created_by"),
            "evidence_owner": activity,
            "evidence_owner_kind": "activity",
            "can_edit": access.can_change(activity.organisation_id, Action.EDIT),
            "can_manage": access.can_change(activity.organisation_id, Action.MANAGE),
        },
    )


def activity_add(request):
    access = request.access
    access.require(Action.EDIT)
    form = ActivityForm(posted(request), organisation=access.organisation)
    if request.method == "GET" and request.GET.get("decision"):
        # Started from a decision's page: tick that decision, if it is one of ours.
        form.initial["decisions"] = list(
            Decision.objects.filter(
                organisation=access.organisation,
                pk__in=[v for v in request.GET.getlist("decision") if v.isdecimal() and len(v) < 12],
            ).values_list("pk", flat=True)
        )
    return form_view(
        request,
        form,
        lambda: services.activity_create(
            by=request.user, organisation=access.organisation, **form.changes(), **form.m2m()
        ),
        success=lambda a: f"‘{a.title}’ has been added.",
        next_url=lambda a: reverse("engagement:activity_detail", args=[a.pk]),
        title="Add an activity",
        section="activities",
        cancel_url=reverse("engagement:activity_list"),
    )


def activity_edit(request, pk):
    activity = get_activity_for_user(request.access, pk, action=Action.EDIT)
    form = ActivityForm(posted(request), instance=activity, organisation=activity.organisation)
    return form_view(
        request,
        form,
        lambda: services.activity_update(
            by=request.user, activity=activity, revision=form.revision, **form.changes(), **form.m2m()
        ),
        success="The activity has been saved.",
        next_url=lambda a: reverse("engagement:activity_detail", args=[a.pk]),
        title="Change the activity",
        caption=activity.title,
        section="activities",
        cancel_url=reverse("engagement:activity_detail", args=[activity.pk]),
    )


def activity_feedback(request, pk):
    activity = get_activity_for_user(request.access, pk, action=Action.EDIT)
    if not activity.has_taken_place:
        messages.error(
            request,
            "Feedback to participants can be recorded once the activity has taken place. "
            "Change its state to ‘Taking place’ or ‘Done’ first.",
        )
        return redirect("engagement:activity_detail", pk=activity.pk)
    form = FeedbackForm(posted(request), instance=activity)
    return form_view(
        request,
        form,
        lambda: services.activity_record_feedback(
            by=request.user, activity=activity, revision=form.revision, **form.changes()
        ),
        success="The feedback to participants has been recorded.",
        next_url=lambda a: reverse("engagement:activity_detail", args=[a.pk]),
        title="Record the feedback given to participants",
        caption=activity.title,
        section="activities",
        cancel_url=reverse("engagement:activity_detail", args=[activity.pk]),
        intro="Closing the loop: tell the people who took part what was heard and what changed as a result.",
    )


def activity_delete(request, pk):
    activity = get_activity_for_user(request.access, pk, action=Action.MANAGE)
    return confirm_delete(
        request,
        obj=activity,
        section="activities",
        delete=lambda: services.activity_delete(by=request.user, activity=activity),
        title=f"Delete ‘{activity.title}’?",
        message=(
            "The record of this activity, its reach and the feedback are deleted. Decisions it informed "
            "stay, but will no longer show it as evidence of involvement."
        ),
        cancel_url=reverse("engagement:activity_detail", args=[activity.pk]),
        done_url=reverse("engagement:activity_list"),
        done_message=f"‘{activity.title}’ has been deleted.",
    )
