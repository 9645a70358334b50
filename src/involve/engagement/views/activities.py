"""Activities: list, export, detail page, forms, feedback to participants and delete."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from involve.core.pages import (
    ListPage,
    confirm_delete,
    form_view,
    list_export,
    list_page,
    posted,
)
from involve.organisations.permissions import Action

from .. import exports, selectors, services
from ..access import get_activity_for_user, readable_decisions
from ..forms import ActivityFilterForm, ActivityForm, FeedbackForm
from ..models import Activity, Decision, Evidence

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


ACTIVITIES = ListPage(
    template="engagement/activity_list.html",
    section="activities",
    filter_form=ActivityFilterForm,
    select=selectors.activity_list,
    sorts=ACTIVITY_SORTS,
    default_sort="-starts",
    columns=ACTIVITY_COLUMNS,
    export_url="engagement:activity_export",
    export_rows=exports.activity_rows,
    export_name="activities",
    export_title="Activities",
)


def activity_list(request):
    request.access.require(Action.VIEW)
    return list_page(request, ACTIVITIES, can_add=request.access.can(Action.EDIT))


def activity_export(request, fmt):
    request.access.require(Action.VIEW)
    return list_export(request, ACTIVITIES, fmt)


def activity_detail(request, pk):
    access = request.access
    activity = get_activity_for_user(access, pk)
    # Someone reading it because a decision it informed affects their organisation sees only the
    # decisions they may read, and no links to the owner's programme or partner register.
    shared_with_you = not access.scope(Activity.objects.filter(pk=activity.pk)).exists()
    decisions = selectors.with_warnings(readable_decisions(access, activity.decisions.all())).order_by("title")
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
            "shared_with_you": shared_with_you,
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
