"""Decisions and activities: lists, exports, detail pages, forms, screening, feedback and timelines.

Views are thin: they check access through access.py, validate with forms.py, write through
services.py and read through selectors.py. Programmes, partners and audiences are in
views_register.py; evidence and cover sheets in views_documents.py.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from involve.core.exports import csv_response, xlsx_response
from involve.core.pagination import paginate
from involve.organisations.permissions import Action

from . import exports, selectors, services
from .access import get_activity_for_user, get_decision_for_user
from .forms import (
    ActivityFilterForm,
    ActivityForm,
    DecisionFilterForm,
    DecisionForm,
    FeedbackForm,
    ScreeningForm,
)
from .models import Activity, Decision, Evidence, LadderLevel

EXPORT_FORMATS = ("csv", "xlsx")


# Shared helpers (also used by views_register.py)


def apply_errors(form, exc: ValidationError):
    """Rules checked by a service come back as the form's own errors, next to their fields."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def sort_order(request, sorts, default):
    """The ordering asked for in ?sort=, if it is on the allowlist; otherwise the default.

    `sorts` maps a public key to the fields it orders by. The requested value is never passed to
    order_by() itself, only the allowlisted fields it names.
    """
    requested = request.GET.get("sort", "")
    key = requested.removeprefix("-")
    if key not in sorts:
        requested, key = default, default.removeprefix("-")
    descending = requested.startswith("-")
    ordering = [F(f).desc(nulls_last=True) if descending else F(f).asc(nulls_last=True) for f in sorts[key]]
    return requested, ordering + ["pk"]


def sort_columns(request, columns, current):
    """Header links for sortable columns: (label, key) pairs become dicts with href and aria-sort."""
    result = []
    for label, key in columns:
        if key is None:
            result.append({"label": label})
            continue
        params = request.GET.copy()
        params.pop("page", None)
        ascending_now = current == key
        params["sort"] = f"-{key}" if ascending_now else key
        state = "ascending" if current == key else "descending" if current == f"-{key}" else "none"
        result.append({"label": label, "href": f"?{params.urlencode()}", "aria_sort": state})
    return result


def export_links(request, name):
    query = request.GET.copy()
    query.pop("page", None)
    suffix = f"?{query.urlencode()}" if query else ""
    return {fmt: reverse(f"engagement:{name}", args=[fmt]) + suffix for fmt in EXPORT_FORMATS}


def export_response(fmt, header, rows, filename, title):
    if fmt == "csv":
        return csv_response(header, rows, filename)
    if fmt == "xlsx":
        return xlsx_response(header, rows, filename, title=title)
    raise Http404


def confirm_delete(request, *, obj, delete, title, message, cancel_url, done_url, done_message, section):
    """The confirmation page for a delete, and the delete itself on POST."""
    error = None
    if request.method == "POST":
        try:
            delete()
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, done_message)
            return redirect(done_url)
    return render(
        request,
        "engagement/confirm_delete.html",
        {
            "section": section,
            "object": obj,
            "title": title,
            "message": message,
            "error": error,
            "cancel_url": cancel_url,
        },
        status=400 if error else 200,
    )


def form_page(request, form, *, title, section, cancel_url, caption="", intro="", submit="Save", template=None):
    return render(
        request,
        template or "engagement/form.html",
        {
            "section": section,
            "form": form,
            "title": title,
            "caption": caption,
            "intro": intro,
            "cancel_url": cancel_url,
            "submit": submit,
        },
    )


# Decisions

# Sort statuses in the order a decision moves through them, not alphabetically.
STATUS_RANK = Case(
    *[When(duty_status=status, then=Value(rank)) for rank, status in enumerate(Decision.DutyStatus.values)],
    output_field=IntegerField(),
)
DECISION_SORTS = {
    "title": ["title"],
    "organisation": ["organisation__name"],
    "programme": ["programme__name"],
    "date": ["decision_on"],
    "status": ["status_rank"],
}
DECISION_COLUMNS = [
    ("Decision", "title"),
    ("Organisation", "organisation"),
    ("Programme", "programme"),
    ("Decision date", "date"),
    ("Status", "status"),
    ("Warnings", None),
]


def _filtered_decisions(request):
    access = request.access
    access.require(Action.VIEW)
    form = DecisionFilterForm(request.GET, access=access)
    decisions = selectors.decision_list(access.scope(Decision.objects.all())).annotate(status_rank=STATUS_RANK)
    if query := form.value("q"):
        decisions = decisions.filter(
            Q(title__icontains=query)
            | Q(reference__icontains=query)
            | Q(decision_maker__icontains=query)
            | Q(summary__icontains=query)
        )
    for name in ("organisation", "programme", "duty_status", "kind"):
        if value := form.value(name):
            decisions = decisions.filter(**{name: value})
    if warning := form.value("warning"):
        decisions = selectors.filter_warning(decisions, warning)
    if date_from := form.value("date_from"):
        decisions = decisions.filter(decision_on__gte=date_from)
    if date_to := form.value("date_to"):
        decisions = decisions.filter(decision_on__lte=date_to)
    sort, ordering = sort_order(request, DECISION_SORTS, "-date")
    return form, decisions.order_by(*ordering), sort


def decision_list(request):
    form, decisions, sort = _filtered_decisions(request)
    return render(
        request,
        "engagement/decision_list.html",
        {
            "section": "decisions",
            "form": form,
            "page": paginate(request, decisions),
            "columns": sort_columns(request, DECISION_COLUMNS, sort),
            "exports": export_links(request, "decision_export"),
            "can_add": request.access.can(Action.EDIT),
        },
    )


def decision_export(request, fmt):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    _, decisions, _ = _filtered_decisions(request)
    header, rows = exports.decision_rows(decisions)
    return export_response(fmt, header, rows, "decisions", "Decisions")


def decision_detail(request, pk):
    access = request.access
    decision = get_decision_for_user(access, pk)
    activities = decision.activities.select_related("organisation", "programme").order_by("starts_on", "pk")
    return render(
        request,
        "engagement/decision_detail.html",
        {
            "section": "decisions",
            "decision": decision,
            "activities": activities,
            "duties": decision.duties.all(),
            "plan_audiences": decision.plan_audiences.all(),
            "evidence": Evidence.objects.filter(decision=decision).select_related("created_by"),
            "evidence_owner": decision,
            "evidence_owner_kind": "decision",
            "can_edit": access.can_change(decision.organisation_id, Action.EDIT),
            "can_manage": access.can_change(decision.organisation_id, Action.MANAGE),
        },
    )


def decision_add(request):
    access = request.access
    access.require(Action.EDIT)
    form = DecisionForm(request.POST or None, organisation=access.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.decision_create(by=request.user, organisation=access.organisation, **form.changes())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"‘{decision.title}’ has been added. Next, screen it for the duty to involve.")
            return redirect("engagement:decision_detail", pk=decision.pk)
    return form_page(
        request,
        form,
        title="Add a decision or proposal",
        section="decisions",
        cancel_url=reverse("engagement:decision_list"),
    )


def decision_edit(request, pk):
    decision = get_decision_for_user(request.access, pk, action=Action.EDIT)
    form = DecisionForm(request.POST or None, instance=decision, organisation=decision.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_update(by=request.user, decision=decision, **form.changes())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "The decision has been saved.")
            return redirect("engagement:decision_detail", pk=decision.pk)
    return form_page(
        request,
        form,
        title="Change the decision",
        caption=decision.title,
        section="decisions",
        cancel_url=reverse("engagement:decision_detail", args=[decision.pk]),
    )


def decision_screen(request, pk):
    decision = get_decision_for_user(request.access, pk, action=Action.MANAGE)
    form = ScreeningForm(request.POST or None, instance=decision)
    if request.method == "POST" and form.is_valid():
        assessment = form.assessment()
        duties, audiences = assessment.pop("duties"), assessment.pop("plan_audiences")
        try:
            services.decision_screen(
                by=request.user, decision=decision, duties=duties, plan_audiences=audiences, **assessment
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "The screening for the duty to involve has been saved.")
            return redirect("engagement:decision_detail", pk=decision.pk)
    return form_page(
        request,
        form,
        title="Screen for the duty to involve",
        caption=decision.title,
        section="decisions",
        cancel_url=reverse("engagement:decision_detail", args=[decision.pk]),
        intro=(
            "Decide whether the decision would affect how services are delivered or the range of services. "
            "If it would, people who use the services, their carers and representatives must be involved."
        ),
        template="engagement/screen.html",
    )


def decision_delete(request, pk):
    decision = get_decision_for_user(request.access, pk, action=Action.MANAGE)
    return confirm_delete(
        request,
        obj=decision,
        section="decisions",
        delete=lambda: services.decision_delete(by=request.user, decision=decision),
        title=f"Delete ‘{decision.title}’?",
        message="Its screening and involvement plan are deleted too. Linked activities stay, unlinked.",
        cancel_url=reverse("engagement:decision_detail", args=[decision.pk]),
        done_url=reverse("engagement:decision_list"),
        done_message=f"‘{decision.title}’ has been deleted.",
    )


def decision_timeline(request, pk):
    decision = get_decision_for_user(request.access, pk)
    return render(
        request,
        "engagement/timeline.html",
        {
            "section": "decisions",
            "subject": decision,
            "subject_kind": "decision",
            "back_url": reverse("engagement:decision_detail", args=[decision.pk]),
            "entries": selectors.decision_timeline(decision),
        },
    )


# Activities

LEVEL_RANK = Case(
    *[When(ladder_level=level, then=Value(rank)) for rank, level in enumerate(LadderLevel.values)],
    output_field=IntegerField(),
)
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
    activities = selectors.activity_list(access.scope(Activity.objects.all())).annotate(level_rank=LEVEL_RANK)
    if query := form.value("q"):
        activities = activities.filter(
            Q(title__icontains=query)
            | Q(description__icontains=query)
            | Q(location__icontains=query)
            | Q(outputs__icontains=query)
        )
    for name in ("organisation", "programme", "method", "ladder_level"):
        if value := form.value(name):
            activities = activities.filter(**{name: value})
    feedback = form.value("feedback")
    if feedback == "given":
        activities = activities.filter(feedback_given_on__isnull=False)
    elif feedback == "missing":
        activities = activities.filter(feedback_given_on__isnull=True)
    if date_from := form.value("date_from"):
        activities = activities.filter(starts_on__gte=date_from)
    if date_to := form.value("date_to"):
        activities = activities.filter(starts_on__lte=date_to)
    sort, ordering = sort_order(request, ACTIVITY_SORTS, "-starts")
    return form, activities.order_by(*ordering), sort


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
    form = ActivityForm(request.POST or None, organisation=access.organisation)
    if request.method == "GET" and request.GET.get("decision"):
        # Started from a decision's page: tick that decision, if it is one of ours.
        form.initial["decisions"] = list(
            Decision.objects.filter(
                organisation=access.organisation,
                pk__in=[v for v in request.GET.getlist("decision") if v.isdigit()],
            ).values_list("pk", flat=True)
        )
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(
                by=request.user, organisation=access.organisation, **form.changes(), **form.m2m()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"‘{activity.title}’ has been added.")
            return redirect("engagement:activity_detail", pk=activity.pk)
    return form_page(
        request,
        form,
        title="Add an activity",
        section="activities",
        cancel_url=reverse("engagement:activity_list"),
    )


def activity_edit(request, pk):
    activity = get_activity_for_user(request.access, pk, action=Action.EDIT)
    form = ActivityForm(request.POST or None, instance=activity, organisation=activity.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(by=request.user, activity=activity, **form.changes(), **form.m2m())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "The activity has been saved.")
            return redirect("engagement:activity_detail", pk=activity.pk)
    return form_page(
        request,
        form,
        title="Change the activity",
        caption=activity.title,
        section="activities",
        cancel_url=reverse("engagement:activity_detail", args=[activity.pk]),
    )


def activity_feedback(request, pk):
    activity = get_activity_for_user(request.access, pk, action=Action.EDIT)
    form = FeedbackForm(request.POST or None, instance=activity)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_record_feedback(by=request.user, activity=activity, **form.changes())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "The feedback to participants has been recorded.")
            return redirect("engagement:activity_detail", pk=activity.pk)
    return form_page(
        request,
        form,
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
